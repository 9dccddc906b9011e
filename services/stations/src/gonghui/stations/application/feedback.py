"""服务评价/投诉: workers rate and complain; complaints reach managers, may open a re-inspection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gonghui.shared.contracts.stations import (
    StationComplaintReceived,
    StationRated,
    StationReinspectionOpened,
)
from gonghui.shared.envelope import new_event_id
from gonghui.shared.privacy import mask_text
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import Missing, find_station
from gonghui.stations.domain.areas import full_name
from gonghui.stations.domain.feedback import Feedback, FeedbackKind
from gonghui.stations.domain.model import InvalidTransition, Station, StationStatus
from gonghui.stations.domain.privacy import worker_ref
from gonghui.stations.domain.vocabulary import COMPLAINT_CATEGORY_LABELS


@dataclass(frozen=True)
class Reinspection:
    """When complaints open a re-inspection: this many within this many days."""

    threshold: int
    window_days: int


async def give_feedback(
    code: str,
    *,
    kind: FeedbackKind,
    stars: int | None,
    text: str,
    category: str | None,
    worker_id: str | None,
    secret: str,
    rule: Reinspection,
    uow: StationsUnitOfWork,
) -> tuple[Feedback, Station]:
    """Record a rating or a complaint; enough complaints in the window open a re-inspection."""
    async with uow:
        complaint = kind is FeedbackKind.COMPLAINT
        # A complaint locks the station: two at once must not both open the re-inspection.
        station = await find_station(uow, code=code, lock=complaint)
        if station.status is StationStatus.EXITED:
            raise InvalidTransition(f"station {code} has exited; it takes no more feedback")
        now = uow.clock.now()
        feedback = Feedback(
            id=new_event_id(),
            code=code,
            area_code=station.area_code,
            kind=kind,
            stars=stars if not complaint else None,
            text=text.strip(),
            category=category if complaint else None,
            worker_ref=worker_ref(secret, worker_id) if worker_id else None,
            received_at=now,
            status="open" if complaint else "recorded",
        )
        uow.feedback.add(feedback)
        if not complaint:
            assert feedback.stars is not None
            uow.emit(
                StationRated(
                    code=code,
                    area_code=station.area_code,
                    feedback_id=feedback.id,
                    stars=feedback.stars,
                    received_at=now,
                ),
                subject=code,
            )
        else:
            since = now - timedelta(days=rule.window_days)
            if station.reinspection in ("passed", "failed") and station.assessed_at is not None:
                since = max(since, station.assessed_at)  # complaints a re-inspection answered
            recent = await uow.feedback.complaints_since(code, since)
            assert feedback.category is not None
            uow.emit(
                StationComplaintReceived(
                    code=code,
                    name=station.name,
                    area_code=station.area_code,
                    area_name=full_name(station.area_code),
                    operator=station.operator,
                    feedback_id=feedback.id,
                    category=feedback.category,
                    category_label=COMPLAINT_CATEGORY_LABELS[feedback.category],
                    text=mask_text(feedback.text),
                    complaints_in_window=recent,
                    received_at=now,
                ),
                subject=code,
            )
            if recent >= rule.threshold and station.open_reinspection(at=now):
                await uow.stations.save(station)
                uow.emit(
                    StationReinspectionOpened(
                        code=code,
                        name=station.name,
                        area_code=station.area_code,
                        operator=station.operator,
                        complaints=recent,
                        window_days=rule.window_days,
                        opened_at=now,
                    ),
                    subject=code,
                )
        await uow.commit()
        return feedback, station


async def close_complaint(
    code: str, feedback_id: str, *, by: str, resolution: str, uow: StationsUnitOfWork
) -> Feedback:
    """A complaint was dealt with: closed, with what was done."""
    async with uow:
        feedback = await uow.feedback.get(feedback_id)
        if feedback is None or feedback.code != code:
            raise Missing(f"no feedback {feedback_id} for station {code}")
        feedback.close(by=by, resolution=resolution, at=uow.clock.now())
        await uow.feedback.save(feedback)
        await uow.commit()
        return feedback
