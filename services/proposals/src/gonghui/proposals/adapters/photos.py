"""Photos of cases, stored in the service's own database (every replica serves every photo)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from gonghui.proposals.adapters.orm import Base
from gonghui.proposals.domain.photos import Photo
from gonghui.shared.db import UtcDateTime


class PhotoRow(Base):
    """One photo, without metadata (stripped on upload)."""

    __tablename__ = "proposal_photos"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id"), index=True)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str | None] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PhotoRepository:
    """A case's photos; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, photo: Photo, data: bytes) -> None:
        """Store a photo."""
        self._session.add(
            PhotoRow(
                id=photo.id,
                proposal_id=photo.proposal_id,
                uploaded_by=photo.uploaded_by,
                uploaded_at=photo.uploaded_at,
                content_type=photo.content_type,
                size=photo.size,
                caption=photo.caption,
                data=data,
            )
        )

    async def count(self, proposal_id: str) -> int:
        """How many photos a case has."""
        query = select(func.count()).where(PhotoRow.proposal_id == proposal_id)
        return int(await self._session.scalar(query) or 0)

    async def of(self, proposal_id: str) -> list[Photo]:
        """A case's photos, oldest first, without their bytes."""
        rows = await self._session.execute(
            select(
                PhotoRow.id,
                PhotoRow.proposal_id,
                PhotoRow.uploaded_by,
                PhotoRow.uploaded_at,
                PhotoRow.content_type,
                PhotoRow.size,
                PhotoRow.caption,
            )
            .where(PhotoRow.proposal_id == proposal_id)
            .order_by(PhotoRow.uploaded_at, PhotoRow.id)
        )
        return [Photo(*row) for row in rows]

    async def content(self, proposal_id: str, photo_id: str) -> tuple[str, bytes] | None:
        """A photo's type and bytes, if it belongs to the case."""
        row = (
            await self._session.execute(
                select(PhotoRow.content_type, PhotoRow.data).where(
                    PhotoRow.id == photo_id, PhotoRow.proposal_id == proposal_id
                )
            )
        ).first()
        return (row[0], row[1]) if row else None
