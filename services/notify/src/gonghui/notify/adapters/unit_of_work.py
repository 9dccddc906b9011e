"""The notify unit of work."""

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
