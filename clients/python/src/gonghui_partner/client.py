"""A partner department on the gonghui bus, over Redis or HTTPS, chosen by configuration."""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, Protocol

import httpx
import redis
from pydantic import BaseModel

from gonghui_partner.events import Item, command_fields, item_from_event, sign

log = logging.getLogger("gonghui_partner")

Stream = Literal["inbox", "feed"]
Handler = Callable[[Item], None]


@dataclass(frozen=True)
class Config:
    """Who the department is and how it reaches the bus (Redis URL, or HTTPS base URL and key)."""

    code: str
    redis_url: str | None = None
    https_url: str | None = None
    """The front's base URL, e.g. `https://gonghui.example.org`; used when set."""
    key: str | None = None
    """The door key (`gonghui dept key <code>`), for HTTPS."""
    prefix: str = ""
    signing_secret: str | None = None
    """Base64 HMAC secret, when the union requires signed entries."""
    consumer: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    block_s: float = 5.0
    """How long one read waits for new items; the socket timeout is longer than this."""
    reclaim_idle_s: float = 60.0
    """Take over items another worker read but did not acknowledge for this long."""
    longest_backoff_s: float = 30.0

    @classmethod
    def from_env(cls) -> Config:
        """GONGHUI_DEPT_CODE plus GONGHUI_DEPT_URL (Redis) or GONGHUI_HTTPS_URL and
        GONGHUI_DEPT_KEY; optional GONGHUI_STREAM_PREFIX and GONGHUI_SIGNING_SECRET."""
        return cls(
            code=os.environ["GONGHUI_DEPT_CODE"],
            redis_url=os.environ.get("GONGHUI_DEPT_URL") or None,
            https_url=os.environ.get("GONGHUI_HTTPS_URL") or None,
            key=os.environ.get("GONGHUI_DEPT_KEY") or None,
            prefix=os.environ.get("GONGHUI_STREAM_PREFIX", ""),
            signing_secret=os.environ.get("GONGHUI_SIGNING_SECRET") or None,
        )

    @property
    def over_https(self) -> bool:
        """Whether this department talks HTTPS (else Redis)."""
        return bool(self.https_url)


class Transport(Protocol):
    """How entries reach the outbox and items come from the inbox or feed."""

    where: str

    def add(self, entries: list[dict[str, str]]) -> list[str]: ...
    def take(self, stream: Stream, *, count: int) -> list[Item]: ...
    def ack(self, stream: Stream, entry_ids: list[str]) -> None: ...
    def close(self) -> None: ...


class Lost(Exception):
    """The connection to the bus failed; the loop waits and tries again."""


class RedisTransport:
    """The department's own Redis user: XADD to its outbox, XREADGROUP its inbox and feed."""

    def __init__(self, config: Config) -> None:
        assert config.redis_url, "GONGHUI_DEPT_URL is not set"
        self._config = config
        # redis-py's default socket timeout (5 s) must not cut a blocking read short.
        self._redis = redis.Redis.from_url(
            config.redis_url,
            decode_responses=True,
            socket_timeout=config.block_s + 10,
            socket_connect_timeout=10,
            socket_keepalive=True,
        )
        self.where = f"{config.prefix}dept.{config.code}.outbox"

    def _key(self, stream: Stream) -> str:
        return f"{self._config.prefix}dept.{self._config.code}.{stream}"

    def add(self, entries: list[dict[str, str]]) -> list[str]:
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for fields in entries:
                    pipe.xadd(self.where, fields)
                return [str(entry_id) for entry_id in pipe.execute()]
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise Lost(str(exc)) from exc

    def take(self, stream: Stream, *, count: int) -> list[Item]:
        key, group, me = self._key(stream), self._config.code, self._config.consumer
        try:
            # Items read but not acknowledged for a while (a crashed worker, a failed handler).
            idle_ms = int(self._config.reclaim_idle_s * 1000)
            _, claimed, *_ = self._redis.xautoclaim(key, group, me, idle_ms, count=count)
            items = [Item(key, i, f) for i, f in claimed if f]
            if not items:
                block_ms = int(self._config.block_s * 1000)
                got = self._redis.xreadgroup(group, me, {key: ">"}, count=count, block=block_ms)
                items = [Item(key, i, f) for _, entries in got or [] for i, f in entries if f]
            return items
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise Lost(str(exc)) from exc

    def ack(self, stream: Stream, entry_ids: list[str]) -> None:
        try:
            self._redis.xack(self._key(stream), self._config.code, *entry_ids)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise Lost(str(exc)) from exc

    def close(self) -> None:
        self._redis.close()


class HttpsTransport:
    """The front's door: POST /partner/v1/events, long-poll GET /partner/v1/inbox, POST ack."""

    def __init__(self, config: Config) -> None:
        assert config.https_url and config.key, "GONGHUI_HTTPS_URL and GONGHUI_DEPT_KEY are needed"
        self._config = config
        self._http = httpx.Client(
            base_url=config.https_url.rstrip("/") + "/partner/v1",
            headers={"Authorization": f"Bearer {config.key}"},
            timeout=httpx.Timeout(10, read=config.block_s + 10),
        )
        self.where = f"{config.https_url.rstrip('/')}/partner/v1/events"

    def _call(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        try:
            answer = self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise Lost(f"{type(exc).__name__}: {exc}") from exc
        if answer.status_code == 429 or answer.status_code >= 500:
            raise Lost(f"HTTP {answer.status_code}: {answer.text[:200]}")
        if answer.status_code >= 400:
            raise Refused(answer.status_code, answer.json())
        return answer

    def add(self, entries: list[dict[str, str]]) -> list[str]:
        if len(entries) == 1:
            [fields] = entries
            headers = {
                f"ce-{k}": v for k, v in fields.items() if k not in ("data", "datacontenttype")
            }
            headers["content-type"] = fields.get("datacontenttype", "application/json")
            body = fields["data"].encode()
            answer = self._call("POST", "/events", headers=headers, content=body)
        else:
            batch = [
                {**{k: v for k, v in f.items() if k != "data"}, "data": json.loads(f["data"])}
                for f in entries
            ]
            answer = self._call(
                "POST",
                "/events",
                content=json.dumps(batch, ensure_ascii=False).encode(),
                headers={"content-type": "application/cloudevents-batch+json"},
            )
        return list(answer.json()["entry_ids"])

    def take(self, stream: Stream, *, count: int) -> list[Item]:
        params = {
            "consumer": self._config.consumer[:64],
            "count": count,
            "wait": self._config.block_s,
            "redeliver_after": self._config.reclaim_idle_s,
        }
        page = self._call("GET", f"/{stream}", params=params).json()
        return [item_from_event(page["stream"], i["entry_id"], i["event"]) for i in page["items"]]

    def ack(self, stream: Stream, entry_ids: list[str]) -> None:
        self._call("POST", f"/{stream}/ack", json={"entry_ids": entry_ids})

    def close(self) -> None:
        self._http.close()


class Refused(Exception):
    """The door refused a request; `detail` says why (zh-CN / English), `reason` as a DLQ would."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"HTTP {status}: {body.get('detail')}")
        self.status = status
        self.reason = body.get("reason")
        self.body = body


class Partner:
    """Send typed commands and work off the inbox or feed, acknowledging after each handler."""

    def __init__(self, config: Config, *, transport: Transport | None = None) -> None:
        self.config = config
        self.transport = transport or (
            HttpsTransport(config) if config.over_https else RedisTransport(config)
        )

    def entry(self, command: BaseModel, *, subject: str | None = None) -> dict[str, str]:
        """The fields of the outbox entry for a command, signed when a secret is configured."""
        fields = command_fields(command, code=self.config.code, subject=subject)
        return sign(fields, self.config.signing_secret) if self.config.signing_secret else fields

    def send(self, command: BaseModel, *, subject: str | None = None) -> tuple[str, str]:
        """Send one command; return its CloudEvents id and its stream entry id."""
        fields = self.entry(command, subject=subject)
        [entry_id] = self.transport.add([fields])
        return fields["id"], entry_id

    def send_many(self, commands: Iterable[BaseModel]) -> list[str]:
        """Send several commands at once (one pipeline, or one HTTPS batch); the entry ids."""
        return self.transport.add([self.entry(command) for command in commands])

    def work_off(
        self,
        stream: Stream,
        handle: Handler,
        *,
        once: bool = False,
        count: int = 10,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        """Hand every item to `handle`, acknowledging it after `handle` returns.

        A lost connection (Redis restarted, a network cut, the door answering 5xx or 429) is
        retried with backoff up to `longest_backoff_s`, forever; an item whose handler raised
        stays unacknowledged and comes back. With `once`, return when nothing is waiting.
        """
        failures = 0
        refusals = 0
        while not should_stop():
            try:
                items = self.transport.take(stream, count=count)
                if failures:
                    log.warning("reconnected to %s after %d failed attempts", stream, failures)
                failures = 0
            except Lost as exc:
                failures += 1
                delay = min(self.config.longest_backoff_s, 0.5 * 2 ** min(failures, 10))
                delay *= random.uniform(0.5, 1.0)
                log.warning("%s unreachable (%s); retrying in %.1f s", stream, exc, delay)
                time.sleep(delay)
                continue
            done = []
            for item in items:
                try:
                    handle(item)
                except Exception:
                    log.exception("handler failed on %s; it comes back later", item.entry_id)
                    continue
                done.append(item.entry_id)
            if len(done) < len(items):
                # A handler failed: the item comes back, so do not spin on it.
                refusals += 1
                time.sleep(min(self.config.longest_backoff_s, 0.5 * 2 ** min(refusals, 10)))
            else:
                refusals = 0
            if done:
                try:
                    self.transport.ack(stream, done)
                except Lost as exc:
                    # Not acknowledged: they come back, and the ids make handling them twice safe.
                    log.warning("acknowledging failed (%s); the items will come back", exc)
            if once and not items:
                return

    def close(self) -> None:
        """Close the connection."""
        self.transport.close()
