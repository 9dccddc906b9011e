"""The stations unit of work: its repositories, one transaction."""

from sqlalchemy.ext.asyncio import AsyncSession

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

    def open_repositories(self, session: AsyncSession) -> None:
        """Attach the repositories to the new session."""
        self.stations = StationRepository(session)
        self.codes = CodeAllocator(session)
        self.activities = ActivityRepository(session)
        self.visits = VisitRepository(session)
        self.ledger = LedgerRepository(session)
        self.feedback = FeedbackRepository(session)
        self.presence = PresenceRepository(session)
