"""One active relay per service: the others stand by, take over, and never write out of turn."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gonghui.shared.lease import FencedStreams, LeaseLost
from gonghui.shared.outbox import OutboxRelay
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from tests.support.relaying import commit_numbered, first_occurrences, numbered, subjects_on
from tests.support.system import eventually

LEASE_MS = 2000
"""Long enough that a batch on a loaded machine (CI) never outlasts the lease it renewed."""


@pytest.fixture(params=["single", "cluster"])
def bus_mode(request: pytest.FixtureRequest) -> str:
    """Each test on one Redis node and on a Redis Cluster."""
    return request.param


def relay(
    sessions: async_sessionmaker[AsyncSession], redis: Redis, keys: StreamKeys, holder: str
) -> OutboxRelay:
    return OutboxRelay(
        sessions,
        redis,
        service="stations",
        keys=keys,
        holder=holder,
        lease_ms=LEASE_MS,
        batch_size=20,
    )


def expected(first: int, last: int) -> list[str]:
    return [numbered(n).subject for n in range(first, last + 1)]  # type: ignore[misc]


async def test_only_the_lease_holder_sends_and_a_standby_takes_over_when_it_dies(
    stations_sessions: async_sessionmaker[AsyncSession],
    stations_uow: Callable[[], StationsUnitOfWork],
    redis: Redis,
    keys: StreamKeys,
) -> None:
    active, standby = (relay(stations_sessions, redis, keys, h) for h in ("relay-a", "relay-b"))
    for n in range(1, 31):
        await commit_numbered(stations_uow, keys, n)

    assert await active.relay_once() == 20
    assert await standby.relay_once() == 0 and not standby.active
    assert await active.relay_once() == 10

    # The active relay dies without a word (its lease is never given up).
    for n in range(31, 61):
        await commit_numbered(stations_uow, keys, n)
    started = time.monotonic()
    await eventually(
        standby.relay_once,
        within=LEASE_MS / 1000 + 1.0,
        every=0.05,
        failing="the standby never took over",
    )
    taken_over_s = time.monotonic() - started
    await standby.drain()

    assert taken_over_s < LEASE_MS / 1000 + 1.0
    assert await subjects_on(redis, keys.events("stations")) == expected(1, 60)
    assert await active.relay_once() == 0, "the old relay sent while the new one holds the lease"


async def test_a_relay_that_lost_its_lease_can_never_write_again(
    stations_sessions: async_sessionmaker[AsyncSession],
    stations_uow: Callable[[], StationsUnitOfWork],
    redis: Redis,
    keys: StreamKeys,
) -> None:
    paused, successor = (relay(stations_sessions, redis, keys, h) for h in ("paused", "next"))
    stream = keys.events("stations")
    old_token = await paused.lease.hold()
    assert old_token > 0

    # It stops (GC, SIGSTOP) past its lease; the successor takes over and sends.
    await asyncio.sleep(LEASE_MS / 1000 + 0.2)
    for n in range(1, 6):
        await commit_numbered(stations_uow, keys, n)
    assert await successor.relay_once() == 5
    assert successor.lease.token > old_token

    # It wakes up believing it still holds the lease and writes what it had claimed.
    with pytest.raises(LeaseLost):
        await FencedStreams(redis).add(stream, [numbered(99).to_fields()], token=old_token)
    assert await subjects_on(redis, stream) == expected(1, 5)


async def _all_sent(redis: Redis, stream: str, total: int) -> bool:
    """Whether every one of the `total` numbered rows is on the stream."""
    return len(set(await subjects_on(redis, stream))) >= total


def start_relay_process(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`gonghui relay stations`, as compose or an operator runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "gonghui.cli", "relay", "stations"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def test_active_relay_killed_mid_flow_the_stream_is_complete_and_in_commit_order(
    stations_uow: Callable[[], StationsUnitOfWork],
    database_url: str,
    bus_url: str,
    bus_mode: str,
    redis: Redis,
    keys: StreamKeys,
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "REDIS_URL": bus_url,
        "GONGHUI_REDIS_MODE": bus_mode,
        "GONGHUI_STREAM_PREFIX": keys.prefix,
        "STATIONS_DATABASE_URL": database_url,
        "STATIONS_RELAY_LEASE_MS": "1000",
        "STATIONS_RELAY_BATCH_SIZE": "10",
    }
    relays = [start_relay_process(env, tmp_path / f"relay{i}.log") for i in range(2)]
    stream, total = keys.events("stations"), 150
    try:
        await eventually(
            lambda: redis.exists(keys.relay_lease("stations")),
            within=60,
            every=0.2,
            failing=lambda: (tmp_path / "relay0.log").read_text(),
        )
        killed = None
        for n in range(1, total + 1):
            await commit_numbered(stations_uow, keys, n)
            await asyncio.sleep(0.01)
            if killed is None and n > 50 and await redis.xlen(stream) >= 25:
                holder = (await redis.get(keys.relay_lease("stations"))).decode().split(" ")[1]
                killed = next(p for p in relays if holder.endswith(f"-{p.pid}"))
                killed.send_signal(signal.SIGKILL)
                killed.wait()
        assert killed is not None, "the relays never sent half the flow"

        await eventually(
            lambda: _all_sent(redis, stream, total),
            within=60,
            every=0.2,
            failing="the standby did not send the rest",
        )
    finally:
        for process in relays:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)

    on_stream = await subjects_on(redis, stream)
    assert first_occurrences(on_stream) == expected(1, total), "out of commit order"
    # At least once: a relay killed between its XADD and its commit leaves one batch twice, in
    # order, right after itself; consumers skip the copies by event id.
    assert len(on_stream) - total <= 10


async def test_the_relay_writes_every_field_as_committed_in_order(
    redis: Redis, keys: StreamKeys
) -> None:
    stream = keys.events("stations")
    tricky = {
        "specversion": "1.0",
        "id": "01J-\u7ad9",
        "subject": 'a "quoted" \\ back/slash\nnew line',
        "data": '{"name":"\u7231\u5fc3\u9a7f\u7ad9","note":"\\u0000 \\"x\\"","e":"\U0001f600"}',
        "empty": "",
    }
    await FencedStreams(redis).add(stream, [tricky, {"only": "1"}], token=1)
    entries = await redis.xrange(stream)
    assert [list(fields.items()) for _, fields in entries] == [
        [(k.encode(), v.encode()) for k, v in tricky.items()],
        [(b"only", b"1")],
    ]
