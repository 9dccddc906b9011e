"""Dead letters: entries that cannot be applied, kept with their reason on `<stream>.dlq`.

A department's refused entry is also announced on its own inbox (`entry.rejected.v1`), so the
partner learns why without asking the operator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from gonghui.shared.contracts.refusals import EntryRejected
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.streams import StreamKeys, service_source

ORIGINAL = "original."

_KINDS_ZH = (
    ("missing CloudEvents attribute", "缺少 CloudEvents 必需属性"),
    ("naming rule", "属性名不符合 CloudEvents 命名规则（1-20 个小写字母或数字）"),
    ("control characters", "属性值含有控制字符"),
    ("not UTF-8", "条目不是 UTF-8 文本"),
    ("nested deeper", "data 嵌套层数过多"),
    ("data is not JSON", "data 不是合法的 JSON"),
    ("must be a JSON object", "data 必须是 JSON 对象"),
    ("NUL character", "data 含有 NUL 字符"),
    ("does not match stream", "source 与所在的流不符（身份以流为准）"),
    ("unknown type", "未知的类型"),
    ("not a command", "该类型不是合作单位可以发送的命令"),
    ("may only send commands", "合作单位只能发送命令，不能发送事件"),
    ("already used for different content", "事件 id 已用于不同内容；新事件请使用新的 id"),
    ("signature", "签名缺失、无效或已过期"),
    ("unsigned", "签名缺失、无效或已过期"),
    ("gave up after", "多次尝试仍无法处理"),
    ("refused by the database", "数据库拒绝了其中的值"),
    ("invalid envelope", "CloudEvents 属性无效"),
    ("invalid ", "数据校验未通过"),
    ("rejected by", "数据校验未通过"),
)


def reason_in_chinese(reason: str) -> str:
    """The kind of refusal a dead letter's reason states, in zh-CN, for the partner's people."""
    return next(
        (zh for marker, zh in _KINDS_ZH if marker in reason),
        "业务规则不允许该操作（详见英文说明）",
    )


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
        now = datetime.now(UTC)
        async with self._redis.pipeline(transaction=False) as pipe:
            for burial in burials:
                if (department := self._keys.department_of(burial.stream)) and (
                    burial.stream == self._keys.outbox(department)
                ):
                    notice = _rejection(burial, now=now)
                    pipe.xadd(self._keys.inbox(department), notice.to_fields())
                dlq = self._keys.dlq(burial.stream)
                fields: dict[bytes | str, bytes | str] = {
                    "reason": burial.reason[:2000],
                    "stream": burial.stream,
                    "group": burial.group,
                    "entry_id": burial.entry_id,
                    "deliveries": str(burial.deliveries),
                    "dead_at": now.isoformat(),
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


def _rejection(burial: Burial, *, now: datetime) -> CloudEvent:
    """The notice a department reads on its inbox about one of its refused entries."""

    def attribute(name: bytes) -> str | None:
        try:
            text = burial.fields.get(name, b"").decode()
        except UnicodeDecodeError:
            return None
        return text if 0 < len(text) <= 200 and text.isprintable() else None

    notice = EntryRejected(
        entry_id=burial.entry_id,
        event_id=attribute(b"id"),
        event_type=attribute(b"type"),
        reason_zh=reason_in_chinese(burial.reason),
        reason_en=burial.reason[:2000],
        refused_by=burial.group,
        deliveries=burial.deliveries,
    )
    return CloudEvent.create(
        id=f"rejected:{burial.entry_id}",
        source=service_source(burial.group),
        type=EntryRejected.type_name,
        data=notice,
        subject=notice.event_id or burial.entry_id,
        correlationid=attribute(b"correlationid"),
        time=now,
    )


class DeadLetterEntry(BaseModel):
    """One entry of `<stream>.dlq`: why an entry was refused, and its fields as they were."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "patternProperties": {
                "^original\\.": {
                    "type": "string",
                    "description": "The refused entry's fields, each under `original.<name>`.",
                }
            }
        },
    )

    reason: str = Field(description="Why it was refused (at most 2,000 characters).")
    stream: str = Field(description="The stream it was read from.")
    group: str = Field(description="The consumer group (the service) that refused it.")
    entry_id: str = Field(description="Its stream id on `stream`.")
    deliveries: int = Field(description="How many times it was delivered before it was refused.")
    dead_at: str = Field(description="When it was refused (RFC 3339, UTC).")


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
