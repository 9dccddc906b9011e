"""The audit retention loop every replica runs; a DELETE by age is safe to run on all of them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.application.participation import purge_audit
from gonghui.shared.periodic import every

log = logging.getLogger(__name__)


class AuditRetention:
    """Deletes audit rows of personal-data reads older than the retention period."""

    def __init__(
        self,
        uow_factory: Callable[[], ProposalsUnitOfWork],
        *,
        keep: timedelta,
        interval: float,
    ) -> None:
        self._uow_factory = uow_factory
        self._keep = keep
        self._interval = interval

    async def purge_expired(self) -> int:
        """One round: delete what has expired, and say how much there was."""
        if purged := await purge_audit(keep=self._keep, uow=self._uow_factory()):
            log.info("purged %d audit row(s) older than %s", purged, self._keep)
        return purged

    async def run(self, stop: asyncio.Event) -> None:
        """Purge every `interval` seconds until `stop` is set."""
        await every(self._interval, self.purge_expired, stop)
