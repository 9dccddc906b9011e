"""Statistics computed in the database (GROUP BY), scoped by area and time, on both backends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.proposals.adapters.orm import (
    DeadlineRow,
    HomeVisitRow,
    KeyContactRow,
    OutcomeRatingRow,
    ProblemRow,
    ProposalRow,
    TransitionRow,
)
from gonghui.proposals.domain.stats import ACCEPTING, STEP_OF_STATUS

P = ProposalRow


class StatsQueries:
    """The figures `/stats` shows, each one query; the caller's area and period are in every one."""

    def __init__(self, session: AsyncSession, *, area_prefix: str | None) -> None:
        self._session = session
        self._postgres = session.bind.dialect.name == "postgresql"
        self._area_prefix = area_prefix

    def _in_area(self, column: Any) -> ColumnElement[bool]:
        if self._area_prefix is None:
            return literal(True)
        return column.startswith(self._area_prefix, autoescape=True)

    def _cases(self, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
        where = [self._in_area(P.area_code)]
        if start is not None:
            where.append(P.submitted_at >= start)
        if end is not None:
            where.append(P.submitted_at < end)
        return where

    def group_key(self, name: str) -> ColumnElement[str]:
        """The SQL expression a breakdown groups by: area, unit, kind or period (month, +08:00)."""
        if name == "area":
            return func.coalesce(P.area_code, "unknown")
        if name == "unit":
            return func.coalesce(P.unit_code, "unassigned")
        if name == "kind":
            return P.kind
        if name == "period":
            if self._postgres:
                return func.to_char(func.timezone("Asia/Shanghai", P.submitted_at), "YYYY-MM")
            return func.strftime("%Y-%m", P.submitted_at, "+8 hours")
        raise ValueError(f"unknown breakdown {name}")

    async def figures(
        self, start: datetime | None, end: datetime | None, *, by: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """Submitted, accepted, closed, the rates and hours per step, per group (or `total`)."""
        key = self.group_key(by) if by else literal("total")
        accepted = exists().where(
            TransitionRow.proposal_id == P.id,
            TransitionRow.action.in_([a.value for a in ACCEPTING]),
        )
        closure = and_(
            DeadlineRow.proposal_id == P.id,
            DeadlineRow.step == "closure",
            DeadlineRow.ended_at.is_not(None),
        )
        closed = P.status == "closed"
        rows = await self._session.execute(
            select(
                key.label("key"),
                func.count().label("submitted"),
                func.sum(case((accepted, 1), else_=0)).label("accepted"),
                func.sum(case((closed, 1), else_=0)).label("closed"),
                func.sum(case((and_(closed, exists().where(closure)), 1), else_=0)).label(
                    "with_deadline"
                ),
                func.sum(
                    case(
                        (
                            and_(
                                closed,
                                exists().where(closure, DeadlineRow.ended_at <= DeadlineRow.due_at),
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ).label("on_time"),
            )
            .where(*self._cases(start, end))
            .group_by(key)
        )
        found = {
            str(r.key): {
                "submitted": r.submitted,
                "accepted": int(r.accepted or 0),
                "closed": int(r.closed or 0),
                "closure_rate": _rate(r.closed, r.accepted),
                "on_time_rate": _rate(r.on_time, r.with_deadline),
                "avg_hours_per_step": {},
            }
            for r in rows
        }
        for group, step, hours in await self._hours_per_step(start, end, key):
            if str(group) in found:
                found[str(group)]["avg_hours_per_step"][step] = round(float(hours), 1)
        return found

    async def _hours_per_step(
        self, start: datetime | None, end: datetime | None, key: ColumnElement[str]
    ) -> list[Any]:
        """Average hours a case spends in each step (time in a status until the next move)."""
        t = TransitionRow
        following = func.lead(t.at).over(partition_by=t.proposal_id, order_by=t.seq)
        spans = (
            select(
                t.proposal_id,
                _step_of(t.to_status).label("step"),
                self._hours_between(t.at, following).label("hours"),
            )
        ).subquery()
        per_case = (
            select(
                spans.c.proposal_id,
                spans.c.step,
                func.sum(spans.c.hours).label("hours"),
            )
            .where(spans.c.step.is_not(None), spans.c.hours.is_not(None))
            .group_by(spans.c.proposal_id, spans.c.step)
        ).subquery()
        query: Select[Any] = (
            select(key.label("key"), per_case.c.step, func.avg(per_case.c.hours))
            .join_from(P, per_case, per_case.c.proposal_id == P.id)
            .where(*self._cases(start, end))
            .group_by(key, per_case.c.step)
            .order_by(per_case.c.step)
        )
        return list(await self._session.execute(query))

    def _hours_between(self, earlier: Any, later: Any) -> ColumnElement[float]:
        if self._postgres:
            return func.extract("epoch", later - earlier) / 3600.0
        return (func.julianday(later) - func.julianday(earlier)) * 24.0

    async def cases_by_kind_and_status(
        self, start: datetime | None, end: datetime | None
    ) -> dict[str, dict[str, int]]:
        """How many cases of each kind are in each status."""
        rows = await self._session.execute(
            select(P.kind, P.status, func.count())
            .where(*self._cases(start, end))
            .group_by(P.kind, P.status)
        )
        found: dict[str, dict[str, int]] = {}
        for kind, status, count in rows:
            found.setdefault(str(kind), {})[str(status)] = count
        return found

    async def overdue_by_kind(
        self, start: datetime | None, end: datetime | None, *, now: datetime
    ) -> dict[str, int]:
        """How many cases of each kind have a step running past its deadline at `now`."""
        overdue = exists().where(
            DeadlineRow.proposal_id == P.id,
            DeadlineRow.ended_at.is_(None),
            DeadlineRow.due_at <= now,
        )
        rows = await self._session.execute(
            select(P.kind, func.count()).where(*self._cases(start, end), overdue).group_by(P.kind)
        )
        return {str(kind): count for kind, count in rows}

    async def satisfaction(
        self, start: datetime | None, end: datetime | None, *, threshold: int
    ) -> dict[str, Any]:
        """The submitters' feedback and the members' outcome ratings (会员评家) of the cases."""
        feedback = (
            await self._session.execute(
                select(func.count(P.satisfaction), func.avg(cast(P.satisfaction, Float))).where(
                    *self._cases(start, end)
                )
            )
        ).one()
        r = OutcomeRatingRow
        ratings = (
            await self._session.execute(
                select(
                    func.count(),
                    func.avg(cast(r.score, Float)),
                    func.sum(case((r.score <= threshold, 1), else_=0)),
                )
                .join_from(r, P, P.id == r.proposal_id)
                .where(*self._cases(start, end))
            )
        ).one()
        by_score = dict(
            (
                await self._session.execute(
                    select(r.score, func.count())
                    .join_from(r, P, P.id == r.proposal_id)
                    .where(*self._cases(start, end))
                    .group_by(r.score)
                )
            ).all()
        )
        return {
            "feedback": {"count": feedback[0], "average": _average(feedback[1])},
            "outcome_ratings": {
                "count": ratings[0],
                "average": _average(ratings[1]),
                "low": int(ratings[2] or 0),
                "threshold": threshold,
                "by_score": {str(s): by_score.get(s, 0) for s in range(1, 6)},
            },
        }

    async def key_contacts(self) -> int:
        """Key contacts in the register (重点联系人员), in the area."""
        return int(
            await self._session.scalar(
                select(func.count())
                .select_from(KeyContactRow)
                .where(self._in_area(KeyContactRow.area_code))
            )
            or 0
        )

    async def home_visits(self, start: datetime | None, end: datetime | None) -> dict[str, int]:
        """Home visits made (入户走访) and the contacts they reached, in the area and period."""
        v = HomeVisitRow
        where = [self._in_area(KeyContactRow.area_code)]
        if start is not None:
            where.append(v.visited_at >= start)
        if end is not None:
            where.append(v.visited_at < end)
        visits, reached, reports = (
            await self._session.execute(
                select(
                    func.count(),
                    func.count(func.distinct(v.key_contact_id)),
                    func.count(v.report_id),
                )
                .join_from(v, KeyContactRow, KeyContactRow.id == v.key_contact_id)
                .where(*where)
            )
        ).one()
        return {"visits": visits, "contacts_reached": reached, "reports_raised": reports}

    async def problems(self, start: datetime | None, end: datetime | None) -> dict[str, int]:
        """Problems members raised, by what became of them."""
        where = [self._in_area(ProblemRow.area_code)]
        if start is not None:
            where.append(ProblemRow.raised_at >= start)
        if end is not None:
            where.append(ProblemRow.raised_at < end)
        rows = await self._session.execute(
            select(ProblemRow.status, func.count()).where(*where).group_by(ProblemRow.status)
        )
        found = {status: count for status, count in rows}
        return {s: found.get(s, 0) for s in ("raised", "adopted", "declined")}


def _step_of(status: Any) -> ColumnElement[str | None]:
    """The step time spent in a status counts towards (None: final statuses)."""
    return case({s.value: step for s, step in STEP_OF_STATUS.items()}, value=status, else_=None)


def _rate(part: int | None, whole: int | None) -> float | None:
    return round((part or 0) / whole, 3) if whole else None


def _average(value: float | None) -> float | None:
    return round(float(value), 2) if value is not None else None
