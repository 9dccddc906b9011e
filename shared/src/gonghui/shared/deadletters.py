"""Dead letters: entries that cannot be applied, kept with their reason on `<stream>.dlq`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from gonghui.shared.streams import StreamKeys

ORIGINAL = "original."


@dataclass(frozen=True)
class Burial:
    """An entry about to be dead-lettered, and why."""

    stream: str
    group: str
    entry_id: str
    fields: dict[bytes, bytes]
    reason: str
    deliveries: int


@dataclass(frozen=True)
class DeadLetter:
    """One entry of a DLQ stream, as an operator sees it."""

    dlq: str
    id: str
    stream: str
    group: str
    entry_id: str
    reason: str
    deliveries: int
    dead_at: str
    original: dict[str, str]


class DeadLetters:
    """Writes, lists and replays dead letters; writing comes before the original's XACK."""

    def __init__(self, redis: Redis, keys: StreamKeys) -> None:
        self._redis = redis
        self._keys = keys

    async def bury(self, burials: Iterable[Burial]) -> None:
        """XADD each burial to its DLQ in one round trip; raises if Redis refused any."""
        burials = list(burials)
        if not burials:
            return
        now = datetime.now(UTC).isoformat()
        async with self._redis.pipeline(transaction=False) as pipe:
            for burial in burials:
                dlq = self._keys.dlq(burial.stream)
                fields: dict[bytes | str, bytes | str] = {
                    "reason": burial.reason[:2000],
                    "stream": burial.stream,
                    "group": burial.group,
                    "entry_id": burial.entry_id,
                    "deliveries": str(burial.deliveries),
                    "dead_at": now,
                }
                fields.update(
                    {ORIGINAL.encode() + key: value for key, value in burial.fields.items()}
                )
                pipe.xadd(dlq, fields)
                pipe.sadd(self._keys.dlq_index(), dlq)
            await pipe.execute()

    async def queues(self) -> list[str]:
        """Every DLQ stream key this deployment has written to."""
        members = await self._redis.smembers(self._keys.dlq_index())
        return sorted(m.decode() for m in members)

    async def list(self, dlq: str | None = None, *, count: int = 100) -> list[DeadLetter]:
        """The oldest dead letters, of one DLQ or of all."""
        letters: list[DeadLetter] = []
        for key in [dlq] if dlq else await self.queues():
            for entry_id, fields in await self._redis.xrange(key, count=count):
                letters.append(_letter(key, entry_id, fields))
        return letters[:count]

    async def show(self, dlq: str, letter_id: str) -> DeadLetter | None:
        """One dead letter, or None."""
        found = await self._redis.xrange(dlq, min=letter_id, max=letter_id)
        return _letter(dlq, *found[0]) if found else None

    async def replay(self, dlq: str, letter_id: str) -> str:
        """Put the original back on its stream as a new entry, then drop the dead letter.

        Consumers are idempotent, so groups that had applied it skip it again.
        """
        found = await self._redis.xrange(dlq, min=letter_id, max=letter_id)
        if not found:
            raise LookupError(f"no dead letter {letter_id} on {dlq}")
        _, fields = found[0]
        original = {
            key[len(ORIGINAL) :]: value
            for key, value in fields.items()
            if key.startswith(ORIGINAL.encode())
        }
        if not original:
            raise ValueError(f"dead letter {letter_id} kept no original fields")
        new_id = await self._redis.xadd(fields[b"stream"].decode(), original)
        await self._redis.xdel(dlq, letter_id)
        return new_id.decode()


class LastErrors:
    """Why each pending entry last failed, kept in Redis with the pending entry.

    Whichever replica finally gives up on an entry can then say why, not only the one that
    saw it fail.
    """

    KEEP_S = 7 * 86_400

    def __init__(self, redis: Redis, *, stream: str, group: str) -> None:
        self._redis = redis
        self._key = f"{stream}.errors.{group}"

    async def remember(self, reasons: dict[str, str]) -> None:
        """Record why each of these entries (by entry id) failed this time."""
        if reasons:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hset(self._key, mapping={i: r[:2000] for i, r in reasons.items()})
                pipe.expire(self._key, self.KEEP_S)
                await pipe.execute()

    async def recall(self, entry_ids: list[str]) -> dict[str, str]:
        """The last recorded reasons of these entries (absent ones are left out)."""
        if not entry_ids:
            return {}
        values = await self._redis.hmget(self._key, entry_ids)
        return {i: v.decode() for i, v in zip(entry_ids, values, strict=True) if v is not None}

    async def forget(self, entry_ids: list[str]) -> None:
        """Drop the reasons of entries that are done with (acknowledged)."""
        if entry_ids:
            await self._redis.hdel(self._key, *entry_ids)


def _letter(dlq: str, entry_id: bytes, fields: dict[bytes, bytes]) -> DeadLetter:
    text = {k.decode(): v.decode("utf-8", errors="backslashreplace") for k, v in fields.items()}
    return DeadLetter(
        dlq=dlq,
        id=entry_id.decode(),
        stream=text.get("stream", ""),
        group=text.get("group", ""),
        entry_id=text.get("entry_id", ""),
        reason=text.get("reason", ""),
        deliveries=int(text.get("deliveries", "0")),
        dead_at=text.get("dead_at", ""),
        original={k[len(ORIGINAL) :]: v for k, v in text.items() if k.startswith(ORIGINAL)},
    )
