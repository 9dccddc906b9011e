"""Reading streams the way a consumer group does, for tests that drive consumers by hand."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from gonghui.shared.consumer import Entry


async def create_group(redis: Redis, stream: str, group: str) -> None:
    """XGROUP CREATE ... 0 MKSTREAM, tolerating an existing group."""
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_new(
    redis: Redis, stream: str, group: str, consumer: str, count: int = 100
) -> list[Entry]:
    """XREADGROUP `>`: the entries never delivered to the group, now pending for `consumer`."""
    response = await redis.xreadgroup(group, consumer, {stream: ">"}, count=count)
    return [
        Entry(stream, entry_id.decode(), fields)
        for _, entries in response
        for entry_id, fields in entries
    ]


async def pending_count(redis: Redis, stream: str, group: str) -> int:
    """How many entries the group has read but not acknowledged."""
    return (await redis.xpending(stream, group))["pending"]
