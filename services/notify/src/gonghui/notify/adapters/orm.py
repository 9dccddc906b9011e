"""Tables of the notify database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gonghui.shared.db import NAMING_CONVENTION, UtcDateTime


class Base(DeclarativeBase):
    """Tables owned by the notify service."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class NotificationRow(Base):
    """A notification as stored (the in-app inbox); one per (cause, recipient)."""

    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    cause_type: Mapped[str] = mapped_column(String(100))
    cause_source: Mapped[str] = mapped_column(String(200))
    cause_event_id: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    priority: Mapped[str] = mapped_column(String(10), default="normal", server_default="normal")
    area_code: Mapped[str | None] = mapped_column(String(12), default=None)

    __table_args__ = (
        Index("ix_notifications_recipient_created", "recipient", "created_at"),
        UniqueConstraint(
            "cause_source", "cause_event_id", "recipient", name="uq_notifications_cause"
        ),
    )


class NotificationReadRow(Base):
    """One member's mark on a group inbox's notification: a group's notice is read per person,
    so one member reading it does not hide it from the others."""

    __tablename__ = "notification_reads"

    # The reader first: every question asked of the marks is one reader's.
    reader: Mapped[str] = mapped_column(String(100), primary_key=True)
    notification_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RecipientRow(Base):
    """A person, a role's group or a department, with its channels and preferences."""

    __tablename__ = "recipients"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    roles: Mapped[list[str]] = mapped_column(JSON)
    area_code: Mapped[str | None] = mapped_column(String(12))
    department: Mapped[str | None] = mapped_column(String(40))
    supervisor: Mapped[str | None] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(10))
    channels: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    opt_outs: Mapped[list[str]] = mapped_column(JSON)
    digest: Mapped[bool] = mapped_column(Boolean)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RecipientRoleRow(Base):
    """Who holds which role, for selecting people by role (and paging through them)."""

    __tablename__ = "recipient_roles"

    role: Mapped[str] = mapped_column(String(50), primary_key=True)
    recipient_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class RuleRow(Base):
    """A notification rule: event type -> recipients, channels, template (admin-editable)."""

    __tablename__ = "rules"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    description: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    channels: Mapped[list[str]] = mapped_column(JSON)
    title_zh: Mapped[str] = mapped_column(Text)
    body_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean)
    remind_before_minutes: Mapped[list[int]] = mapped_column(JSON)
    due_field: Mapped[str | None] = mapped_column(String(50))
    cancel_on: Mapped[list[str]] = mapped_column(JSON)
    conditions: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    not_via: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    urgent_when: Mapped[dict[str, list[str]]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )
    area_code: Mapped[str | None] = mapped_column(String(12), default=None)


class RulesVersionRow(Base):
    """One row: bumped by every change to the rules, so a cache of them knows when it is stale."""

    __tablename__ = "rules_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class DeliveryRow(Base):
    """One (event, recipient, channel, purpose): the unit delivered exactly once."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_source: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(100))
    correlationid: Mapped[str | None] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(String(30))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    target_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    target_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_via: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint(
            "event_source", "event_id", "recipient", "channel", "purpose", name="uq_deliveries_key"
        ),
        # Most rows are written finished: the dispatcher's indexes hold only waiting ones
        # (SQLite's planner would not use an IN-list partial index for `status = 'pending'`).
        Index(
            "ix_deliveries_due",
            "status",
            "next_attempt_at",
            postgresql_where=text("status IN ('pending', 'sending', 'digest')"),
        ),
        Index("ix_deliveries_event", "event_id"),
        Index("ix_deliveries_subject_rule", "subject", "rule_id"),
        Index(
            "ix_deliveries_claim",
            "claim_token",
            postgresql_where=text("claim_token IS NOT NULL"),
            sqlite_where=text("claim_token IS NOT NULL"),
        ),
    )


class AttemptRow(Base):
    """One try of a delivery on one channel: the delivery log."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    delivery_id: Mapped[str] = mapped_column(String(40), index=True)
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)


class StationRow(Base):
    """Notify's read model of the stations registry, built from `stations.events`."""

    __tablename__ = "stations"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    services: Mapped[list[str]] = mapped_column(JSON)
    open_hours: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    area_code: Mapped[str | None] = mapped_column(String(12), default=None)
    """GB/T 2260 area of the station: notices about it go to the admins covering it."""
    operator: Mapped[str | None] = mapped_column(String(40), default=None)
    test_data: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Registered by a sandbox department: never named to workers as an open station."""


class BroadcastRow(Base):
    """A broadcast being fanned out page by page; `cursor` is the last recipient id done."""

    __tablename__ = "broadcasts"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    department: Mapped[str] = mapped_column(String(40))
    event_source: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    cursor: Mapped[str | None] = mapped_column(String(100))
    sent: Mapped[int] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
