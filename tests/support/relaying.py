"""Events committed through a unit of work, and what the relay put on the stream, in order."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from gonghui.shared.envelope import CloudEvent
from gonghui.shared.streams import StreamKeys
from gonghui.shared.uow import UnitOfWork


def numbered(n: int) -> CloudEvent:
    """An event whose subject says the order it was committed in."""
    return CloudEvent.create(
        source="gonghui/stations",
        type="relay.test.v1",
        data={"n": n},
        subject=f"n{n:05d}",
    )


async def commit_numbered(uow_factory: Callable[[], UnitOfWork], keys: StreamKeys, n: int) -> None:
    """Commit one numbered event in a transaction of its own."""
    async with uow_factory() as uow:
        uow.publish(numbered(n), stream=keys.events("stations"))
        await uow.commit()


async def subjects_on(redis: Redis, stream: str) -> list[str]:
    """The subjects on a stream, in stream order (duplicates kept)."""
    return [fields[b"subject"].decode() for _, fields in await redis.xrange(stream)]


def first_occurrences(subjects: list[str]) -> list[str]:
    """Each subject once, where it first appeared."""
    return list(dict.fromkeys(subjects))
