"""Problems members raise and the ratings they give outcomes; repositories never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.proposals.adapters.orm import OutcomeRatingRow, ProblemRow
from gonghui.proposals.domain.problems import Problem, ProblemStatus


class ProblemRepository:
    """Problems raised by members, newest first."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, problem: Problem) -> None:
        """A new problem."""
        self._session.add(ProblemRow(**{**vars(problem), "status": problem.status.value}))

    async def get(self, problem_id: str) -> Problem | None:
        """One problem, as committed now."""
        row = (
            await self._session.execute(
                select(ProblemRow)
                .where(ProblemRow.id == problem_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return _problem(row) if row else None

    async def save_answer(self, problem: Problem) -> bool:
        """Write the answer unless someone answered first; False if they did."""
        result = await self._session.execute(
            update(ProblemRow)
            .where(ProblemRow.id == problem.id, ProblemRow.status == ProblemStatus.RAISED.value)
            .values(
                status=problem.status.value,
                answer=problem.answer,
                answered_at=problem.answered_at,
                proposal_id=problem.proposal_id,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def listing(
        self,
        *,
        member_id: str | None,
        representative_id: str | None,
        status: str | None,
        area_prefix: str | None,
        limit: int,
    ) -> list[Problem]:
        """Problems matching every filter (all in the query, before the limit), newest first."""
        query = select(ProblemRow)
        for column, value in (
            (ProblemRow.member_id, member_id),
            (ProblemRow.representative_id, representative_id),
            (ProblemRow.status, status),
        ):
            if value is not None:
                query = query.where(column == value)
        if area_prefix is not None:
            query = query.where(ProblemRow.area_code.startswith(area_prefix, autoescape=True))
        query = query.order_by(ProblemRow.raised_at.desc(), ProblemRow.id.desc()).limit(limit)
        return [_problem(r) for r in await self._session.scalars(query)]


class OutcomeRatingRepository:
    """会员评家 of outcomes: one rating per member and case."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, *, proposal_id: str, member_id: str, score: int, comment: str | None, at: datetime
    ) -> bool:
        """Record a rating; False if this member already rated this case."""
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        result = await self._session.execute(
            insert(OutcomeRatingRow)
            .values(
                proposal_id=proposal_id, member_id=member_id, score=score, comment=comment, at=at
            )
            .on_conflict_do_nothing()
        )
        return result.rowcount == 1

    async def of(self, proposal_id: str) -> list[Row[Any]]:
        """Ratings (member_id, score, comment, at) of a case, oldest first."""
        table = OutcomeRatingRow.__table__
        query = select(table.c.member_id, table.c.score, table.c.comment, table.c.at)
        rows = await self._session.execute(
            query.where(table.c.proposal_id == proposal_id).order_by(table.c.at, table.c.member_id)
        )
        return list(rows)


def _problem(row: ProblemRow) -> Problem:
    return Problem(
        id=row.id,
        member_id=row.member_id,
        representative_id=row.representative_id,
        title=row.title,
        body=row.body,
        category=row.category,
        area_code=row.area_code,
        raised_at=row.raised_at,
        status=ProblemStatus(row.status),
        answer=row.answer,
        answered_at=row.answered_at,
        proposal_id=row.proposal_id,
    )
