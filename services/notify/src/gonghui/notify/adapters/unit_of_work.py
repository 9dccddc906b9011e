"""The notify unit of work."""

from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.notify.adapters.repositories import NotificationRepository
from gonghui.shared.uow import UnitOfWork


class NotifyUnitOfWork(UnitOfWork):
    """Notifications, committed together with outgoing events."""

    notifications: NotificationRepository

    def open_repositories(self, session: AsyncSession) -> None:
        """Attach the repositories to the new session."""
        self.notifications = NotificationRepository(session)
