"""The proposals unit of work."""

from gonghui.proposals.adapters.repositories import (
    CaseRepository,
    DeadlineRepository,
    RoutingRepository,
)
from gonghui.shared.uow import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession


class ProposalsUnitOfWork(UnitOfWork):
    """Cases, deadlines and routing, committed together with outgoing events."""

    proposals: CaseRepository
    deadlines: DeadlineRepository
    routing: RoutingRepository

    def open_repositories(self, session: AsyncSession) -> None:
        """Attach the repositories to the new session."""
        self.proposals = CaseRepository(session)
        self.deadlines = DeadlineRepository(session)
        self.routing = RoutingRepository(session)
