"""Contracts of the notify service."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from gonghui.shared.contracts.base import Event


class NotificationDelivered(Event):
    """notification.delivered.v1: a notification reached a recipient on a channel."""

    type_name = "notification.delivered.v1"
    owner = "notify"

    notification_id: str = Field(description="The notification's id.")
    cause_event_id: str = Field(description="The `id` of the event that caused it.")
    cause_source: str = Field(description="The `source` of the event that caused it.")
    recipient: str = Field(description="Opaque recipient id, or `role:<name>` for a group.")
    channel: str = Field(description="Channel used: in_app, webhook, dingtalk, sms, email, …")
    delivered_at: datetime = Field(description="When it was delivered.")
