"""Crash anywhere: each event takes effect exactly once, and nothing rolled back goes out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from redis.asyncio import Redis
from sqlalchemy import func, select

from gonghui.notify.adapters.orm import NotificationRow
from gonghui.notify.entrypoints.consumers import station_event_handlers
from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.contracts.stations import RegisterStation
from gonghui.shared.db import OutboxRow
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.outbox import OutboxRelay
from gonghui.shared.streams import StreamKeys
from gonghui.stations.application.handlers import register_station
from tests.integration.test_consumer import consumer_for, station_count
from tests.support.builders import entry, station_data
from tests.support.streams import create_group, pending_count, read_new
from tests.support.system import eventually

DEPT = "cib-bank"


def run_until_killed(*args: str, database_url: str, redis_url: str, prefix: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.crashing", *args],
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "GONGHUI_STREAM_PREFIX": prefix,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


async def test_consumer_killed_between_commit_and_ack_has_exactly_one_effect(
    redis: Redis, redis_url: str, keys: StreamKeys, prefix: str, database_url: str, stations_uow
) -> None:
    stream = keys.outbox(DEPT)
    await create_group(redis, stream, "stations")
    await redis.xadd(stream, entry(DEPT))

    run_until_killed(
        "consumer", DEPT, database_url=database_url, redis_url=redis_url, prefix=prefix
    )
    assert await station_count(stations_uow) == 1, "the effect was committed before the kill"
    assert await pending_count(redis, stream, "stations") == 1, (
        "but the entry was never acknowledged"
    )

    await consumer_for(redis, keys, stations_uow, name="survivor").reclaim(min_idle_ms=0)

    assert await station_count(stations_uow) == 1
    assert await pending_count(redis, stream, "stations") == 0
    assert await DeadLetters(redis, keys).list() == []


async def test_relay_killed_between_xadd_and_marking_sent_has_exactly_one_effect_downstream(
    redis: Redis,
    redis_url: str,
    keys: StreamKeys,
    prefix: str,
    database_url: str,
    stations_uow,
    stations_sessions,
    notify_uow,
) -> None:
    await register_station(RegisterStation(**station_data()), operator=DEPT, uow=stations_uow())
    events = keys.events("stations")
    await create_group(redis, events, "notify")

    run_until_killed("relay", database_url=database_url, redis_url=redis_url, prefix=prefix)
    assert await redis.xlen(events) == 1
    async with stations_uow() as uow:
        unsent = await uow.session.scalar(select(func.count()).where(OutboxRow.sent_at.is_(None)))
    assert unsent == 1, "the row was not marked sent before the kill"

    # The killed relay's lease runs out (500 ms); this one takes over and sends the row again.
    survivor = OutboxRelay(stations_sessions, redis, service="stations", keys=keys)
    sent = await eventually(
        survivor.relay_once, within=5, failing="the killed relay's lease never ran out"
    )
    assert sent == 1
    assert await redis.xlen(events) == 2, "the event went out twice (at least once)"

    notify = GroupConsumer(
        stream=events,
        group="notify",
        consumer="n1",
        service="notify",
        handlers=station_event_handlers(),
        uow_factory=notify_uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
    )
    await notify.process(await read_new(redis, events, "notify", "n1"))
    async with notify_uow() as uow:
        notified = await uow.session.scalar(select(func.count()).select_from(NotificationRow))
    assert notified == 1, "but took effect downstream exactly once"


async def test_rolled_back_transaction_publishes_nothing(
    redis: Redis, keys: StreamKeys, stations_uow, stations_sessions
) -> None:
    uow = stations_uow()
    async with uow:
        await register_station(RegisterStation(**station_data()), operator=DEPT, uow=uow)
        await uow.rollback()
    assert (
        await OutboxRelay(stations_sessions, redis, service="stations", keys=keys).relay_once() == 0
    )
    assert await redis.exists(keys.events("stations")) == 0
    assert await station_count(stations_uow) == 0
