"""Contracts of the notify service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from gonghui.shared.contracts.base import Command, Event


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


class NotificationFailed(Event):
    """notification.failed.v1: a notification could not be delivered on any channel tried."""

    type_name = "notification.failed.v1"
    owner = "notify"

    delivery_id: str = Field(description="The delivery's id (see `GET /deliveries`).")
    cause_event_id: str = Field(description="The `id` of the event that caused it.")
    cause_source: str = Field(description="The `source` of the event that caused it.")
    recipient: str = Field(description="Opaque recipient id, or `role:<name>` for a group.")
    channel: str = Field(description="The rule's channel: in_app, webhook, preferred, …")
    attempts: int = Field(description="How many attempts were made, over every channel tried.")
    reason: str = Field(description="The last error, for operators.")
    failed_at: datetime = Field(description="When notify gave up.")


class NotificationPosted(Event):
    """notification.posted.v1: a message for a department, written to its `dept.<code>.inbox`.

    The envelope's `id` is the delivery id: a department that sees it twice drops the repeat.
    """

    type_name = "notification.posted.v1"
    owner = "notify"

    delivery_id: str = Field(description="The delivery's id (also the envelope id).")
    cause_event_id: str = Field(description="The `id` of the event that caused it.")
    cause_type: str = Field(description="The `type` of the event that caused it.")
    recipient: str = Field(description="The department as a recipient, e.g. `dept:transport`.")
    title: str = Field(description="Title, zh-CN unless the department asked for English.")
    body: str = Field(description="Body text.")
    priority: str = Field(description="normal, urgent or critical.")


class Priority(StrEnum):
    """How urgent a message is: urgent and critical pass quiet hours; critical passes opt-outs."""

    NORMAL = "normal"
    URGENT = "urgent"
    CRITICAL = "critical"


class BroadcastAudience(BaseModel):
    """Who receives a broadcast: people of a role in an area, optionally near a station."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    role: str = Field(
        "worker", min_length=1, max_length=50, description="People holding this role."
    )
    area_code: str | None = Field(
        None,
        pattern=r"^\d{2,12}$",
        description="Administrative area code or prefix (`3501` = Fuzhou); everyone if omitted.",
    )
    within_m: int | None = Field(
        None,
        ge=50,
        le=50_000,
        description="Only people within this distance of an open station; everyone if omitted.",
    )


class BroadcastRequested(Command):
    """notify.broadcast.v1: a permitted department asks notify to tell everyone in an audience.

    Templates are Jinja2; they may use `recipient.name`, `nearest_station.name`,
    `nearest_station.address` and `nearest_station.distance_m` (each person's nearest open station).
    """

    type_name = "notify.broadcast.v1"
    owner = "notify"

    broadcast_id: str = Field(
        min_length=1, max_length=100, description="The department's own id for this broadcast."
    )
    title_zh: str = Field(min_length=1, max_length=200, description="Title template, zh-CN.")
    body_zh: str = Field(min_length=1, max_length=2000, description="Body template, zh-CN.")
    title_en: str | None = Field(None, max_length=200, description="Title template, English.")
    body_en: str | None = Field(None, max_length=2000, description="Body template, English.")
    audience: BroadcastAudience = Field(description="Who receives it.")
    priority: Priority = Field(Priority.URGENT, description="normal, urgent or critical.")
    channels: list[str] = Field(
        default_factory=lambda: ["in_app"],
        min_length=1,
        description="Channels: `in_app`, `preferred` (each person's failover order), or a kind.",
    )
