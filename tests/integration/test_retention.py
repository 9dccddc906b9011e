"""Streams are trimmed only below what every group has finished with and the retention window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from gonghui.shared.retention import trim_stream
from gonghui.shared.streams import StreamKeys

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def ms(days_ago: float) -> int:
    return int((NOW - timedelta(days=days_ago)).timestamp() * 1000)


async def fill(redis: Redis, stream: str, days_ago: list[float]) -> list[str]:
    return [
        (await redis.xadd(stream, {"n": str(i)}, id=f"{ms(d)}-0")).decode()
        for i, d in enumerate(days_ago)
    ]


async def test_old_entries_every_group_acknowledged_are_trimmed(
    redis: Redis, keys: StreamKeys
) -> None:
    stream = keys.events("stations")
    ids = await fill(redis, stream, [10, 9, 8, 1])
    await redis.xgroup_create(stream, "notify", id="0")
    await redis.xreadgroup("notify", "c", {stream: ">"})
    await redis.xack(stream, "notify", *ids)

    await trim_stream(redis, stream, keep_for=timedelta(days=7), now=NOW)

    assert [e.decode() for e, _ in await redis.xrange(stream)] == ids[3:]


async def test_pending_and_unread_entries_survive_the_window(
    redis: Redis, keys: StreamKeys
) -> None:
    stream = keys.events("stations")
    ids = await fill(redis, stream, [10, 9, 8, 1])
    await redis.xgroup_create(stream, "notify", id="0")
    await redis.xgroup_create(stream, "proposals", id="0")
    await redis.xreadgroup("notify", "c", {stream: ">"})
    await redis.xack(stream, "notify", ids[0])  # ids[1] onwards stay pending for notify
    await redis.xreadgroup("proposals", "c", {stream: ">"}, count=1)
    await redis.xack(stream, "proposals", ids[0])  # proposals has not even read ids[1]

    await trim_stream(redis, stream, keep_for=timedelta(days=7), now=NOW)

    assert [e.decode() for e, _ in await redis.xrange(stream)] == ids[1:]


async def test_a_stream_that_does_not_exist_is_left_alone(redis: Redis, keys: StreamKeys) -> None:
    assert (
        await trim_stream(redis, keys.events("nothing"), keep_for=timedelta(days=7), now=NOW) == 0
    )
