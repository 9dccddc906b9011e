"""The injected clock: UTC inside, Asia/Shanghai for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Protocol, overload
from zoneinfo import ZoneInfo

from pydantic import AfterValidator

SHANGHAI = ZoneInfo("Asia/Shanghai")


@overload
def local(moment: datetime) -> datetime: ...
@overload
def local(moment: None) -> None: ...
def local(moment: datetime | None) -> datetime | None:
    """The same instant shown with +08:00, where people read it (UTC stays on the bus)."""
    return moment.astimezone(SHANGHAI) if moment is not None else None


LocalTime = Annotated[datetime, AfterValidator(local)]
"""A response field people read: any aware time given is shown with +08:00."""


class Clock(Protocol):
    """Tells the time; tests pass a clock they can move."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The time it was set to, in UTC."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now += delta
