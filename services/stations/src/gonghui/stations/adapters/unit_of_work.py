"""The stations unit of work: its repositories, one transaction."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gonghui.shared.clock import Clock
from gonghui.shared.streams import StreamKeys
from gonghui.shared.uow import UnitOfWork
from gonghui.stations.adapters.feedback import FeedbackRepository
from gonghui.stations.adapters.ledger import LedgerRepository
from gonghui.stations.adapters.repositories import (
    ActivityRepository,
    CodeAllocator,
    StationRepository,
    VisitRepository,
)
from gonghui.stations.adapters.siting import PresenceRepository


class StationsUnitOfWork(UnitOfWork):
    """Stations, codes, activities, visits, the ledger and feedback, committed with events."""

    stations: StationRepository
    codes: CodeAllocator
    activities: ActivityRepository
    visits: VisitRepository
    ledger: LedgerRepository
    feedback: FeedbackRepository
    presence: PresenceRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        service: str,
        keys: StreamKeys,
        clock: Clock | None = None,
        stations_changed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(sessions, service=service, keys=keys, clock=clock)
        self._stations_changed = stations_changed

    def committed(self) -> None:
        """Tell the search index of this process when the transaction wrote stations."""
        if self.stations.written and self._stations_changed is not None:
            self.stations.written = False
            self._stations_changed()

    def open_repositories(self, session: AsyncSession) -> None:
        """Attach the repositories to the new session."""
        self.stations = StationRepository(session)
        self.codes = CodeAllocator(session)
        self.activities = ActivityRepository(session)
        self.visits = VisitRepository(session)
        self.ledger = LedgerRepository(session)
        self.feedback = FeedbackRepository(session)
        self.presence = PresenceRepository(session)
