"""Processes that die by SIGKILL at the worst moment, for the crash tests.

Run as `python -m tests.support.crashing consumer|relay` with REDIS_URL, DATABASE_URL and
GONGHUI_STREAM_PREFIX in the environment.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from redis.asyncio import Redis

from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.outbox import OutboxRelay
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.entrypoints.consumers import department_handlers
from tests.support.streams import read_new


def die() -> None:
    """SIGKILL: no cleanup, no finally blocks, like a power cut."""
    os.kill(os.getpid(), signal.SIGKILL)


async def consumer_dies_before_ack(department: str) -> None:
    """Apply and commit one batch of a department's outbox, then die before XACK."""
    keys = StreamKeys(os.environ["GONGHUI_STREAM_PREFIX"])
    redis = Redis.from_url(os.environ["REDIS_URL"])
    sessions = session_factory(create_engine(os.environ["DATABASE_URL"]))

    async def xack_never(*_args: object) -> None:
        die()

    redis.xack = xack_never  # type: ignore[method-assign]
    consumer = GroupConsumer(
        stream=keys.outbox(department),
        group="stations",
        consumer="doomed",
        service="stations",
        handlers=department_handlers(worker_id_secret="test-secret"),
        uow_factory=lambda: StationsUnitOfWork(sessions, service="stations", keys=keys),
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
    )
    await consumer.process(await read_new(redis, consumer.stream, "stations", "doomed"))


async def relay_dies_before_marking_sent() -> None:
    """XADD the pending outbox rows, then die before the rows are marked sent."""
    redis = Redis.from_url(os.environ["REDIS_URL"])
    relay = OutboxRelay(
        session_factory(create_engine(os.environ["DATABASE_URL"])),
        redis,
        service="stations",
        keys=StreamKeys(os.environ["GONGHUI_STREAM_PREFIX"]),
        lease_ms=500,
    )
    real_add_all = relay._streams.add_all

    async def add_all_then_die(*args: object, **kwargs: object) -> None:
        await real_add_all(*args, **kwargs)  # type: ignore[arg-type]
        die()

    relay._streams.add_all = add_all_then_die  # type: ignore[method-assign]
    await relay.relay_once()


if __name__ == "__main__":
    role = sys.argv[1]
    asyncio.run(
        consumer_dies_before_ack(sys.argv[2])
        if role == "consumer"
        else relay_dies_before_marking_sent()
    )
    sys.exit("expected to be killed before reaching this line")
