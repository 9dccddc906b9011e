"""Reading and writing notifications; repositories never commit."""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.notify.adapters.orm import NotificationRow
from gonghui.notify.domain.model import Notification

_COLUMNS = [f.name for f in fields(Notification)]


class NotificationRepository:
    """The in-app inbox."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, notification: Notification) -> None:
        """Store a new notification."""
        self._session.add(NotificationRow(**{name: getattr(notification, name) for name in _COLUMNS}))

    async def list(self, *, recipient: str | None = None, limit: int = 50) -> list[Notification]:
        """The newest notifications, of one recipient or all."""
        query = select(NotificationRow).order_by(NotificationRow.created_at.desc()).limit(limit)
        if recipient is not None:
            query = query.where(NotificationRow.recipient == recipient)
        rows = await self._session.scalars(query)
        return [Notification(**{name: getattr(row, name) for name in _COLUMNS}) for row in rows]
