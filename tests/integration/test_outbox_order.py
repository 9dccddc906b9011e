"""Outbox ids are handed out in commit order, so the relay sends in commit order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gonghui.shared.outbox import OutboxRelay
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from tests.support.relaying import numbered, subjects_on


async def test_a_transaction_that_commits_later_is_sent_later_though_it_wrote_first(
    stations_sessions: async_sessionmaker[AsyncSession],
    stations_uow: Callable[[], StationsUnitOfWork],
    redis: Redis,
    keys: StreamKeys,
) -> None:
    stream = keys.events("stations")
    commits: list[str] = []
    go_on = asyncio.Event()

    async def slow_writer() -> None:
        async with stations_uow() as uow:
            uow.publish(numbered(1), stream=stream)
            commit = uow.session.commit

            async def commit_when_told() -> None:
                await go_on.wait()
                await commit()

            uow.session.commit = commit_when_told  # type: ignore[method-assign]
            await uow.commit()  # its outbox row is written; the commit waits
        commits.append(numbered(1).subject)  # type: ignore[arg-type]

    async def quick_writer() -> None:
        async with stations_uow() as uow:
            uow.publish(numbered(2), stream=stream)
            await uow.commit()
        commits.append(numbered(2).subject)  # type: ignore[arg-type]

    slow = asyncio.create_task(slow_writer())
    await asyncio.sleep(0.3)
    quick = asyncio.create_task(quick_writer())
    await asyncio.sleep(0.5)
    go_on.set()
    await asyncio.gather(slow, quick)

    relay = OutboxRelay(stations_sessions, redis, service="stations", keys=keys)
    assert await relay.drain() == 2
    assert await subjects_on(redis, stream) == commits
