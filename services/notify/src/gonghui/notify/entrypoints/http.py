"""The HTTP API of the notify service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork


class NotificationOut(BaseModel):
    """A notification in an inbox."""

    id: str
    recipient: str
    channel: str
    title: str
    body: str
    cause_type: str
    cause_event_id: str
    subject: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    """The newest notifications."""

    items: list[NotificationOut]


def notifications_router(uow_factory: Callable[[], NotifyUnitOfWork]) -> APIRouter:
    """Routes for reading inboxes."""
    router = APIRouter(prefix="/notifications", tags=["notifications"])

    @router.get("", summary="Newest notifications, optionally of one recipient")
    async def list_notifications(
        recipient: Annotated[str | None, Query(max_length=100, description="e.g. `role:station_admin`")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> NotificationPage:
        async with uow_factory() as uow:
            found = await uow.notifications.list(recipient=recipient, limit=limit)
        return NotificationPage(items=[NotificationOut(**vars(n)) for n in found])

    return router
