"""Bounded streams: trim what every group has finished with and the retention window has passed."""

from __future__ import annotations

from datetime import datetime, timedelta

from redis.asyncio import Redis


def _id_tuple(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


async def trim_stream(redis: Redis, stream: str, *, keep_for: timedelta, now: datetime) -> int:
    """XTRIM MINID below both the retention floor and the oldest entry any group still needs."""
    floor = (int((now - keep_for).timestamp() * 1000), 0)
    try:
        groups = await redis.xinfo_groups(stream)
    except Exception as exc:  # the stream does not exist (yet)
        if "no such key" in str(exc).lower():
            return 0
        raise
    for group in groups:
        needed = _id_tuple(group["last-delivered-id"])
        needed = (needed[0], needed[1] + 1)  # entries after the last delivered one are unread
        if group["pending"]:
            summary = await redis.xpending(stream, group["name"])
            needed = min(needed, _id_tuple(summary["min"]))
        floor = min(floor, needed)
    return await redis.xtrim(stream, minid=f"{floor[0]}-{floor[1]}", approximate=False)
