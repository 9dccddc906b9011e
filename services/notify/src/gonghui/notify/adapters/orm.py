"""Tables of the notify database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gonghui.shared.db import NAMING_CONVENTION, UtcDateTime


class Base(DeclarativeBase):
    """Tables owned by the notify service."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class NotificationRow(Base):
    """A notification as stored (the in-app inbox)."""

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

    __table_args__ = (Index("ix_notifications_recipient_created", "recipient", "created_at"),)
