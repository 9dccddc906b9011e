"""Use cases: turning events into notifications."""

from __future__ import annotations

from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.domain.messages import Message
from gonghui.notify.domain.model import Notification
from gonghui.shared.contracts.notify import NotificationDelivered
from gonghui.shared.envelope import CloudEvent, new_event_id


async def notify_in_app(message: Message, *, cause: CloudEvent, uow: NotifyUnitOfWork) -> Notification:
    """Put a message in the recipient's in-app inbox and announce that it was delivered."""
    async with uow:
        notification = Notification(
            id=new_event_id(),
            recipient=message.recipient,
            channel="in_app",
            title=message.title,
            body=message.body,
            cause_type=cause.type,
            cause_source=cause.source,
            cause_event_id=cause.id,
            subject=cause.subject,
            created_at=uow.clock.now(),
        )
        uow.notifications.add(notification)
        uow.emit(
            NotificationDelivered(
                notification_id=notification.id,
                cause_event_id=cause.id,
                cause_source=cause.source,
                recipient=notification.recipient,
                channel=notification.channel,
                delivered_at=notification.created_at,
            ),
            subject=cause.subject,
            correlationid=cause.correlationid,
        )
        await uow.commit()
        return notification
