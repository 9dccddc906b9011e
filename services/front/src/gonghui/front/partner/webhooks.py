"""Inbox items pushed to a department's URL as signed webhooks (Standard Webhooks).

Delivered by a background task of the front. Every replica runs one, and they share the
department's own consumer group: an item is read by one replica only, retried by whichever
replica claims it first (XCLAIM with the retry wait as its minimum idle time, so a claim is
made once), and acknowledged after the receiver answered 2xx. Each attempt goes to a
delivery log the department can read.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from gonghui.front.partner.door import as_cloud_event
from gonghui.front.partner.settings import PartnerDoorSettings
from gonghui.shared.clock import SHANGHAI
from gonghui.shared.receivers import ReceiverAddresses, ReceiverRefused
from gonghui.shared.streams import StreamKeys

log = logging.getLogger(__name__)

LOG_LENGTH = 1_000
"""Attempts kept in a department's delivery log."""


@dataclass(frozen=True)
class Webhook:
    """Where a department's items are pushed, and the secret they are signed with."""

    url: str
    secret: str
    """`whsec_` + base64 of the HMAC key, as Standard Webhooks libraries take it."""
    feed: bool
    """Push the feed too, not only the inbox."""
    registered_at: str

    def key(self) -> bytes:
        """The HMAC key."""
        return base64.b64decode(self.secret.removeprefix("whsec_"))

    def sign(self, webhook_id: str, timestamp: int, body: bytes) -> str:
        """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
        content = f"{webhook_id}.{timestamp}.".encode() + body
        return (
            "v1,"
            + base64.b64encode(hmac.new(self.key(), content, hashlib.sha256).digest()).decode()
        )


class WebhookRefused(Exception):
    """A URL the door will not push to; the message says why (zh / en)."""


class Webhooks:
    """The registered webhooks (one Redis hash) and each department's delivery log."""

    def __init__(self, redis: Redis, keys: StreamKeys, receivers: ReceiverAddresses) -> None:
        self._redis = redis
        self._keys = keys
        self._receivers = receivers
        self._hash = f"{keys.prefix}gonghui.webhooks"

    async def register(self, code: str, url: str, *, feed: bool, allow_http: bool) -> Webhook:
        """Set the department's URL with a new signing secret (returned once)."""
        if urlsplit(url).scheme == "http" and not allow_http:
            raise WebhookRefused("只接受 https:// 地址 / only https:// URLs are accepted")
        try:
            await self._receivers.check_url(url)
        except ReceiverRefused as exc:
            raise WebhookRefused(str(exc)) from exc
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        hook = Webhook(url=url, secret=secret, feed=feed, registered_at=_now())
        await self._redis.hset(self._hash, code, json.dumps(asdict(hook)))
        return hook

    async def get(self, code: str) -> Webhook | None:
        """The department's webhook, if it has one."""
        raw = await self._redis.hget(self._hash, code)
        return Webhook(**json.loads(raw)) if raw else None

    async def remove(self, code: str) -> bool:
        """Stop pushing; items wait in the inbox for pulling again."""
        return bool(await self._redis.hdel(self._hash, code))

    async def all(self) -> dict[str, Webhook]:
        """Every registered webhook, by department code."""
        raw = await self._redis.hgetall(self._hash)
        return {code.decode(): Webhook(**json.loads(value)) for code, value in raw.items()}

    def log_key(self, code: str) -> str:
        """The stream holding the department's delivery attempts."""
        return f"{self._keys.prefix}gonghui.webhook.deliveries.{code}"

    async def record(self, code: str, attempt: dict[str, str]) -> None:
        """Add one attempt to the log (the newest `LOG_LENGTH` are kept)."""
        await self._redis.xadd(self.log_key(code), attempt, maxlen=LOG_LENGTH, approximate=True)

    async def deliveries(self, code: str, *, limit: int) -> list[dict[str, Any]]:
        """The newest attempts first."""
        rows = await self._redis.xrevrange(self.log_key(code), count=limit)
        return [
            {k.decode(): _typed(k.decode(), v.decode()) for k, v in fields.items()}
            for _, fields in rows
        ]


class Deliverer:
    """Pushes inbox (and feed) items to registered webhooks, with retries and backoff."""

    def __init__(
        self,
        redis: Redis,
        keys: StreamKeys,
        webhooks: Webhooks,
        settings: PartnerDoorSettings,
        http: httpx.AsyncClient,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._webhooks = webhooks
        self._settings = settings
        self._http = http
        self._consumer = f"webhook-{settings.consumer_name}"

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; a round that fails is logged and the next one tried."""
        while not stop.is_set():
            try:
                await self.deliver_round()
            except Exception:
                log.exception("webhook delivery round failed; trying again")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self._settings.webhook_interval_s)
            except TimeoutError:
                pass

    async def deliver_round(self) -> None:
        """One look at every registered department: due retries first, then new items."""
        hooks = await self._webhooks.all()
        await asyncio.gather(*(self._serve(code, hook) for code, hook in hooks.items()))

    async def _serve(self, code: str, hook: Webhook) -> None:
        streams = {"inbox": self._keys.inbox(code)}
        if hook.feed:
            streams["feed"] = self._keys.feed(code)
        for which, stream in streams.items():
            try:
                await self._retry_due(code, hook, which, stream)
                got = await self._redis.xreadgroup(code, self._consumer, {stream: ">"}, count=20)
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    continue  # no feed granted yet
                raise
            for _, entries in got or []:
                for entry_id, fields in entries:
                    await self._attempt(code, hook, which, stream, entry_id.decode(), fields, 1)

    async def _retry_due(self, code: str, hook: Webhook, which: str, stream: str) -> None:
        pending = await self._redis.xpending_range(stream, code, min="-", max="+", count=100)
        for item in pending:
            attempts = int(item["times_delivered"])
            if attempts >= self._settings.webhook_max_attempts:
                continue  # given up: left for pulling
            wait_ms = int(self._backoff(attempts) * 1000)
            if int(item["time_since_delivered"]) < wait_ms:
                continue
            # Only one replica's claim succeeds: the first resets the idle time.
            claimed = await self._redis.xclaim(
                stream,
                code,
                self._consumer,
                min_idle_time=wait_ms,
                message_ids=[item["message_id"]],
            )
            for entry_id, fields in claimed:
                if fields:
                    await self._attempt(
                        code, hook, which, stream, entry_id.decode(), fields, attempts + 1
                    )

    def _backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        first = self._settings.webhook_first_retry_s
        return min(first * 2 ** (attempts - 1), self._settings.webhook_longest_retry_s)

    async def _attempt(
        self,
        code: str,
        hook: Webhook,
        which: str,
        stream: str,
        entry_id: str,
        fields: dict[bytes, bytes],
        attempt: int,
    ) -> None:
        webhook_id = f"{which}_{entry_id}"
        event = as_cloud_event(fields)
        body = json.dumps(event, ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = {
            "content-type": "application/cloudevents+json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": hook.sign(webhook_id, timestamp, body),
        }
        started = time.monotonic()
        status, error = 0, ""
        try:
            answer = await self._http.post(
                hook.url, content=body, headers=headers, timeout=self._settings.webhook_timeout_s
            )
            status = answer.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        delivered = 200 <= status < 300
        if delivered:
            await self._redis.xack(stream, code, entry_id)
        if delivered:
            outcome = "delivered"
        elif attempt >= self._settings.webhook_max_attempts:
            outcome = "gave_up"
        else:
            outcome = "failed"
        await self._webhooks.record(
            code,
            {
                "webhook_id": webhook_id,
                "stream": which,
                "entry_id": entry_id,
                "type": str(event.get("type", "")),
                "attempt": str(attempt),
                "outcome": outcome,
                "status_code": str(status),
                "error": error or ("" if delivered else f"HTTP {status}"),
                "at": _now(),
                "duration_ms": str(round((time.monotonic() - started) * 1000)),
                "next_attempt_in_s": "" if outcome != "failed" else str(self._backoff(attempt)),
            },
        )


def _now() -> str:
    return datetime.now(UTC).astimezone(SHANGHAI).isoformat(timespec="seconds")


def _typed(name: str, value: str) -> Any:
    if name in ("attempt", "status_code", "duration_ms"):
        return int(value)
    if name == "next_attempt_in_s":
        return float(value) if value else None
    return value
