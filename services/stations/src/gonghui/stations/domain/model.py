"""A station, its life (动态管理) and the six-point gate (六有); plain Python, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from gonghui.shared.errors import Conflict
from gonghui.shared.hours import state_at


class StationStatus(StrEnum):
    """动态管理: where a station stands in its life."""

    PROPOSED = "proposed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXITED = "exited"


class InvalidTransition(Conflict):
    """The station's state does not allow this step; the message says why (HTTP 409)."""


class Criterion(StrEnum):
    """六有: the six things a station must have before it hangs the union plaque."""

    SIGN = "sign"  # 有统一标识和名称
    LAYOUT = "layout"  # 有合理布局
    FACILITIES = "facilities"  # 有完善设施
    SERVICES = "services"  # 有齐全服务功能
    RULES = "rules"  # 有规范管理制度
    MAP_INFO = "map_info"  # 有及时的地图信息


PUBLIC_FIELDS = (
    "name",
    "address",
    "lat",
    "lon",
    "services",
    "open_hours",
    "manager_name",
    "manager_phone",
    "co_builders",
    "funding_source",
    "documents",
)


def open_at(open_hours: str, at: datetime, *, lat: float, lon: float) -> bool:
    """Whether `open_hours` says open (not closed, not unknown) at `at` for a place."""
    return state_at(open_hours, at=at, lat=lat, lon=lon) == "open"


@dataclass(frozen=True)
class CriterionScore:
    """One of the six criteria as an assessor found it."""

    passed: bool
    note: str = ""
    evidence: str | None = None


@dataclass(frozen=True)
class Assessment:
    """A six-point (六有) assessment of a station by a named assessor."""

    id: str
    code: str
    assessor: str
    scores: dict[Criterion, CriterionScore]
    map_verified_on: date | None
    assessed_at: datetime

    def __post_init__(self) -> None:
        missing = set(Criterion) - set(self.scores)
        if missing:
            raise ValueError(f"every criterion must be scored; missing: {sorted(missing)}")
        if self.scores[Criterion.MAP_INFO].passed and self.map_verified_on is None:
            raise ValueError("map_info can pass only with the date the map entry was verified")

    @property
    def failed(self) -> list[str]:
        """Criteria that did not pass."""
        return [c.value for c in Criterion if not self.scores[c].passed]

    @property
    def passed(self) -> bool:
        """All six passed."""
        return not self.failed


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
    area_code: str = "100000"
    co_builders: list[str] = field(default_factory=list)
    funding_source: str | None = None
    documents: dict[str, str | None] = field(default_factory=dict)
    status: StationStatus = StationStatus.PROPOSED
    status_reason: str | None = None
    suspended_until: datetime | None = None
    updated_at: datetime | None = None
    compliant: bool = False
    assessed_at: datetime | None = None
    map_verified_on: date | None = None
    reinspection: str | None = None
    """动态管理: `open` while complaints await a re-inspection, then `passed` or `failed`."""
    reinspection_opened_at: datetime | None = None
    test_data: bool = False
    """测试数据: registered by a sandbox department; shown, but out of search and statistics."""

    def revise(self, *, at: datetime, **public: object) -> list[str]:
        """Change public information; return the names of the fields that really changed."""
        unknown = set(public) - set(PUBLIC_FIELDS)
        if unknown:
            raise ValueError(f"not public station fields: {sorted(unknown)}")
        if self.status is StationStatus.EXITED:
            raise InvalidTransition(f"station {self.code} has exited; it can no longer change")
        changed = [name for name, value in public.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, public[name])
        if changed:
            self.updated_at = at
        return changed

    def is_open(self, at: datetime) -> bool:
        """Open to workers at `at`: active, and its published hours (Asia/Shanghai) say so."""
        return self.status is StationStatus.ACTIVE and open_at(
            self.open_hours, at, lat=self.lat, lon=self.lon
        )

    def record_assessment(self, assessment: Assessment) -> str | None:
        """The station's compliance follows from its latest assessment.

        An open re-inspection is closed by it (`passed` or `failed`); a failed one is cleared by
        a later assessment that passes. Returns the re-inspection's outcome if it closed one.
        """
        if self.status is StationStatus.EXITED:
            raise InvalidTransition(f"station {self.code} has exited; it is not assessed any more")
        self.compliant = assessment.passed
        self.assessed_at = assessment.assessed_at
        self.map_verified_on = assessment.map_verified_on
        if self.reinspection == "open" or (self.reinspection == "failed" and assessment.passed):
            self.reinspection = "passed" if assessment.passed else "failed"
            return self.reinspection
        return None

    def open_reinspection(self, *, at: datetime) -> bool:
        """动态管理: complaints call for a new six-point check; False if one is already open."""
        if self.status is StationStatus.EXITED or self.reinspection == "open":
            return False
        self.reinspection, self.reinspection_opened_at = "open", at
        return True

    def recheck_due(self, now: datetime, *, max_age: timedelta) -> bool:
        """Whether the latest assessment is missing or older than `max_age`."""
        return self.assessed_at is None or now - self.assessed_at > max_age

    def activate(self, *, at: datetime) -> StationStatus:
        """挂牌: proposed -> active, only once the latest six-point assessment passed."""
        if self.status is not StationStatus.PROPOSED:
            raise InvalidTransition(
                f"only a proposed station can be activated; {self.code} is {self.status}"
            )
        if self.assessed_at is None:
            raise InvalidTransition(f"{self.code} has no six-point (六有) assessment yet")
        if not self.compliant:
            raise InvalidTransition(
                f"{self.code} did not pass its latest six-point (六有) assessment"
            )
        return self._move(StationStatus.ACTIVE, at=at, reason=None)

    def suspend(self, *, reason: str, until: datetime, at: datetime) -> StationStatus:
        """Close an active station for a while, with a reason and an end."""
        if self.status is not StationStatus.ACTIVE:
            raise InvalidTransition(
                f"only an active station can be suspended; {self.code} is {self.status}"
            )
        if until <= at:
            raise InvalidTransition("a suspension must end in the future")
        previous = self._move(StationStatus.SUSPENDED, at=at, reason=reason)
        self.suspended_until = until
        return previous

    def resume(self, *, at: datetime) -> StationStatus:
        """Reopen a suspended station."""
        if self.status is not StationStatus.SUSPENDED:
            raise InvalidTransition(
                f"only a suspended station can be resumed; {self.code} is {self.status}"
            )
        return self._move(StationStatus.ACTIVE, at=at, reason=None)

    def exit(self, *, reason: str, at: datetime) -> StationStatus:
        """退出机制: retire the station for good; it stays in history, its code never reused."""
        if self.status is StationStatus.EXITED:
            raise InvalidTransition(f"{self.code} has already exited")
        return self._move(StationStatus.EXITED, at=at, reason=reason)

    def _move(self, to: StationStatus, *, at: datetime, reason: str | None) -> StationStatus:
        previous = self.status
        self.status = to
        self.status_reason = reason
        self.suspended_until = None
        self.updated_at = at
        return previous


@dataclass(frozen=True)
class Transition:
    """One step in a station's life, with who and why."""

    code: str
    from_status: str
    to_status: str
    actor: str
    reason: str
    at: datetime
    until: datetime | None = None
