"""A service's stream consumers on FastStream, kept alive: groups, subscribers, reclaim."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, Literal, Union

from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.redis import RedisBroker, StreamSub
from faststream.specification import AsyncAPI
from pydantic import Field, create_model
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gonghui.shared import metrics
from gonghui.shared.asyncapi import complete
from gonghui.shared.connections import check_redis_mode, redis_client, stream_broker
from gonghui.shared.consumer import Entry, GroupConsumer, Handlers
from gonghui.shared.contracts import CATALOGUE, Contract, Event
from gonghui.shared.contracts.refusals import NOTICES
from gonghui.shared.deadletters import DeadLetterEntry, DeadLetters
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.groups import forget_departed_consumers
from gonghui.shared.outbox import Feeds, OutboxRelay
from gonghui.shared.periodic import Worker, every
from gonghui.shared.ratelimit import RateLimiter
from gonghui.shared.settings import ServiceSettings
from gonghui.shared.streams import StreamKeys
from gonghui.shared.uow import UnitOfWork

log = logging.getLogger(__name__)

_STREAM_OR_GROUP_GONE = ("NOGROUP", "no such key", "requires the key to exist")
"""What Redis answers about a stream or group it lost; the keeper brings them back."""


@dataclass
class _Subscription:
    consumer: GroupConsumer
    subscriber: Any
    wanted: bool = True


@cache
def _freeze_what_was_loaded() -> None:
    """Leave what the process loaded to start out of every garbage collection, once a process.

    The libraries, routes, compiled statements and contracts live as long as the process, yet
    each full collection walked them all again: a third of a consumer's CPU per entry went to
    the collector (docs/performance.md). A runtime's start is the first moment a service
    process has loaded all of that; the stations search index freezes its registry the same
    way once it has read it.
    """
    gc.freeze()


@dataclass
class StreamRuntime:
    """Runs the consumer groups of one service and never lets one die silently.

    Groups are created before reading (never by FastStream's `last_id`); a subscriber that
    stopped because Redis lost its group is noticed by the keeper, its group re-created and
    the subscriber restarted, and `/readyz` is red until then.
    """

    service: str
    settings: ServiceSettings
    uow_factory: Callable[[], UnitOfWork]
    streams: dict[str, Handlers] = field(default_factory=dict)
    """Handlers for fixed streams, by full stream key (e.g. `stations.events`)."""
    department_handlers: Handlers | None = None
    """Handlers applied to every active department's outbox."""
    workers: list[Worker] = field(default_factory=list)
    """The service's own loops (dispatchers, deadline checks), started after the consumers."""
    on_start: Callable[[], Awaitable[object]] | None = None
    """Run once before anything reads, e.g. to install default data."""
    outbox: async_sessionmaker[AsyncSession] | None = None
    """The service's database, whose outbox this process relays while it holds the lease."""

    def __post_init__(self) -> None:
        self.keys = StreamKeys(self.settings.stream_prefix)
        self.redis = redis_client(self.settings.bus_url, mode=self.settings.redis_mode)
        self.broker = stream_broker(self.settings.bus_url, mode=self.settings.redis_mode)
        self.dead_letters = DeadLetters(self.redis, self.keys)
        self.directory = DepartmentDirectory(self.redis, self.keys)
        self.department_limits = RateLimiter(
            self.redis,
            namespace=self.keys.limit(self.service),
            rate=self.settings.department_rate,
            burst=self.settings.department_burst,
        )
        """Each department's rate, shared by every replica of this service."""
        self.relay: OutboxRelay | None = None
        if self.outbox is not None and self.settings.relay_in_process:
            self.relay = relay_for(self.settings, self.outbox, self.redis, service=self.service)
        self._subscriptions: dict[str, _Subscription] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._ready = False
        self._catalogue_broker = self._describe()

    @property
    def group(self) -> str:
        """The consumer group this service reads every stream with."""
        return self.service

    async def start(self) -> None:
        """Connect, create groups and subscribers, then start the keeper, reclaimer and workers.

        A Redis that is not what `GONGHUI_REDIS_MODE` says stops the start here, with the reason.
        """
        await check_redis_mode(self.settings.redis_url, mode=self.settings.redis_mode)
        if self.on_start is not None:
            await self.on_start()
        await self.broker.start()
        await self._converge()
        _freeze_what_was_loaded()
        loops: list[Worker] = [
            lambda stop: every(self.settings.keeper_interval_s, self._converge, stop),
            lambda stop: every(self.settings.reclaim_interval_s, self._reclaim, stop),
            lambda stop: every(
                self.settings.departed_consumer_interval_s, self._forget_departed, stop
            ),
            *self.workers,
            *([self.relay.run] if self.relay is not None else []),
        ]
        self._tasks = [asyncio.create_task(loop(self._stop)) for loop in loops]

    async def stop(self) -> None:
        """Let the loops finish their round, stop reading; entries in flight are reclaimed later."""
        self._stop.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=10)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.broker.stop()
        await self.redis.aclose()

    def readiness(self) -> dict[str, Any]:
        """Which subscribers run; ready only when every wanted one does."""
        wanted = {s: sub for s, sub in self._subscriptions.items() if sub.wanted}
        stopped = sorted(s for s, sub in wanted.items() if not sub.subscriber.running)
        metrics.SUBSCRIBERS_WANTED.labels(service=self.service).set(len(wanted))
        metrics.SUBSCRIBERS_RUNNING.labels(service=self.service).set(len(wanted) - len(stopped))
        return {
            "ready": self._ready and not stopped,
            "subscribers": len(wanted),
            "stopped": stopped,
            "relay": "off" if self.relay is None else "active" if self.relay.active else "standby",
        }

    def asyncapi(self) -> str:
        """The AsyncAPI 3.0 document of what this service reads and writes."""
        spec = AsyncAPI(
            self._catalogue_broker,
            title=f"gonghui {self.service}",
            version="1.0.0",
            schema_version="3.0.0",
            description=f"Streams the {self.service} service reads and writes. "
            "Every entry is a CloudEvent whose attributes are the entry's fields.",
        )
        return complete(json.loads(spec.to_specification().to_json()))

    def consumer(self, stream: str) -> GroupConsumer:
        """The consumer of one stream (for tests and operators)."""
        return self._subscriptions[stream].consumer

    async def _converge(self) -> None:
        """Bring the running subscribers in line with the streams and the directory."""
        try:
            wanted = dict(self.streams)
            departments = (
                await self.directory.active() if self.department_handlers is not None else {}
            )
            for code in departments:
                wanted[self.keys.outbox(code)] = self.department_handlers
            for stream, handlers in wanted.items():
                await self._keep_running(stream, handlers)
            for code, department in departments.items():
                consumer = self._subscriptions[self.keys.outbox(code)].consumer
                consumer.signing = department.signing
                consumer.sandbox = department.sandbox
            for stream, sub in self._subscriptions.items():
                if stream not in wanted and sub.wanted:
                    sub.wanted = False
                    await sub.subscriber.stop()
                    log.info("%s stopped reading %s (department revoked)", self.service, stream)
            self._ready = True
        except Exception:
            self._ready = False
            log.exception("%s could not bring its subscribers up; retrying", self.service)

    async def _keep_running(self, stream: str, handlers: Handlers) -> None:
        sub = self._subscriptions.get(stream)
        if sub is not None and sub.wanted and sub.subscriber.running:
            return
        await self._ensure_group(stream)
        if sub is None:
            sub = self._subscribe(stream, handlers)
            self._subscriptions[stream] = sub
        elif sub.subscriber.running:
            sub.wanted = True
            return
        elif sub.wanted:
            log.error(
                "%s: subscriber of %s had stopped; group ensured, restarting it",
                self.service,
                stream,
            )
        sub.wanted = True
        await sub.subscriber.start()
        log.info("%s reading %s as group %s", self.service, stream, self.group)

    async def _ensure_group(self, stream: str) -> None:
        # From 0, not $: if Redis lost the group, nothing still in the stream is skipped;
        # what was applied before is skipped by the dedupe table instead.
        try:
            await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        await self._join(stream)

    async def _join(self, stream: str) -> None:
        """List this replica among the group's consumers, whether or not it was served yet.

        Redis adds a consumer only when a read returns entries, and (before 7.2) a read that
        finds nothing does not count as activity: a replica reading a quiet stream would be
        missing from XINFO CONSUMERS, or removed as departed by another replica.
        """
        await self.redis.xgroup_createconsumer(stream, self.group, self.settings.consumer_name)

    def _subscribe(self, stream: str, handlers: Handlers) -> _Subscription:
        consumer = GroupConsumer(
            stream=stream,
            group=self.group,
            consumer=self.settings.consumer_name,
            service=self.service,
            handlers=handlers,
            uow_factory=self.uow_factory,
            redis=self.redis,
            keys=self.keys,
            dead_letters=self.dead_letters,
            max_deliveries=self.settings.max_deliveries,
            transaction_budget_s=self.settings.transaction_budget_s,
            max_transaction_size=self.settings.batch_size,
        )

        department = self.keys.department_of(stream)

        async def apply(batch: list[Entry]) -> None:
            if len(batch) < self.settings.batch_size and self.settings.linger_ms:
                batch = batch + await self._more(stream, self.settings.batch_size - len(batch))
            if department is not None and (owned := consumer.owned(batch)):
                # Waiting here leaves the rest in Redis: backpressure on this department only.
                # Only the entries this service answers for count: the others are skipped.
                await self.department_limits.take(department, owned)
            await consumer.process(batch)

        subscriber = self.broker.subscriber(
            stream=StreamSub(
                stream,
                group=self.group,
                consumer=self.settings.consumer_name,
                batch=True,
                max_records=self.settings.batch_size,
                polling_interval=self.settings.polling_interval_ms,
            ),
            parser=_whole_entries,
            decoder=_entries_body,
            ack_policy=AckPolicy.MANUAL,
        )
        subscriber(apply)
        return _Subscription(consumer=consumer, subscriber=subscriber)

    async def _more(self, stream: str, count: int) -> list[Entry]:
        """What arrived just after a short read, so a trickle is applied in batches as well.

        A read returns as soon as one entry is there: at 500 entries a second that is a
        transaction (and its fixed cost) for every few entries. Waiting `linger_ms` first
        costs that much latency and makes the batches tens of entries.
        """
        await asyncio.sleep(self.settings.linger_ms / 1000)
        try:
            response = await self.redis.xreadgroup(
                self.group, self.settings.consumer_name, {stream: ">"}, count=count
            )
        except ResponseError:
            return []  # the group is gone: apply what was read; the keeper restores the group
        return [
            Entry(stream, entry_id.decode(), fields)
            for _, entries in response
            for entry_id, fields in entries
        ]

    async def _reclaim(self) -> None:
        for sub in list(self._subscriptions.values()):
            if not sub.wanted:
                continue
            try:
                await sub.consumer.reclaim(min_idle_ms=self.settings.reclaim_idle_ms)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    log.exception("reclaim on %s failed", sub.consumer.stream)
            except Exception:
                log.exception("reclaim on %s failed", sub.consumer.stream)

    async def _forget_departed(self) -> None:
        for stream, sub in list(self._subscriptions.items()):
            try:
                if sub.wanted:
                    await self._join(stream)
                gone = await forget_departed_consumers(
                    self.redis,
                    stream,
                    self.group,
                    min_idle_ms=self.settings.departed_consumer_idle_ms,
                    keep=self.settings.consumer_name,
                )
            except ResponseError as exc:
                if not any(gone in str(exc) for gone in _STREAM_OR_GROUP_GONE):
                    log.exception("removing departed consumers of %s failed", stream)
                continue
            if gone:
                log.info("%s: departed consumers left %s: %s", self.group, stream, ", ".join(gone))

    def _describe(self) -> RedisBroker:
        """A broker that is never started, holding what the AsyncAPI document shows.

        Department outboxes are subscribed at run time, one per department; the document shows
        them once, as the `dept.{code}.outbox` template, whether or not a department exists yet.
        """
        catalogue = RedisBroker(self.settings.bus_url, apply_types=False, logger=None)
        read = dict(self.streams)
        if self.department_handlers is not None:
            read[self.keys.outbox("{code}")] = self.department_handlers
        for stream, handlers in read.items():
            catalogue.subscriber(
                stream=StreamSub(stream, group=self.group, consumer="any"),
                title=f"{stream}:{self.group}",
                description=f"Read by consumer group `{self.group}`.",
            )(_documented_handler(tuple(handlers.contracts)))
        written = {"events": self.keys.events(self.service), "inbox": self.keys.inbox("{code}")}
        events = [
            c for c in CATALOGUE.contracts if c.owner == self.service and issubclass(c, Event)
        ]
        if self.department_handlers is not None:
            events += NOTICES  # this service may refuse a department's entry and say why
        for contract in events:
            streams = [written[name] for name in contract.streams]
            if "events" in contract.streams:
                streams.append(self.keys.feed("{code}"))  # copied for departments granted it
            for stream in streams:
                catalogue.publisher(
                    stream,
                    schema=_envelope_of(contract),
                    title=f"{stream}:{contract.type_name}",
                    description=(contract.__doc__ or "").strip(),
                )
        for stream in read:
            catalogue.publisher(
                self.keys.dlq(stream),
                schema=DeadLetterEntry,
                title=self.keys.dlq(stream),
                description=f"Entries of `{stream}` that `{self.group}` refused, with the reason; "
                "for operators (`gonghui dlq`).",
            )
        return catalogue


def relay_for(
    settings: ServiceSettings,
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    *,
    service: str,
) -> OutboxRelay:
    """The outbox relay of a service, in a service process or in `gonghui relay`."""
    keys = StreamKeys(settings.stream_prefix)
    return OutboxRelay(
        sessions,
        redis,
        service=service,
        keys=keys,
        lease_ms=settings.relay_lease_ms,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval_s,
        max_idle_wait=min(0.5, settings.relay_lease_ms / 4000),
        feeds=Feeds(DepartmentDirectory(redis, keys), keys),
    )


async def _whole_entries(message: Any, _default_parser: Any) -> StreamMessage[Any]:
    """Keep every field of every entry (FastStream's own parser keeps only `data`)."""
    entries = [
        Entry(message["channel"], entry_id.decode(), fields)
        for entry_id, fields in zip(message["message_ids"], message["data"], strict=True)
    ]
    return StreamMessage(
        raw_message=message,
        body=entries,
        headers={},
        path={},
        content_type=None,
        message_id=entries[0].entry_id if entries else "",
    )


async def _entries_body(message: StreamMessage[Any], _default_decoder: Any) -> list[Entry]:
    return message.body


@cache
def _envelope_of(contract: type[Contract]) -> type[CloudEvent]:
    """The CloudEvent model with `type` and `data` fixed to one contract (for AsyncAPI)."""
    return create_model(
        contract.__name__ + "Entry",
        __base__=CloudEvent,
        __doc__=(contract.__doc__ or "").strip(),
        type=(Literal[contract.type_name], Field(description="The contract type.")),
        data=(contract, Field(description="The payload, JSON text in the `data` field.")),
    )


def _documented_handler(contracts: tuple[type[Contract], ...]) -> Callable[..., Any]:
    """A handler whose signature tells the AsyncAPI generator which envelopes a stream carries."""
    envelopes = tuple(_envelope_of(c) for c in contracts)
    if not envelopes:
        payload: Any = CloudEvent
    elif len(envelopes) == 1:
        payload = envelopes[0]
    else:
        payload = Annotated[Union[envelopes], Field(discriminator="type")]  # noqa: UP007

    async def entries(entry: Any) -> None:
        """Never called: the document only (one message is one entry, though read in batches)."""

    entries.__annotations__ = {"entry": payload, "return": None}
    return entries
