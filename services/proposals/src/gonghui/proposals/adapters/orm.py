"""Tables of the proposals database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gonghui.shared.db import NAMING_CONVENTION, UtcDateTime


class Base(DeclarativeBase):
    """Tables owned by the proposals service."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProposalRow(Base):
    """A case as stored."""

    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(6))
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(30))
