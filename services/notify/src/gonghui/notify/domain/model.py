"""A notification: one message for one recipient on one channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Notification:
    """A message caused by an event, for a person or a role, on a channel."""

    id: str
    recipient: str
    channel: str
    title: str
    body: str
    cause_type: str
    cause_source: str
    cause_event_id: str
    subject: str | None
    created_at: datetime
    read_at: datetime | None = None
