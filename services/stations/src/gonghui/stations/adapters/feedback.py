"""Ratings and complaints of stations; the repository never commits."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.stations.adapters.orm import FeedbackRow
from gonghui.stations.domain.areas import code_stem
from gonghui.stations.domain.feedback import Feedback, FeedbackKind


@dataclass(frozen=True)
class FeedbackTotals:
    """Ratings and complaints counted together."""

    ratings: int
    rating_average: float | None
    complaints_open: int
    complaints_closed: int


class FeedbackRepository:
    """Feedback by station and by area."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, feedback: Feedback) -> None:
        """Store new feedback."""
        values = {f.name: getattr(feedback, f.name) for f in fields(Feedback)}
        values["kind"] = feedback.kind.value
        self._session.add(FeedbackRow(**values))

    async def get(self, feedback_id: str) -> Feedback | None:
        """One rating or complaint."""
        row = await self._session.get(FeedbackRow, feedback_id, populate_existing=True)
        return _to_feedback(row) if row else None

    async def save(self, feedback: Feedback) -> None:
        """Write back where a complaint stands."""
        await self._session.execute(
            update(FeedbackRow)
            .where(FeedbackRow.id == feedback.id)
            .values(
                status=feedback.status,
                closed_at=feedback.closed_at,
                closed_by=feedback.closed_by,
                resolution=feedback.resolution,
            )
        )

    async def of_station(
        self, code: str, *, kind: str | None, status: str | None, limit: int
    ) -> list[Feedback]:
        """A station's feedback, latest first."""
        query = select(FeedbackRow).where(FeedbackRow.code == code)
        if kind:
            query = query.where(FeedbackRow.kind == kind)
        if status:
            query = query.where(FeedbackRow.status == status)
        query = query.order_by(FeedbackRow.received_at.desc(), FeedbackRow.id).limit(limit)
        return [_to_feedback(r) for r in await self._session.scalars(query)]

    async def complaints_since(self, code: str, since: datetime) -> int:
        """Complaints about a station received since `since`."""
        return int(
            await self._session.scalar(
                select(func.count()).where(
                    FeedbackRow.code == code,
                    FeedbackRow.kind == FeedbackKind.COMPLAINT.value,
                    FeedbackRow.received_at >= since,
                )
            )
            or 0
        )

    async def totals(
        self, *, code: str | None = None, area_code: str | None = None
    ) -> FeedbackTotals:
        """Counts for one station or for every station in an area."""
        rating = FeedbackRow.kind == FeedbackKind.RATING.value
        complaint = FeedbackRow.kind == FeedbackKind.COMPLAINT.value
        query = select(
            func.count(case((rating, 1))),
            func.avg(case((rating, FeedbackRow.stars))),
            func.count(case((complaint & (FeedbackRow.status == "open"), 1))),
            func.count(case((complaint & (FeedbackRow.status == "closed"), 1))),
        )
        if code is not None:
            query = query.where(FeedbackRow.code == code)
        if area_code is not None:
            query = query.where(FeedbackRow.area_code.startswith(code_stem(area_code)))
        ratings, average, open_, closed = (await self._session.execute(query)).one()
        return FeedbackTotals(
            ratings=int(ratings),
            rating_average=round(float(average), 2) if average is not None else None,
            complaints_open=int(open_),
            complaints_closed=int(closed),
        )


def _to_feedback(row: FeedbackRow) -> Feedback:
    values = {f.name: getattr(row, f.name) for f in fields(Feedback)}
    values["kind"] = FeedbackKind(row.kind)
    return Feedback(**values)
