"""A case's events as they happen: the proposals service's stream, tailed for one case.

The front reads `proposals.events` with plain XREAD (no consumer group: every open page sees
every event, and nothing is acknowledged for anyone). Only the fact that the case changed leaves
here; what the person is shown is fetched again with their own token, so the service's access
rules decide what they may see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from redis.asyncio import Redis

from gonghui.shared.streams import StreamKeys

QUIET_MS = 2_000
"""How long one read waits for the case's events before the page gets a keep-alive: well inside
the socket timeout of the front's Redis client (redis-py's 5 s), which a longer block trips."""


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


async def stream_position(redis: Redis, keys: StreamKeys) -> str:
    """The id of the newest event on `proposals.events` (`0-0` when there is none yet)."""
    newest = await redis.xrevrange(keys.events("proposals"), count=1)
    return _text(newest[0][0]) if newest else "0-0"  # type: ignore[return-value]


async def case_changes(
    redis: Redis,
    keys: StreamKeys,
    proposal_id: str,
    *,
    after: str,
    block_ms: int = QUIET_MS,
) -> AsyncIterator[str | None]:
    """After `after`, the entry id of each batch of events about the case; None when quiet.

    A quiet interval yields None so the caller can send a keep-alive and notice a closed page.
    """
    stream = keys.events("proposals")
    position = after
    while True:
        found = await redis.xread({stream: position}, count=200, block=block_ms)
        changed: str | None = None
        for _, entries in found or []:
            for entry_id, fields in entries:
                position = _text(entry_id)  # type: ignore[assignment]
                text = {_text(name): _text(value) for name, value in fields.items()}
                if proposal_id in (text.get("subject"), text.get("correlationid")):
                    changed = position
        yield changed


def sse(event: str, data: str, *, event_id: str | None = None) -> str:
    """One server-sent event; `data` on as many `data:` lines as it has lines."""
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"
