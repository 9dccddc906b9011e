"""Tables of the stations database."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gonghui.shared.db import NAMING_CONVENTION, UtcDateTime

GRID_DEGREES = 0.01
"""Height of one latitude band of the search index (about 1.1 km)."""


class Base(DeclarativeBase):
    """Tables owned by the stations service."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StationRow(Base):
    """A station as stored."""

    __tablename__ = "stations"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(100))
    operator: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat_band: Mapped[int] = mapped_column(Integer)
    """floor(lat / GRID_DEGREES): with `lon`, the spatial index of the nearest search."""
    services: Mapped[list[str]] = mapped_column(JSON)
    open_hours: Mapped[str] = mapped_column(String(500))
    manager_name: Mapped[str] = mapped_column(String(50))
    manager_phone: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(String(6))
    co_builders: Mapped[list[str]] = mapped_column(JSON)
    funding_source: Mapped[str | None] = mapped_column(String(100))
    documents: Mapped[dict[str, str | None]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    status_reason: Mapped[str | None] = mapped_column(String(500))
    suspended_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    compliant: Mapped[bool] = mapped_column(Boolean)
    assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    map_verified_on: Mapped[date | None] = mapped_column(Date)
    reinspection: Mapped[str | None] = mapped_column(String(10))
    reinspection_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    test_data: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Registered by a sandbox department: left out of search, exports and statistics."""
    search_version: Mapped[int | None] = mapped_column(BigInteger)
    """Stamped by the database on every write (migration 0009): what the search index follows."""

    __table_args__ = (
        UniqueConstraint("operator", "external_ref", name="uq_stations_operator_external_ref"),
        Index("ix_stations_lat_band_lon", "lat_band", "lon"),
        Index("ix_stations_area_code", "area_code"),
        Index("ix_stations_search_version", "search_version"),
    )


class CodeSequence(Base):
    """The last number handed out in an area (`prefix` holds its GB/T 2260 code); never reused."""

    __tablename__ = "code_sequences"

    prefix: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class TransitionRow(Base):
    """One lifecycle step of a station, with who and why."""

    __tablename__ = "station_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))
    until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class AssessmentRow(Base):
    """A six-point (六有) assessment."""

    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    assessor: Mapped[str] = mapped_column(String(100))
    scores: Mapped[dict[str, dict[str, object]]] = mapped_column(JSON)
    passed: Mapped[bool] = mapped_column(Boolean)
    map_verified_on: Mapped[date | None] = mapped_column(Date)
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ActivityRow(Base):
    """An activity and its counts."""

    __tablename__ = "activities"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    station_code: Mapped[str | None] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(6), index=True)
    place: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed: Mapped[int] = mapped_column(Integer)
    waitlisted: Mapped[int] = mapped_column(Integer)
    checked_in: Mapped[int] = mapped_column(Integer)


class SignupRow(Base):
    """One worker's sign-up for one activity; the worker only as a keyed hash."""

    __tablename__ = "activity_signups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activity_id: Mapped[str] = mapped_column(String(40))
    worker_ref: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    recipient: Mapped[str | None] = mapped_column(String(100), default=None)

    __table_args__ = (
        UniqueConstraint("activity_id", "worker_ref", name="uq_activity_signups_worker"),
    )


class VisitDayRow(Base):
    """Visits of one station on one day (Asia/Shanghai)."""

    __tablename__ = "visit_days"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(6), index=True)
    visits: Mapped[int] = mapped_column(Integer)
    unique_workers: Mapped[int] = mapped_column(Integer)


class VisitorRow(Base):
    """That a worker (keyed hash) visited a station on a day; for unique counts."""

    __tablename__ = "visitors"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    worker_ref: Mapped[str] = mapped_column(String(64), primary_key=True)


class DonationRow(Base):
    """A donation of money or goods, with the donor."""

    __tablename__ = "donations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    station_code: Mapped[str | None] = mapped_column(String(40), index=True)
    area_code: Mapped[str] = mapped_column(String(6), index=True)
    donor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    goods: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))


class SupplyRow(Base):
    """The stock of one kind of supplies at one station."""

    __tablename__ = "supplies"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    item: Mapped[str] = mapped_column(String(30), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    low_threshold: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SubsidyRow(Base):
    """A subsidy application for a model rest room and where it stands."""

    __tablename__ = "subsidies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    purpose: Mapped[str] = mapped_column(String(500))
    requested_fen: Mapped[int] = mapped_column(Integer)
    approved_fen: Mapped[int | None] = mapped_column(Integer)
    disbursed_fen: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    history: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    usage_report: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FeedbackRow(Base):
    """A worker's rating or complaint about a station."""

    __tablename__ = "station_feedback"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    area_code: Mapped[str] = mapped_column(String(6), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    stars: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(30))
    worker_ref: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (Index("ix_station_feedback_code_received_at", "code", "received_at"),)


class PresenceRow(Base):
    """That a worker (keyed hash) was in a grid cell lately: a registered position or a visit.

    No time of day, no order, one row per cell and source: enough to count workers per cell,
    never to follow one. Rows older than the siting window are deleted.
    """

    __tablename__ = "worker_presence"

    cell_lat: Mapped[int] = mapped_column(Integer, primary_key=True)
    cell_lon: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(6), index=True)
    last_seen: Mapped[date] = mapped_column(Date, index=True)

    __table_args__ = (Index("ix_worker_presence_worker_ref", "worker_ref", "source"),)
