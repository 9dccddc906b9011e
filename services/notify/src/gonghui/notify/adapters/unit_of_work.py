"""The notify unit of work."""

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.notify.adapters.repositories import (
    BroadcastRepository,
    DeliveryRepository,
    NotificationRepository,
    RecipientRepository,
    RuleRepository,
    StationRepository,
)
from gonghui.shared.uow import UnitOfWork


class NotifyUnitOfWork(UnitOfWork):
    """Notifications, rules, recipients and deliveries, committed with outgoing events."""

    notifications: NotificationRepository
    recipients: RecipientRepository
    rules: RuleRepository
    deliveries: DeliveryRepository
    stations: StationRepository
    broadcasts: BroadcastRepository

    def open_repositories(self, session: AsyncSession) -> None:
        """Attach the repositories to the new session."""
        self.notifications = NotificationRepository(session)
        self.recipients = RecipientRepository(session)
        self.rules = RuleRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.stations = StationRepository(session)
        self.broadcasts = BroadcastRepository(session)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Rows read here stay readable after the close (the closing rollback would expire them).
        if self._depth == 1 and self._session is not None:
            self._session.expunge_all()
        await super().__aexit__(exc_type, exc, tb)
