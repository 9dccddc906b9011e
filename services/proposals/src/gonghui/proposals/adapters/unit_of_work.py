"""The proposals unit of work."""

from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.proposals.adapters.repositories import ProposalRepository
from gonghui.shared.uow import UnitOfWork


class ProposalsUnitOfWork(UnitOfWork):
    """Cases, committed together with outgoing events."""

    proposals: ProposalRepository

    def open_repositories(self, session: AsyncSession) -> None:
        """Attach the repositories to the new session."""
        self.proposals = ProposalRepository(session)
