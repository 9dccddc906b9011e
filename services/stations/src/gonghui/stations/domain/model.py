"""A station and the rules of its public information."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from opening_hours import OpeningHours

from gonghui.shared.clock import SHANGHAI


class StationStatus(StrEnum):
    """动态管理: where a station stands in its life."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXITED = "exited"


PUBLIC_FIELDS = (
    "name",
    "address",
    "lat",
    "lon",
    "services",
    "open_hours",
    "manager_name",
    "manager_phone",
)


@dataclass
class Station:
    """One station: numbered (编号管理), published (公示) and managed through its life."""

    code: str
    external_ref: str
    operator: str | None
    name: str
    address: str
    lat: float
    lon: float
    services: list[str]
    open_hours: str
    manager_name: str
    manager_phone: str
    registered_at: datetime
    status: StationStatus = StationStatus.PROPOSED
    updated_at: datetime | None = None
    events: list[object] = field(default_factory=list, repr=False)

    def revise(self, *, at: datetime, **public: object) -> list[str]:
        """Change public information; return the names of the fields that really changed."""
        unknown = set(public) - set(PUBLIC_FIELDS)
        if unknown:
            raise ValueError(f"not public station fields: {sorted(unknown)}")
        changed = [name for name, value in public.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, public[name])
        if changed:
            self.updated_at = at
        return changed

    def is_open(self, at: datetime) -> bool:
        """Whether its published hours say it is open at `at` (evaluated in Asia/Shanghai)."""
        local = at.astimezone(SHANGHAI).replace(tzinfo=None)
        return OpeningHours(self.open_hours).is_open(local)
