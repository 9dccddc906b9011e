"""服务评价/投诉 over HTTP: workers rate and complain without a token; staff read and close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field, model_validator

from gonghui.shared.auth import Principal
from gonghui.shared.clock import local
from gonghui.shared.http import NotFound
from gonghui.stations.adapters.feedback import FeedbackTotals
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.feedback import Reinspection, close_complaint, give_feedback
from gonghui.stations.domain.feedback import ComplaintCategory, Feedback, FeedbackKind
from gonghui.stations.domain.model import Station
from gonghui.stations.domain.vocabulary import (
    COMPLAINT_CATEGORY_LABELS,
    FEEDBACK_KIND_LABELS,
)
from gonghui.stations.entrypoints.access import Reader, Staff, actor_of, check_station
from gonghui.stations.entrypoints.guard import PublicGuard
from gonghui.stations.settings import StationsSettings


class FeedbackIn(BaseModel):
    """A rating (1-5 stars, words optional) or a complaint (words and a category required)."""

    kind: FeedbackKind = Field(description="`rating` (服务评价) or `complaint` (投诉).")
    stars: int | None = Field(None, ge=1, le=5, description="For a rating: 1 to 5.")
    text: str = Field("", max_length=1000, description="What the worker says.")
    category: ComplaintCategory | None = Field(  # type: ignore[valid-type]
        None, description="For a complaint: see GET /vocabulary `complaint_categories`."
    )
    worker_id: str | None = Field(
        None, min_length=1, max_length=100, description="Optional; hashed, used for the limits."
    )

    @model_validator(mode="after")
    def _complete(self) -> FeedbackIn:
        if self.kind is FeedbackKind.RATING and self.stars is None:
            raise ValueError("a rating gives `stars` (1 to 5)")
        if self.kind is FeedbackKind.COMPLAINT:
            if len(self.text.strip()) < 2:
                raise ValueError("a complaint says what went wrong in `text`")
            if self.category is None:
                raise ValueError("a complaint gives a `category`")
        return self


class FeedbackReceipt(BaseModel):
    """What the worker is told back."""

    id: str
    code: str
    kind: str
    status: str = Field(description="`recorded` (rating) or `open` (complaint).")
    received_at: datetime = Field(description="+08:00.")
    message: str = Field(description="A thank-you in zh-CN.")


class FeedbackOut(BaseModel):
    """One rating or complaint, for the station's staff."""

    id: str
    kind: str
    kind_label: str
    stars: int | None
    text: str
    category: str | None
    category_label: str | None
    status: str = Field(description="`recorded` (rating), `open` or `closed` (complaint).")
    received_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    resolution: str | None


class TotalsOut(BaseModel):
    """Ratings and complaints counted."""

    ratings: int
    rating_average: float | None
    complaints_open: int
    complaints_closed: int


class StationFeedback(BaseModel):
    """A station's feedback and where its re-inspection stands."""

    code: str
    reinspection: str | None = Field(description="`open`, `passed`, `failed` or none.")
    totals: TotalsOut
    items: list[FeedbackOut]


class Closing(BaseModel):
    """What was done about a complaint."""

    resolution: str = Field(min_length=2, max_length=1000)


def totals_out(totals: FeedbackTotals) -> TotalsOut:
    """The public shape of feedback totals."""
    return TotalsOut(**vars(totals))


def feedback_router(
    uow_factory: Callable[[], StationsUnitOfWork], settings: StationsSettings, guard: PublicGuard
) -> APIRouter:
    """Routes of ratings and complaints."""
    router = APIRouter(tags=["feedback"])
    rule = Reinspection(settings.complaint_threshold, settings.complaint_window_days)

    async def station_for(code: str, principal: Principal) -> Station:
        async with uow_factory() as uow:
            station = await uow.stations.get(code)
        if station is None:
            raise NotFound(f"no station {code}")
        check_station(principal, station)
        return station

    @router.post(
        "/stations/{code}/feedback",
        status_code=201,
        summary="服务评价/投诉: rate or complain about a station (no token needed)",
    )
    async def give(code: str, body: FeedbackIn, request: Request) -> FeedbackReceipt:
        await guard.admit(request, kind="feedback", worker_id=body.worker_id)
        try:
            feedback, _ = await give_feedback(
                code,
                kind=body.kind,
                stars=body.stars,
                text=body.text,
                category=body.category.value if body.category else None,
                worker_id=body.worker_id,
                secret=settings.worker_id_secret,
                rule=rule,
                uow=uow_factory(),
            )
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        thanks = (
            "感谢您的评价！"
            if feedback.kind is FeedbackKind.RATING
            else "投诉已收到，站点负责人和工会将尽快处理。"
        )
        return FeedbackReceipt(
            id=feedback.id,
            code=code,
            kind=feedback.kind.value,
            status=feedback.status,
            received_at=local(feedback.received_at),
            message=thanks,
        )

    @router.get("/stations/{code}/feedback", summary="A station's ratings and complaints (staff)")
    async def read(
        code: str,
        principal: Reader,
        kind: Annotated[Literal["rating", "complaint"] | None, Query()] = None,
        status: Annotated[Literal["recorded", "open", "closed"] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> StationFeedback:
        station = await station_for(code, principal)
        async with uow_factory() as uow:
            items = await uow.feedback.of_station(code, kind=kind, status=status, limit=limit)
            totals = await uow.feedback.totals(code=code)
        return StationFeedback(
            code=code,
            reinspection=station.reinspection,
            totals=totals_out(totals),
            items=[_out(f) for f in items],
        )

    @router.post(
        "/stations/{code}/feedback/{feedback_id}/close",
        summary="Close a complaint with what was done (staff)",
    )
    async def close(code: str, feedback_id: str, body: Closing, principal: Staff) -> FeedbackOut:
        await station_for(code, principal)
        closed = await close_complaint(
            code, feedback_id, by=actor_of(principal), resolution=body.resolution, uow=uow_factory()
        )
        return _out(closed)

    return router


def _out(f: Feedback) -> FeedbackOut:
    return FeedbackOut(
        id=f.id,
        kind=f.kind.value,
        kind_label=FEEDBACK_KIND_LABELS[f.kind.value],
        stars=f.stars,
        text=f.text,
        category=f.category,
        category_label=COMPLAINT_CATEGORY_LABELS.get(f.category or ""),
        status=f.status,
        received_at=local(f.received_at),
        closed_at=local(f.closed_at),
        closed_by=f.closed_by,
        resolution=f.resolution,
    )
