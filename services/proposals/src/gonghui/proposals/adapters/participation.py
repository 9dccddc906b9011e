"""Repositories of discussions, ratings, key contacts and duty records; they never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.proposals.adapters.orm import (
    CommentRow,
    DiscussionRow,
    DutyRecordRow,
    HomeVisitRow,
    KeyContactRow,
    PersonalDataAccessRow,
    RatingRow,
    SupportRow,
)
from gonghui.proposals.domain.participation import Discussion, DutyKind, DutyRecord, KeyContact


class DiscussionRepository:
    """Discussions, their comments and their supports."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, discussion: Discussion) -> None:
        """A new discussion."""
        self._session.add(DiscussionRow(**vars(discussion)))

    async def get(self, discussion_id: str) -> Discussion | None:
        """One discussion."""
        row = (
            await self._session.execute(
                select(DiscussionRow)
                .where(DiscussionRow.id == discussion_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return _discussion(row) if row else None

    async def save(self, discussion: Discussion) -> bool:
        """Write a status change, unless someone else changed the status first."""
        result = await self._session.execute(
            update(DiscussionRow)
            .where(DiscussionRow.id == discussion.id, DiscussionRow.status == "open")
            .values(status=discussion.status, proposal_id=discussion.proposal_id)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def listing(
        self, *, order: str, status: str | None, area_prefix: str | None = None, limit: int
    ) -> list[Discussion]:
        """Discussions by support (most first) or newest first, of an area if given (in SQL)."""
        query = select(DiscussionRow)
        if status is not None:
            query = query.where(DiscussionRow.status == status)
        if area_prefix is not None:
            query = query.where(DiscussionRow.area_code.startswith(area_prefix, autoescape=True))
        if order == "support":
            query = query.order_by(DiscussionRow.support_count.desc(), DiscussionRow.opened_at)
        else:
            query = query.order_by(DiscussionRow.opened_at.desc())
        return [_discussion(r) for r in await self._session.scalars(query.limit(limit))]

    def comment(
        self, *, comment_id: str, discussion_id: str, author: str, body: str, at: datetime
    ) -> None:
        """Add a comment."""
        self._session.add(
            CommentRow(id=comment_id, discussion_id=discussion_id, author=author, body=body, at=at)
        )

    async def comments(self, discussion_id: str) -> list[Row[Any]]:
        """Comments (id, author, body, at), oldest first."""
        table = CommentRow.__table__
        rows = await self._session.execute(
            select(*table.c)
            .where(table.c.discussion_id == discussion_id)
            .order_by(table.c.at, table.c.id)
        )
        return list(rows)

    async def support(self, discussion_id: str, member_id: str, *, at: datetime) -> bool:
        """Record one member's support; False if the member already supported it."""
        values = {"discussion_id": discussion_id, "member_id": member_id, "at": at}
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        result = await self._session.execute(
            insert(SupportRow).values(**values).on_conflict_do_nothing()
        )
        if result.rowcount != 1:
            return False
        await self._session.execute(
            update(DiscussionRow)
            .where(DiscussionRow.id == discussion_id)
            .values(support_count=DiscussionRow.support_count + 1)
            .execution_options(synchronize_session=False)
        )
        return True


class RatingRepository:
    """会员评家: ratings, one per member, representative and period."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        representative_id: str,
        member_id: str,
        period: str,
        score: int,
        comment: str | None,
        at: datetime,
    ) -> bool:
        """Record a rating; False if this member already rated this representative this period."""
        values = {
            "representative_id": representative_id,
            "member_id": member_id,
            "period": period,
            "score": score,
            "comment": comment,
            "at": at,
        }
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        result = await self._session.execute(
            insert(RatingRow).values(**values).on_conflict_do_nothing()
        )
        return result.rowcount == 1

    async def of(
        self, representative_id: str, *, start: datetime | None, end: datetime | None
    ) -> list[Row[Any]]:
        """Ratings (score, comment, period, at) of a representative given in [start, end)."""
        table = RatingRow.__table__
        query = select(*table.c).where(table.c.representative_id == representative_id)
        if start is not None:
            query = query.where(table.c.at >= start)
        if end is not None:
            query = query.where(table.c.at < end)
        return list(await self._session.execute(query.order_by(table.c.at)))


class KeyContactRepository:
    """The register of key contacts, their home visits and the audit of full reads."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, contact: KeyContact) -> None:
        """Register a key contact."""
        fields = {k: v for k, v in vars(contact).items() if k not in ("visits", "last_visit_at")}
        self._session.add(KeyContactRow(**fields))

    async def get(self, contact_id: str) -> KeyContact | None:
        """One key contact, in full (callers mask it)."""
        row = await self._session.get(KeyContactRow, contact_id)
        if row is None:
            return None
        count, last = (
            await self._session.execute(
                select(func.count(HomeVisitRow.id), func.max(HomeVisitRow.visited_at)).where(
                    HomeVisitRow.key_contact_id == contact_id
                )
            )
        ).one()
        return _contact(row, count, last)

    async def listing(
        self, *, representative_id: str | None, area_prefix: str | None = None, limit: int
    ) -> list[KeyContact]:
        """Key contacts, in full (callers mask them); every filter in SQL, before the limit."""
        visits = (
            select(
                HomeVisitRow.key_contact_id,
                func.count(HomeVisitRow.id).label("count"),
                func.max(HomeVisitRow.visited_at).label("last"),
            )
            .group_by(HomeVisitRow.key_contact_id)
            .subquery()
        )
        query = (
            select(KeyContactRow, visits.c.count, visits.c.last)
            .outerjoin(visits, visits.c.key_contact_id == KeyContactRow.id)
            .order_by(KeyContactRow.created_at)
        )
        if representative_id is not None:
            query = query.where(KeyContactRow.representative_id == representative_id)
        if area_prefix is not None:
            query = query.where(KeyContactRow.area_code.startswith(area_prefix, autoescape=True))
        found = await self._session.execute(query.limit(limit))
        return [_contact(row, count or 0, last) for row, count, last in found]

    def add_visit(
        self,
        *,
        visit_id: str,
        contact_id: str,
        representative_id: str,
        at: datetime,
        note: str | None,
        report_id: str | None,
    ) -> None:
        """Record a home visit."""
        self._session.add(
            HomeVisitRow(
                id=visit_id,
                key_contact_id=contact_id,
                representative_id=representative_id,
                visited_at=at,
                note=note,
                report_id=report_id,
            )
        )

    def audit_read(
        self, contact_id: str, *, reader: str, role: str, at: datetime, purpose: str | None
    ) -> None:
        """Write who read the full personal data; committed with the read itself."""
        self._session.add(
            PersonalDataAccessRow(
                key_contact_id=contact_id, reader=reader, role=role, at=at, purpose=purpose
            )
        )

    async def access_log(self, contact_id: str) -> list[Row[Any]]:
        """Every full read (reader, role, at, purpose) of a contact's data, oldest first."""
        table = PersonalDataAccessRow.__table__
        rows = await self._session.execute(
            select(*table.c).where(table.c.key_contact_id == contact_id).order_by(table.c.id)
        )
        return list(rows)

    async def audit_search(
        self,
        *,
        reader: str | None,
        subject: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
    ) -> list[Row[Any]]:
        """Full reads by `reader` of `subject` in [start, end), newest first."""
        table = PersonalDataAccessRow.__table__
        query = select(*table.c)
        if reader is not None:
            query = query.where(table.c.reader == reader)
        if subject is not None:
            query = query.where(table.c.key_contact_id == subject)
        if start is not None:
            query = query.where(table.c.at >= start)
        if end is not None:
            query = query.where(table.c.at < end)
        rows = await self._session.execute(query.order_by(table.c.id.desc()).limit(limit))
        return list(rows)

    async def purge_audit(self, *, before: datetime) -> int:
        """Delete audit rows written before `before`; returns how many."""
        table = PersonalDataAccessRow.__table__
        result = await self._session.execute(delete(table).where(table.c.at < before))
        return result.rowcount or 0


class DutyRepository:
    """履职记录 derived from events."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, record: DutyRecord) -> None:
        """Keep a record; the event id makes a replayed event a no-op."""
        values = {**vars(record), "kind": record.kind.value}
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        await self._session.execute(insert(DutyRecordRow).values(**values).on_conflict_do_nothing())

    async def of(
        self, representative_id: str, *, start: datetime | None, end: datetime | None
    ) -> list[DutyRecord]:
        """A representative's records in [start, end), oldest first."""
        query = select(DutyRecordRow).where(DutyRecordRow.representative_id == representative_id)
        if start is not None:
            query = query.where(DutyRecordRow.at >= start)
        if end is not None:
            query = query.where(DutyRecordRow.at < end)
        rows = await self._session.scalars(query.order_by(DutyRecordRow.at, DutyRecordRow.event_id))
        return [
            DutyRecord(r.event_id, r.representative_id, DutyKind(r.kind), r.at, r.ref, r.summary)
            for r in rows
        ]


def _discussion(row: DiscussionRow) -> Discussion:
    return Discussion(
        id=row.id,
        title=row.title,
        body=row.body,
        category=row.category,
        area_code=row.area_code,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        status=row.status,
        support_count=row.support_count,
        proposal_id=row.proposal_id,
    )


def _contact(row: KeyContactRow, visits: int, last: datetime | None) -> KeyContact:
    return KeyContact(
        id=row.id,
        name=row.name,
        phone=row.phone,
        address=row.address,
        situation=row.situation,
        area_code=row.area_code,
        representative_id=row.representative_id,
        created_at=row.created_at,
        visits=visits,
        last_visit_at=last,
    )
