"""The outbox relay: XADD what services committed, then mark it sent (DESIGN §4)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gonghui.shared import metrics
from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.db import OutboxRow
from gonghui.shared.departments import DepartmentDirectory
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


class OutboxRelay:
    """Moves committed outbox rows to their streams, in order, at least once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        *,
        service: str,
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
        self._streams_written: set[str] = set()
        self._last_upkeep = self._clock.now()
        self._woken = asyncio.Event()
        self._postgres = sessions.kw["bind"].dialect.name == "postgresql"

    def wake(self) -> None:
        """Something was committed to the outbox: send it now instead of at the next poll.

        For a relay in the same process as its service (call it after a commit); a relay in a
        process of its own polls.
        """
        self._woken.set()

    async def relay_once(self) -> int:
        """Send one batch of pending rows; return how many went out."""
        claim = await self._claim()
        return await self._send(claim) if claim else 0

    async def drain(self) -> int:
        """Send everything pending, batch after batch, in order; return how many went out."""
        total = 0
        while sent := await self.relay_once():
            total += sent
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
                # Replicas of the relay share the work instead of sending the same rows twice.
                pending = pending.with_for_update(skip_locked=True)
            claimed = await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(pending.scalar_subquery()))
                .values(sent_at=self._clock.now())
                .returning(OutboxRow.id, OutboxRow.stream, OutboxRow.fields)
            )
            rows = sorted(claimed.all(), key=lambda row: row.id)  # RETURNING keeps no order
        except BaseException:
            await session.close()
            raise
        if not rows:
            await session.close()
            return None
        return _Claim(session, rows)

    async def _send(self, claim: _Claim) -> int:
        """XADD a claimed batch in one round trip (plus feed copies), then commit the marks."""
        try:
            streams = {row.stream for row in claim.rows}
            copies = {stream: await self._copies_of(stream) for stream in streams}
            async with self._redis.pipeline(transaction=False) as pipe:
                for row in claim.rows:
                    pipe.xadd(row.stream, row.fields)
                    for feed in copies[row.stream]:
                        pipe.xadd(feed, row.fields)
                await pipe.execute()
            await claim.session.commit()
        finally:
            await claim.session.close()
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
        little while a new event still leaves within half a second.
        """
        wait = self._poll_interval
        while not stop.is_set():
            try:
                sent = await self.drain()
                if self._clock.now() - self._last_upkeep >= self._trim_every:
                    self._last_upkeep = self._clock.now()
                    await self.upkeep()
                wait = self._poll_interval if sent else min(wait * 2, self._max_idle_wait)
            except Exception:
                log.exception("outbox relay of %s failed; retrying in %.1fs", self._service, wait)
                sent = 0
                wait = min(wait * 2, 5.0)
            await self._pause(stop, wait)

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
