"""The stations unit of work: its repositories, one transaction."""

from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.shared.uow import UnitOfWork
from gonghui.stations.adapters.repositories import CodeAllocator, StationRepository


class StationsUnitOfWork(UnitOfWork):
    """Stations and code numbers, committed together with outgoing events."""

    stations: StationRepository
    codes: CodeAllocator

    def open_repositories(self, session: AsyncSession) -> None:
        """Attach the repositories to the new session."""
        self.stations = StationRepository(session)
        self.codes = CodeAllocator(session)
