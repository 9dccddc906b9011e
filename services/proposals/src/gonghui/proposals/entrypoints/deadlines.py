"""The deadline checker every replica runs; the database decides who escalates what."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application.handlers import check_deadlines
from gonghui.shared.periodic import every

log = logging.getLogger(__name__)


class DeadlineChecker:
    """Looks for overdue steps; the service runs it every `interval` seconds on every replica.

    Safe with any number of replicas: each escalation is claimed with a conditional UPDATE
    (and SKIP LOCKED on PostgreSQL), so a late step is escalated once, not once per replica.
    """

    def __init__(
        self, uow_factory: Callable[[], ProposalsUnitOfWork], *, interval: float, batch_size: int
    ) -> None:
        self._uow_factory = uow_factory
        self._interval = interval
        self._batch_size = batch_size

    async def check_once(self) -> int:
        """Escalate what is overdue now, in batches until nothing is left; return how many."""
        total = 0
        while True:
            escalated = await check_deadlines(uow=self._uow_factory(), limit=self._batch_size)
            total += escalated
            if escalated < self._batch_size:
                return total

    async def escalate_overdue(self) -> None:
        """One round: escalate what is overdue now, and say how much there was."""
        if escalated := await self.check_once():
            log.info("escalated %d overdue step(s)", escalated)

    async def run(self, stop: asyncio.Event) -> None:
        """Check every `interval` seconds until `stop` is set."""
        await every(self._interval, self.escalate_overdue, stop)
