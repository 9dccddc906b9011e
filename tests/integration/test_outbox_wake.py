"""A relay in its service's process sends a commit at once, woken by the commit itself."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from gonghui.shared.contracts.stations import RegisterStation
from gonghui.shared.outbox import OutboxRelay
from gonghui.shared.streams import StreamKeys
from gonghui.stations.application.handlers import register_station
from tests.support.builders import station_data
from tests.support.system import eventually


async def test_a_commit_wakes_the_relay_of_its_process(
    redis: Redis, keys: StreamKeys, stations_uow, stations_sessions
) -> None:
    relay = OutboxRelay(
        stations_sessions, redis, keys=keys, service="stations", poll_interval=30, max_idle_wait=30
    )
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(0.2)  # the relay found nothing and waits up to 30 s
        await register_station(
            RegisterStation(**station_data()), operator="cib-bank", uow=stations_uow()
        )
        committed = time.monotonic()
        await eventually(
            lambda: redis.xlen(keys.events("stations")),
            within=5,
            every=0.005,
            failing="the commit did not wake the relay",
        )
    finally:
        stop.set()
        await asyncio.wait_for(running, 5)
    assert time.monotonic() - committed < 1
