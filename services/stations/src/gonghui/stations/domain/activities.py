"""一键预览、报名、参与: activities with places, a waitlist and check-in; plain Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gonghui.shared.clock import SHANGHAI
from gonghui.shared.errors import Conflict


class SignupStatus(StrEnum):
    """Where one worker's sign-up stands."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"


@dataclass
class Signup:
    """One worker's sign-up for one activity; the worker only as an opaque ref."""

    activity_id: str
    worker_ref: str
    status: SignupStatus
    queued_at: datetime
    checked_in_at: datetime | None = None
    recipient: str | None = None
    """Who to tell when a waitlisted place becomes theirs: the signed-in worker's own id."""


class SignupRefused(Conflict):
    """The step is not possible now; the message says why (HTTP 409)."""


@dataclass
class Activity:
    """An activity a station or city union publishes."""

    id: str
    title: str
    description: str
    station_code: str | None
    area_code: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    published_by: str
    published_at: datetime
    confirmed: int = 0
    waitlisted: int = 0
    checked_in: int = 0

    def __post_init__(self) -> None:
        if self.ends_at <= self.starts_at:
            raise ValueError("an activity must end after it starts")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")

    def status_for_new_signup(self, at: datetime) -> SignupStatus:
        """Confirmed while places remain, else the waitlist; refused once the activity is over."""
        if at >= self.ends_at:
            raise SignupRefused("the activity is over")
        return SignupStatus.CONFIRMED if self.confirmed < self.capacity else SignupStatus.WAITLISTED

    def check_in_allowed(self, status: SignupStatus, at: datetime) -> None:
        """A confirmed worker checks in on the day of the activity (Asia/Shanghai)."""
        if status is not SignupStatus.CONFIRMED:
            raise SignupRefused(f"only a confirmed sign-up can check in; this one is {status}")
        day = at.astimezone(SHANGHAI).date()
        first = self.starts_at.astimezone(SHANGHAI).date()
        last = self.ends_at.astimezone(SHANGHAI).date()
        if not first <= day <= last:
            raise SignupRefused(f"check-in is open on the day of the activity ({first})")
