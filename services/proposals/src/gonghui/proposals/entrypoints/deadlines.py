"""The deadline checker every replica runs; the database decides who escalates what."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application.handlers import check_deadlines

log = logging.getLogger(__name__)


class DeadlineChecker:
    """Looks for overdue steps every `interval` seconds in this process.

    Safe with any number of replicas: each escalation is claimed with a conditional UPDATE
    (and SKIP LOCKED on PostgreSQL), so a late step is escalated once, not once per replica.
    """

    def __init__(
        self, uow_factory: Callable[[], ProposalsUnitOfWork], *, interval: float, batch_size: int
    ) -> None:
        self._uow_factory = uow_factory
        self._interval = interval
        self._batch_size = batch_size
        self._stop = asyncio.Event()

    async def check_once(self) -> int:
        """Escalate what is overdue now, in batches until nothing is left; return how many."""
        total = 0
        while True:
            escalated = await check_deadlines(uow=self._uow_factory(), limit=self._batch_size)
            total += escalated
            if escalated < self._batch_size:
                return total

    async def run(self) -> None:
        """Check, then sleep, until stopped; a failed check is logged and retried next time."""
        while not self._stop.is_set():
            try:
                if escalated := await self.check_once():
                    log.info("escalated %d overdue step(s)", escalated)
            except Exception:
                log.exception("deadline check failed; retrying in %s s", self._interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._interval)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run in the background for the life of the block."""
        self._stop.clear()
        task = asyncio.create_task(self.run(), name="deadline-checker")
        try:
            yield
        finally:
            self._stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await task
