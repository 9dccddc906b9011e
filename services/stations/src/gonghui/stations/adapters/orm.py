"""Tables of the stations database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gonghui.shared.db import NAMING_CONVENTION, UtcDateTime


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
    services: Mapped[list[str]] = mapped_column(JSON)
    open_hours: Mapped[str] = mapped_column(String(500))
    manager_name: Mapped[str] = mapped_column(String(50))
    manager_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("operator", "external_ref", name="uq_stations_operator_external_ref"),
        Index("ix_stations_lat_lon", "lat", "lon"),
    )


class CodeSequence(Base):
    """The last number handed out under a code prefix; numbers are never reused."""

    __tablename__ = "code_sequences"

    prefix: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)
