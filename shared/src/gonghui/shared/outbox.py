"""The outbox relay: XADD what services committed, then mark it sent (DESIGN §4).

Order on a stream is commit order: outbox ids are assigned in commit order (see
`UnitOfWork.commit`), the relay sends them by id, and only one relay of a service sends at a
time (`RelayLease`, with fencing tokens so a relay that lost its lease cannot write again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import Row, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gonghui.shared import metrics
from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.db import OutboxRow
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.lease import FencedStreams, LeaseLost, RelayLease
from gonghui.shared.retention import trim_stream
from gonghui.shared.streams import StreamKeys

log = logging.getLogger(__name__)


class Feeds:
    """Which department feeds get a copy of a public stream, refreshed from the directory."""

    def __init__(
        self, directory: DepartmentDirectory, keys: StreamKeys, *, refresh_every: float = 1.0
    ) -> None:
        self._directory = directory
        self._keys = keys
        self._refresh_every = refresh_every
        self._copies: dict[str, list[str]] = {}
        self._fetched_at = float("-inf")

    async def copies_of(self, stream: str) -> list[str]:
        """Feed keys of the departments granted `stream` (a full stream key)."""
        if time.monotonic() - self._fetched_at > self._refresh_every:
            copies: dict[str, list[str]] = {}
            for department in (await self._directory.active()).values():
                for granted in department.grants:
                    copies.setdefault(self._keys.prefix + granted, []).append(
                        self._keys.feed(department.code)
                    )
            self._copies, self._fetched_at = copies, time.monotonic()
        return self._copies.get(stream, [])


@dataclass
class _Claim:
    """A batch marked sent in a transaction not yet committed."""

    session: AsyncSession
    rows: list[Row[Any]]


def relay_holder() -> str:
    """Who holds a relay lease: this process (relays of one process share it)."""
    return f"{socket.gethostname()}-{os.getpid()}"


_RELAYS_HERE: dict[str, OutboxRelay] = {}
"""The relay running in this process, by service."""


def outbox_committed(service: str) -> None:
    """Rows were committed to `service`'s outbox: wake its relay, if it runs in this process."""
    if (relay := _RELAYS_HERE.get(service)) is not None:
        relay.wake()


class OutboxRelay:
    """Moves committed outbox rows to their streams, in commit order, at least once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        *,
        service: str,
        keys: StreamKeys,
        holder: str | None = None,
        lease_ms: int = 5_000,
        batch_size: int = 500,
        poll_interval: float = 0.05,
        max_idle_wait: float = 0.5,
        retention: timedelta = timedelta(days=7),
        trim_every: timedelta = timedelta(minutes=1),
        feeds: Feeds | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._service = service
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_idle_wait = max_idle_wait
        self._retention = retention
        self._clock = clock or SystemClock()
        self._trim_every = trim_every
        self._feeds = feeds
        self.lease = RelayLease(
            redis, keys, service=service, holder=holder or relay_holder(), ttl_ms=lease_ms
        )
        self._streams = FencedStreams(redis)
        self._lease_ms = lease_ms
        self.active = False
        """Whether this relay held the lease at its last attempt."""
        self._streams_written: set[str] = set()
        self._last_upkeep = self._clock.now()
        self._woken = asyncio.Event()
        self._postgres = sessions.kw["bind"].dialect.name == "postgresql"
        self._sent_through = 0
        """The highest id this relay has sent. Ids are in commit order (`UnitOfWork.commit`) and
        no row is ever unsent, so every row below it is sent: on PostgreSQL a claim starts its
        scan there, instead of stepping over the dead index entry each sent row leaves until
        vacuum (which made every claim slower than the last at a steady 500 rows a second)."""

    def wake(self) -> None:
        """Something was committed to the outbox: send it now instead of at the next poll.

        For a relay in the same process as its service (call it after a commit); a relay in a
        process of its own polls.
        """
        self._woken.set()

    async def relay_once(self) -> int:
        """Send a batch of pending rows if this relay holds the lease; return how many it sent."""
        token = await self.lease.hold()
        if token != 0 and not self.active:
            log.info("outbox relay of %s is active (lease token %d)", self._service, token)
        elif token == 0 and self.active:
            log.warning("outbox relay of %s lost its lease; standing by", self._service)
        self.active = token != 0
        if not self.active:
            return 0
        claim = await self._claim()
        return await self._send(claim, token=token) if claim else 0

    async def drain(self) -> int:
        """Send everything pending, batch after batch, in order; return how many went out.

        A batch shorter than the batch size took every row committed before its claim, so
        asking again would cost a lease call and a transaction to find nothing; rows
        committed since wake the relay (or come with the next poll).
        """
        total = 0
        while sent := await self.relay_once():
            total += sent
            if sent < self._batch_size:
                break
        return total

    async def _claim(self) -> _Claim | None:
        """Mark a batch sent in an open transaction; it is committed only after the XADDs.

        A crash before the commit rolls the marks back and the rows go out again (at least once).
        """
        session = self._sessions()
        try:
            await session.begin()
            pending = (
                select(OutboxRow.id)
                .where(OutboxRow.sent_at.is_(None))
                .order_by(OutboxRow.id)
                .limit(self._batch_size)
            )
            if self._postgres:
                pending = pending.where(OutboxRow.id > self._sent_through)
                # Never SKIP LOCKED: skipping a batch another relay holds sends later rows first.
                # A relay that stopped mid-batch (paused, not dead) is cut off by the server
                # after three leases, and a successor waits on its locks for two at most.
                # The marks' commit need not wait for its flush to disk: marks lost in a crash
                # of the server (its last fraction of a second) leave those rows to be sent
                # again by the next relay to start, and consumers skip what they had.
                await session.execute(
                    text(
                        "SELECT set_config('lock_timeout', :lock, true),"
                        " set_config('idle_in_transaction_session_timeout', :idle, true),"
                        " set_config('synchronous_commit', 'off', true)"
                    ),
                    {"lock": str(self._lease_ms * 2), "idle": str(self._lease_ms * 3)},
                )
                pending = pending.with_for_update()
            outbox = OutboxRow.__table__
            claimed = await session.execute(
                # Core's UPDATE, not the ORM's: the ORM would look every claimed row up in the
                # session's identity map to keep objects in step, and there are none.
                update(outbox)
                .where(outbox.c.id.in_(pending.scalar_subquery()))
                .values(sent_at=self._clock.now())
                .returning(outbox.c.id, outbox.c.stream, outbox.c.fields)
            )
            rows = sorted(claimed.all(), key=lambda row: row.id)  # RETURNING keeps no order
        except BaseException:
            await session.close()
            raise
        if not rows:
            await session.close()
            return None
        return _Claim(session, rows)

    async def _send(self, claim: _Claim, *, token: int) -> int:
        """XADD a claimed batch (plus feed copies), fenced by our token, then commit the marks.

        One script call per stream, in id order within it; a relay fenced off rolls its marks
        back and stands by, so the rows go out from the relay that replaced it.
        """
        try:
            streams = {row.stream for row in claim.rows}
            copies = {stream: await self._copies_of(stream) for stream in streams}
            by_stream: dict[str, list[dict[str, str]]] = {}
            for row in claim.rows:
                for stream in (row.stream, *copies[row.stream]):
                    by_stream.setdefault(stream, []).append(row.fields)
            try:
                await self._streams.add_all(by_stream, token=token)
            except LeaseLost:
                log.warning("outbox relay of %s was replaced; standing by", self._service)
                self.active = False
                return 0
            await claim.session.commit()
        finally:
            await claim.session.close()
        self._sent_through = max(self._sent_through, claim.rows[-1].id)
        self._streams_written.update(streams)
        self._streams_written.update(feed for feeds in copies.values() for feed in feeds)
        metrics.OUTBOX_RELAYED.labels(service=self._service).inc(len(claim.rows))
        return len(claim.rows)

    async def _copies_of(self, stream: str) -> list[str]:
        return await self._feeds.copies_of(stream) if self._feeds else []

    async def prune_sent(self) -> int:
        """Delete rows sent longer ago than the retention window."""
        cutoff = self._clock.now() - self._retention
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(OutboxRow).where(OutboxRow.sent_at.is_not(None), OutboxRow.sent_at < cutoff)
            )
        return result.rowcount or 0

    async def upkeep(self) -> None:
        """Delete old sent rows and trim the streams this relay writes (bounded streams)."""
        await self.prune_sent()
        for stream in sorted(self._streams_written):
            await trim_stream(self._redis, stream, keep_for=self._retention, now=self._clock.now())

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; failures are logged and retried, never fatal.

        The wait between empty polls doubles up to `max_idle_wait`, so an idle relay costs
        little while a new event still leaves within half a second; a standby asks for the
        lease as often, so it takes over within a lease's length of the active relay dying.
        On a clean stop the lease is given up, so a standby takes over at once.
        """
        wait = self._poll_interval
        _RELAYS_HERE[self._service] = self
        try:
            while not stop.is_set():
                try:
                    sent = await self.drain()
                    if self.active and self._clock.now() - self._last_upkeep >= self._trim_every:
                        self._last_upkeep = self._clock.now()
                        await self.upkeep()
                    wait = self._poll_interval if sent else min(wait * 2, self._max_idle_wait)
                except Exception:
                    log.exception(
                        "outbox relay of %s failed; retrying in %.1fs", self._service, wait
                    )
                    wait = min(wait * 2, 5.0)
                await self._pause(stop, wait)
        finally:
            _RELAYS_HERE.pop(self._service, None)
            if self.active:
                with contextlib.suppress(Exception):
                    await self.lease.release()

    async def _pause(self, stop: asyncio.Event, wait: float) -> None:
        """Wait `wait` seconds, or less if stopped or woken."""
        if self._woken.is_set():
            self._woken.clear()
            return
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._woken.wait())]
        try:
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._woken.clear()
