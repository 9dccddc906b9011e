"""Applying stream entries: validate, dedupe, persist in one transaction, then ack (DESIGN §4)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from pydantic_core import to_json
from redis.asyncio import Redis
from sqlalchemy import String, TextClause, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DataError, IntegrityError

from gonghui.shared import metrics
from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.contracts import CATALOGUE, Catalogue, Command, Contract
from gonghui.shared.db import ProcessedEvent, UtcDateTime
from gonghui.shared.deadletters import Burial, DeadLetters, LastErrors
from gonghui.shared.envelope import CloudEvent, InvalidEntry, content_digest, describe
from gonghui.shared.errors import Conflict, NotFound
from gonghui.shared.signing import Signing, verify
from gonghui.shared.streams import StreamKeys
from gonghui.shared.uow import UnitOfWork

log = logging.getLogger(__name__)

C = TypeVar("C", bound=Contract)

INTAKE_SERVICE = "stations"
"""Judges department entries whose type names no known contract, so each is dead-lettered once."""

APPLIED, DEAD = "applied", "dead"
"""What became of an entry on record in `processed_events`."""

FEWEST_PER_TRANSACTION = 32
"""Transactions are never split smaller: a transaction's fixed cost (its round trips and the
commit's flush, 10 to 40 ms on a busy PostgreSQL) would then exceed the budget on its own, each
split would halve the size again, and a loaded service would end up at a transaction per entry."""


class Rejected(Exception):
    """A permanent refusal (a broken rule, a forbidden act): to the DLQ with this reason.

    The shared `Conflict` and `NotFound` a use case raises are refused the same way.
    """


@dataclass(frozen=True)
class Entry:
    """One raw stream entry as read from Redis."""

    stream: str
    entry_id: str
    fields: dict[bytes, bytes]


@dataclass(frozen=True)
class Incoming(Generic[C]):
    """A validated entry: its envelope, its typed payload and where it came from."""

    entry: Entry
    envelope: CloudEvent
    data: C
    department: str | None
    """The department that wrote it, from the stream key (never from the payload)."""
    test_data: bool = False
    """Written by a sandbox department: what it creates is marked test data."""

    @property
    def digest(self) -> str:
        """What it says, hashed: the same (source, id) must always say the same."""
        return content_digest(self.entry.fields)


Handler = Callable[[Incoming[Any], Any], Awaitable[None]]
BatchHandler = Callable[[list[Incoming[Any]], Any], Awaitable[list[tuple[Incoming[Any], str]]]]
"""Applies a run of entries of one type together; returns those it refused, with the reason."""


def _one_at_a_time(handler: BatchHandler) -> Handler:
    """A batch handler applying one entry: a refusal is raised, as a handler's would be."""

    async def one(item: Incoming[Any], uow: Any) -> None:
        refused = await handler([item], uow)
        if refused:
            raise Rejected(refused[0][1])

    return one


class Handlers:
    """The contract types one consumer applies, each with the use case it calls."""

    def __init__(self) -> None:
        self._by_type: dict[str, tuple[type[Contract], Handler]] = {}
        self._batches: dict[str, BatchHandler] = {}
        self.fallback: Handler | None = None
        """Applies event types this consumer has no contract for; it gets the `data` dict."""
        self._fallback_batch: BatchHandler | None = None

    def on(self, contract: type[C]) -> Callable[[Handler], Handler]:
        """Register the function that applies `contract`; it gets (Incoming, uow)."""

        def register(handler: Handler) -> Handler:
            self._by_type[contract.type_name] = (contract, handler)
            return handler

        return register

    def on_batch(self, contract: type[C]) -> Callable[[BatchHandler], BatchHandler]:
        """Register the function that applies consecutive entries of `contract` together.

        It gets (list of Incoming, uow) inside the batch's transaction and returns the entries
        it refused with the reason (each is dead-lettered alone); raising fails the batch, which
        is then applied one entry at a time.
        """

        def register(handler: BatchHandler) -> BatchHandler:
            self._by_type[contract.type_name] = (contract, _one_at_a_time(handler))
            self._batches[contract.type_name] = handler
            return handler

        return register

    def batch_handler_for(self, type_name: str) -> BatchHandler | None:
        """The function that applies a run of this type together, if there is one."""
        if type_name in self._by_type:
            return self._batches.get(type_name)
        return self._fallback_batch

    def otherwise(self, handler: Handler) -> Handler:
        """Register what applies every other event type, untyped (event streams only)."""
        self.fallback = handler
        return handler

    def otherwise_batch(self, handler: BatchHandler) -> BatchHandler:
        """Register what applies every other event type, a run of one type at a time, untyped.

        As with `on_batch`, it returns the entries it refused with the reason; raising fails
        the batch, which is then applied one entry at a time (each a run of one).
        """
        self.fallback = _one_at_a_time(handler)
        self._fallback_batch = handler
        return handler

    def handler_for(self, type_name: str) -> Handler | None:
        """The function that applies a type: its own, else the fallback."""
        route = self._by_type.get(type_name)
        return route[1] if route is not None else self.fallback

    def contract_for(self, type_name: str) -> type[Contract] | None:
        """The contract of a type this consumer applies, if it does."""
        route = self._by_type.get(type_name)
        return route[0] if route is not None else None

    def get(self, type_name: str) -> tuple[type[Contract], Handler] | None:
        """The contract and handler for a type, if this consumer applies it."""
        return self._by_type.get(type_name)

    @property
    def contracts(self) -> list[type[Contract]]:
        """Every contract this consumer applies."""
        return [contract for contract, _ in self._by_type.values()]


@dataclass(frozen=True)
class _Record:
    source: str
    event_id: str
    digest: str


_Refusals = list[tuple[Incoming[Any], str]]

# The dedupe rows of a whole batch as one statement with one to three parameters, not a row of
# parameters per entry: binding and processing those cost more than the database's insert.
_COLUMNS = '"group", source, event_id, digest, outcome, processed_at'
_INSERT_RECORDS_SQLITE = text(
    f"INSERT INTO processed_events ({_COLUMNS}) "
    "SELECT :group, json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]'), :outcome, :now FROM json_each(:rows) "
    "WHERE true ON CONFLICT DO NOTHING RETURNING source, event_id"  # WHERE: SQLite's upsert rule
).bindparams(bindparam("now", type_=UtcDateTime()))
_RECORDS_PG = (
    f"INSERT INTO processed_events ({_COLUMNS}) "
    "SELECT :group, s, e, d, :outcome, :now "
    "FROM unnest(CAST(:sources AS text[]), CAST(:ids AS text[]), CAST(:digests AS text[])) "
    "AS t(s, e, d)"
)


def _pg_records(sql: str) -> TextClause:
    return text(sql).bindparams(
        bindparam("now", type_=UtcDateTime()),
        *(bindparam(name, type_=ARRAY(String)) for name in ("sources", "ids", "digests")),
    )


_INSERT_RECORDS_PG = _pg_records(f"{_RECORDS_PG} ON CONFLICT DO NOTHING RETURNING source, event_id")
_INSERT_NEW_RECORDS_PG = _pg_records(_RECORDS_PG)


def _on_postgres(uow: UnitOfWork) -> bool:
    return uow.session.bind.dialect.name == "postgresql"


def _key(item: Incoming[Any]) -> tuple[str, str]:
    return item.envelope.source, item.envelope.id


def _digest(item: Incoming[Any]) -> str:
    return item.digest


def _record_of(item: Incoming[Any] | _Record) -> tuple[str, str, str]:
    if isinstance(item, _Record):
        return item.source, item.event_id, item.digest
    return item.envelope.source, item.envelope.id, item.digest


def _reuse_reason(item: Incoming[Any], *, earlier: str = "in the same batch") -> str:
    return (
        f"id {item.envelope.id!r} of {item.envelope.source} was already used for different "
        f"content ({earlier}); an event id names one event, send a new id for a new event"
    )


def _runs_of_one_type(items: list[Incoming[Any]]) -> list[list[Incoming[Any]]]:
    """Consecutive items of the same type, in order (so a batch handler never reorders)."""
    runs: list[list[Incoming[Any]]] = []
    for item in items:
        if runs and runs[-1][0].envelope.type == item.envelope.type:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def _sane_id(raw: bytes | None) -> str | None:
    """An entry's `id` if it could be a real one (UTF-8, 1-200 characters, no control chars)."""
    try:
        text = (raw or b"").decode()
    except UnicodeDecodeError:
        return None
    if 0 < len(text) <= 200 and text.isprintable():
        return text
    return None


@dataclass(frozen=True)
class _Skip:
    reason: str


@dataclass(frozen=True)
class _Dead:
    reason: str


def responsible_service(fields: Mapping[bytes, bytes], catalogue: Catalogue = CATALOGUE) -> str:
    """The service that applies a department's entry: its type's owner, else the intake."""
    type_name = fields.get(b"type", b"").decode("utf-8", errors="replace")
    return catalogue.owner_of(type_name) or INTAKE_SERVICE


def judge(
    entry: Entry,
    *,
    keys: StreamKeys,
    service: str,
    contract_for: Callable[[str], type[Contract] | None],
    untyped: bool,
    catalogue: Catalogue,
    signing: Signing | None,
    now: datetime,
) -> Incoming[Any] | _Skip | _Dead:
    """What one consumer does with an entry: apply it (typed), skip it, or bury it with why.

    The one judgement of an entry: the consumers use it, and so does the partners' HTTPS door,
    so a malformed event is refused there with the reason its dead letter would carry.
    """
    department = keys.department_of(entry.stream)
    if department is not None and responsible_service(entry.fields, catalogue) != service:
        return _Skip("another service's command")
    try:
        if signing is not None:
            verify(entry.fields, signing, now=now)
        envelope = CloudEvent.from_fields(entry.fields)
    except InvalidEntry as exc:
        return _Dead(str(exc))
    expected_source = keys.expected_source(entry.stream)
    if envelope.source != expected_source:
        return _Dead(
            f"source {envelope.source!r} does not match stream {entry.stream!r} "
            f"(expected {expected_source!r})"
        )
    contract = contract_for(envelope.type)
    if contract is None:
        if department is None and untyped:
            return Incoming(entry=entry, envelope=envelope, data=envelope.data, department=None)
        if department is None:
            return _Skip(f"{envelope.type} is not applied by {service}")
        if catalogue.get(envelope.type) is None:
            return _Dead(f"unknown type {envelope.type!r}")
        return _Dead(f"{envelope.type!r} is not a command {service} accepts from departments")
    if department is not None and not issubclass(contract, Command):
        return _Dead(f"{envelope.type!r} is an event; departments may only send commands")
    try:
        # Strictly, as JSON: the same types the HTTP APIs accept ("26.07" is not a number).
        data = contract.model_validate_json(entry.fields[b"data"], strict=True)
    except ValidationError as exc:
        return _Dead(f"invalid {envelope.type} data: {describe(exc)}")
    return Incoming(entry=entry, envelope=envelope, data=data, department=department)


def judge_at_the_door(
    entry: Entry,
    *,
    keys: StreamKeys,
    signing: Signing | None,
    now: datetime,
    catalogue: Catalogue = CATALOGUE,
) -> str | None:
    """Why the service responsible for a department's entry would bury it, or None if it would
    apply it. Every service applies exactly the commands the catalogue says it owns."""
    service = responsible_service(entry.fields, catalogue)

    def command_of(type_name: str) -> type[Contract] | None:
        contract = catalogue.get(type_name)
        if contract is None or contract.owner != service or not issubclass(contract, Command):
            return None
        return contract

    verdict = judge(
        entry,
        keys=keys,
        service=service,
        contract_for=command_of,
        untyped=False,
        catalogue=catalogue,
        signing=signing,
        now=now,
    )
    return verdict.reason if isinstance(verdict, _Dead) else None


def next_transaction_size(size: int, took: float, *, current: int, budget: float, most: int) -> int:
    """How many entries the next transaction takes, after one of `size` took `took` seconds.

    As many as fit the budget at this one's pace: fewer after an overlong one, more after a
    quick full one (at most twice as many: a few quick entries say little about many). A
    transaction shorter than the current size (a batch's remainder) only shows that it fit.
    Within FEWEST_PER_TRANSACTION and `most`.
    """
    fitting = int(size * budget / took) if took > 0 else most
    if took > budget:
        return max(min(FEWEST_PER_TRANSACTION, most), min(fitting, current))
    if size == current:
        return min(most, max(current, min(fitting, 2 * size)))
    return current


class GroupConsumer:
    """Everything one consumer group does with the entries of one stream.

    Department outboxes are read by every service; an entry there is the business of the
    service that owns its type, and the others acknowledge it untouched. Event streams are
    read by the services that subscribed; a type a consumer does not know is skipped (or, if
    its handlers have a fallback, applied untyped), so producers can add new events without
    breaking anyone.
    """

    def __init__(
        self,
        *,
        stream: str,
        group: str,
        consumer: str,
        service: str,
        handlers: Handlers,
        uow_factory: Callable[[], UnitOfWork],
        redis: Redis,
        keys: StreamKeys,
        dead_letters: DeadLetters,
        max_deliveries: int = 5,
        catalogue: Catalogue = CATALOGUE,
        signing: Signing | None = None,
        clock: Clock | None = None,
        transaction_budget_s: float = 0.05,
        max_transaction_size: int = 500,
    ) -> None:
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self._service = service
        self._handlers = handlers
        self._uow_factory = uow_factory
        self._redis = redis
        self._keys = keys
        self._dead_letters = dead_letters
        self._max_deliveries = max_deliveries
        self._catalogue = catalogue
        self.signing = signing
        """When set, every entry must carry a valid, fresh signature of the department."""
        self.sandbox = False
        """Set for a sandbox department's outbox: its entries are applied as test data."""
        self._clock = clock or SystemClock()
        self._expected_source = keys.expected_source(stream)
        self._errors = LastErrors(redis, stream=stream, group=group)
        self._transaction_budget_s = transaction_budget_s
        self._max_transaction_size = max_transaction_size
        self._transaction_size = max_transaction_size

    async def process(
        self, entries: list[Entry], *, deliveries: dict[str, int] | None = None
    ) -> None:
        """Apply a batch; ack what was applied, skipped or dead-lettered; leave failures pending."""
        deliveries = deliveries or {}
        to_apply: list[Incoming[Any]] = []
        skipped: list[str] = []
        burials: list[Burial] = []
        now = self._clock.now()  # once a batch: only a signature's freshness is judged by it
        for entry in entries:
            verdict = self._judge_safely(entry, now=now)
            if isinstance(verdict, _Skip):
                skipped.append(entry.entry_id)
            elif isinstance(verdict, _Dead):
                burials.append(self._burial(entry, verdict.reason, deliveries))
            else:
                to_apply.append(verdict)

        applied, refused, failed = await self._apply_in_bounded_transactions(to_apply)
        burials.extend(self._burial(item.entry, reason, deliveries) for item, reason in refused)

        await self._remember_dead(burials)
        await self._dead_letters.bury(burials)
        await self._errors.remember({item.entry.entry_id: why for item, why in failed})
        done = applied + skipped + [b.entry_id for b in burials]
        if done:
            await self._redis.xack(self.stream, self.group, *done)
            if deliveries:
                # Only a redelivered entry can have an error on record from an earlier attempt.
                await self._errors.forget(done)
        self._count("skipped", len(skipped))
        self._count("dead_lettered", len(burials))

    def owned(self, entries: list[Entry]) -> int:
        """How many of a department's entries this service answers for, from `type` alone."""
        return sum(
            1
            for entry in entries
            if responsible_service(entry.fields, self._catalogue) == self._service
        )

    async def reclaim(self, *, min_idle_ms: int, count: int = 100) -> int:
        """Take over entries idle in the pending list; retry them or, past the limit, bury them."""
        start = "0-0"
        reclaimed = 0
        while True:
            next_id, claimed, *_ = await self._redis.xautoclaim(
                self.stream, self.group, self.consumer, min_idle_ms, start_id=start, count=count
            )
            entries = [
                Entry(self.stream, entry_id.decode(), fields)
                for entry_id, fields in claimed
                if fields is not None
            ]
            if entries:
                reclaimed += len(entries)
                counts = await self._delivery_counts(entries)
                worn_out = {
                    e.entry_id for e in entries if counts.get(e.entry_id, 1) > self._max_deliveries
                }
                await self._give_up([e for e in entries if e.entry_id in worn_out], counts)
                retry = [e for e in entries if e.entry_id not in worn_out]
                await self.process(retry, deliveries=counts)
            if next_id in (b"0-0", "0-0"):
                return reclaimed
            start = next_id

    def _judge_safely(self, entry: Entry, *, now: datetime) -> Incoming[Any] | _Skip | _Dead:
        """Judge one entry; whatever goes wrong reading it condemns that entry alone."""
        try:
            return self._judge(entry, now=now)
        except Exception as exc:
            return _Dead(f"cannot be read: {type(exc).__name__}: {exc}")

    def _judge(self, entry: Entry, *, now: datetime) -> Incoming[Any] | _Skip | _Dead:
        verdict = judge(
            entry,
            keys=self._keys,
            service=self._service,
            contract_for=self._handlers.contract_for,
            untyped=self._handlers.fallback is not None,
            catalogue=self._catalogue,
            signing=self.signing,
            now=now,
        )
        if self.sandbox and isinstance(verdict, Incoming):
            return replace(verdict, test_data=True)
        return verdict

    async def _apply_in_bounded_transactions(
        self, items: list[Incoming[Any]]
    ) -> tuple[list[str], _Refusals, _Refusals]:
        """Apply in order, in transactions sized to last about `transaction_budget_s` each.

        A long transaction holds SQLite's one write lock and starves the relay (events would
        leave in lumps, seconds late); the size follows how long the last one took.
        """
        applied: list[str] = []
        refused: _Refusals = []
        failed: _Refusals = []
        start = 0
        while start < len(items):
            part = items[start : start + self._transaction_size]
            began = time.perf_counter()
            done, dead, retry = await self._apply(part)
            self._resize(len(part), time.perf_counter() - began)
            applied += done
            refused += dead
            failed += retry
            start += len(part)
        return applied, refused, failed

    def _resize(self, size: int, took: float) -> None:
        self._transaction_size = next_transaction_size(
            size,
            took,
            current=self._transaction_size,
            budget=self._transaction_budget_s,
            most=self._max_transaction_size,
        )

    async def _apply(self, items: list[Incoming[Any]]) -> tuple[list[str], _Refusals, _Refusals]:
        """Apply all in one transaction; if that fails, one by one to isolate the bad ones.

        Returns the applied entry ids, the refused entries and the failed ones (to retry),
        each with its reason.
        """
        if not items:
            return [], [], []
        try:
            refused = await self._apply_together(items)
            return self._ids_except(items, refused), refused, []
        except Exception as exc:
            if len(items) == 1:
                return self._classify(items[0], exc)
        applied: list[str] = []
        refused = []
        failed: _Refusals = []
        for item in items:
            try:
                turned_down = await self._apply_together([item])
                refused += turned_down
                applied += self._ids_except([item], turned_down)
            except Exception as exc:
                _, dead, retry = self._classify(item, exc)
                refused += dead
                failed += retry
        return applied, refused, failed

    @staticmethod
    def _ids_except(items: list[Incoming[Any]], refused: _Refusals) -> list[str]:
        turned_down = {item.entry.entry_id for item, _ in refused}
        return [item.entry.entry_id for item in items if item.entry.entry_id not in turned_down]

    async def _apply_together(self, items: list[Incoming[Any]]) -> _Refusals:
        """Apply the fresh items in one transaction; return those refused as reused ids."""
        async with self._uow_factory() as uow:
            fresh, reused = await self._record_as_applied(uow, items)
            turned_down: _Refusals = []
            for run in _runs_of_one_type(fresh):
                together = self._handlers.batch_handler_for(run[0].envelope.type)
                if together is not None:
                    turned_down += await together(run, uow)
                    continue
                for item in run:
                    handler = self._handlers.handler_for(item.envelope.type)
                    await handler(item, uow)  # type: ignore[misc]
            await self._record_as_dead(uow, [item for item, _ in turned_down])
            await uow.commit()
        self._count("applied", len(fresh) - len(turned_down))
        self._count("duplicate", len(items) - len(fresh) - len(reused))
        return reused + turned_down

    async def _record_as_dead(self, uow: UnitOfWork, items: list[Incoming[Any]]) -> None:
        """Entries a batch handler refused were recorded as applied: they are dead instead."""
        table = ProcessedEvent.__table__
        for source in {item.envelope.source for item in items}:
            await uow.session.execute(
                update(table)
                .where(
                    table.c.group == self.group,
                    table.c.source == source,
                    table.c.event_id.in_(
                        [item.envelope.id for item in items if item.envelope.source == source]
                    ),
                )
                .values(outcome=DEAD)
            )

    async def _record_as_applied(
        self, uow: UnitOfWork, items: list[Incoming[Any]]
    ) -> tuple[list[Incoming[Any]], _Refusals]:
        """Insert the dedupe rows: the fresh items to apply, and those reusing an id.

        A key already on record is a duplicate when it said the same thing (it is skipped), a
        dead letter coming back when it was buried before (it is applied now), and a reused id
        when it says something else (it is refused, so a replay is never taken for another).
        """
        by_key: dict[tuple[str, str], Incoming[Any]] = {}
        reused: _Refusals = []
        for item in items:
            kept = by_key.setdefault(_key(item), item)
            if kept is not item and _digest(kept) != _digest(item):
                reused.append((item, _reuse_reason(item)))
        inserted = await self._insert_records_to_apply(uow, list(by_key.values()))
        clashes = [key for key in by_key if key not in inserted]
        fresh = [item for key, item in by_key.items() if key in inserted]
        if clashes:
            table = ProcessedEvent.__table__
            on_record = {
                (row.source, row.event_id): row
                for row in await uow.session.execute(
                    select(table.c.source, table.c.event_id, table.c.digest, table.c.outcome).where(
                        table.c.group == self.group,
                        table.c.event_id.in_([event_id for _, event_id in clashes]),
                    )
                )
            }
            for key in clashes:
                item, record = by_key[key], on_record[key]
                if record.digest is not None and record.digest != _digest(item):
                    earlier = "dead-lettered" if record.outcome == DEAD else "applied"
                    reused.append((item, _reuse_reason(item, earlier=f"{earlier} earlier")))
                elif record.outcome == DEAD:
                    await uow.session.execute(
                        update(table)
                        .where(
                            table.c.group == self.group,
                            table.c.source == key[0],
                            table.c.event_id == key[1],
                        )
                        .values(outcome=APPLIED, processed_at=uow.clock.now())
                    )
                    fresh.append(item)
        return fresh, reused

    async def _insert_records_to_apply(
        self, uow: UnitOfWork, items: list[Incoming[Any]]
    ) -> set[tuple[str, str]]:
        """The dedupe rows of entries about to be applied: the keys that were not on record.

        On PostgreSQL first as a plain INSERT under a savepoint: a key already on record is
        rare (a redelivery), and ON CONFLICT's speculative insertion and the RETURNING of every
        key cost the server about twice the insert. If one is on record, the savepoint is
        rolled back and ON CONFLICT says which.
        """
        if items and _on_postgres(uow):
            try:
                async with uow.session.begin_nested():
                    await uow.session.execute(
                        _INSERT_NEW_RECORDS_PG, self._record_params(uow, items, outcome=APPLIED)
                    )
                return {_key(item) for item in items}
            except IntegrityError:
                pass
        return await self._insert_records(uow, items, outcome=APPLIED)

    def _record_params(
        self, uow: UnitOfWork, items: list[Incoming[Any]] | list[_Record], *, outcome: str
    ) -> dict[str, Any]:
        """The dedupe statements' parameters: arrays on PostgreSQL, one JSON text on SQLite."""
        records = list(map(_record_of, items))
        params: dict[str, Any] = {"group": self.group, "outcome": outcome, "now": uow.clock.now()}
        if _on_postgres(uow):
            params["sources"], params["ids"], params["digests"] = map(
                list, zip(*records, strict=True)
            )
        else:
            params["rows"] = to_json(records).decode()
        return params

    async def _insert_records(
        self, uow: UnitOfWork, items: list[Incoming[Any]] | list[_Record], *, outcome: str
    ) -> set[tuple[str, str]]:
        """INSERT ... ON CONFLICT DO NOTHING RETURNING: the keys that were not on record."""
        if not items:
            return set()
        inserted = await uow.session.execute(
            _INSERT_RECORDS_PG if _on_postgres(uow) else _INSERT_RECORDS_SQLITE,
            self._record_params(uow, items, outcome=outcome),
        )
        return {(source, event_id) for source, event_id in inserted}

    async def _remember_dead(self, burials: list[Burial]) -> None:
        """Put buried entries on record, so a later entry reusing their id is refused.

        Only entries whose `source` is the stream's own: a forged source must not reserve
        another party's ids.
        """
        records = [
            _Record(self._expected_source, event_id, content_digest(burial.fields))
            for burial in burials
            if burial.fields.get(b"source", b"").decode(errors="replace") == self._expected_source
            and (event_id := _sane_id(burial.fields.get(b"id")))
        ]
        if records:
            async with self._uow_factory() as uow:
                await self._insert_records(uow, records, outcome=DEAD)
                await uow.commit()

    def _classify(
        self, item: Incoming[Any], exc: Exception
    ) -> tuple[list[str], _Refusals, _Refusals]:
        """Permanent refusals are buried; everything else stays pending and is retried."""
        if isinstance(exc, Rejected | Conflict | NotFound):
            return [], [(item, str(exc))], []
        if isinstance(exc, ValidationError):
            return [], [(item, f"rejected by {self._service}: {describe(exc)}")], []
        if isinstance(exc, DataError):
            # The database refuses this value whatever the attempt: retrying cannot help.
            return [], [(item, f"refused by the database: {exc.orig}")], []
        reason = f"{type(exc).__name__}: {exc}"
        log.warning(
            "%s could not apply %s on %s: %s", self.group, item.entry.entry_id, self.stream, reason
        )
        self._count("failed", 1)
        return [], [], [(item, reason)]

    async def _delivery_counts(self, entries: list[Entry]) -> dict[str, int]:
        pending = await self._redis.xpending_range(
            self.stream,
            self.group,
            min=entries[0].entry_id,
            max=entries[-1].entry_id,
            count=len(entries) * 2 + 10,
            consumername=self.consumer,
        )
        return {p["message_id"].decode(): int(p["times_delivered"]) for p in pending}

    async def _give_up(self, entries: list[Entry], counts: dict[str, int]) -> None:
        if not entries:
            return
        errors = await self._errors.recall([entry.entry_id for entry in entries])
        burials = [
            self._burial(
                entry,
                f"gave up after {counts[entry.entry_id]} deliveries; last error: "
                f"{errors.get(entry.entry_id) or 'none recorded (the entry never finished once)'}",
                counts,
            )
            for entry in entries
        ]
        await self._remember_dead(burials)
        await self._dead_letters.bury(burials)
        await self._redis.xack(self.stream, self.group, *[b.entry_id for b in burials])
        await self._errors.forget([b.entry_id for b in burials])
        self._count("dead_lettered", len(burials))

    def _burial(self, entry: Entry, reason: str, deliveries: dict[str, int]) -> Burial:
        return Burial(
            stream=entry.stream,
            group=self.group,
            entry_id=entry.entry_id,
            fields=entry.fields,
            reason=reason,
            deliveries=deliveries.get(entry.entry_id, 1),
        )

    def _count(self, outcome: str, n: int) -> None:
        if n:
            metrics.ENTRIES.labels(group=self.group, stream=self.stream, outcome=outcome).inc(n)
