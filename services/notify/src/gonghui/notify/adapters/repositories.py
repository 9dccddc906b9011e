"""Reading and writing notify's data; repositories never commit."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Subquery,
    and_,
    delete,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.notify.adapters.orm import (
    AttemptRow,
    Base,
    BroadcastRow,
    DeliveryRow,
    NotificationReadRow,
    NotificationRow,
    RecipientRoleRow,
    RecipientRow,
    RuleRow,
    RulesVersionRow,
    StationRow,
)
from gonghui.notify.domain.model import Notification, Recipient, Rule, RuleSet, Target
from gonghui.shared.auth import area_prefix
from gonghui.shared.db import insert_rows

_COLUMNS = [f.name for f in fields(Notification)]
_RULE_COLUMNS = [f.name for f in fields(Rule)]


async def insert_new(
    session: AsyncSession, table: type[Base], rows: Sequence[dict[str, Any]]
) -> set[Any]:
    """INSERT ... ON CONFLICT DO NOTHING on either backend, one statement for all the rows;
    return the primary keys of the rows that went in."""
    core = table.__table__
    key = next(iter(core.primary_key.columns)).name
    return set(await insert_rows(session, core, rows, skip_conflicts=True, returning=key))


async def insert_ignoring_duplicates(
    session: AsyncSession, table: type[Base], rows: Sequence[dict[str, Any]]
) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on either backend; return how many rows went in."""
    return len(await insert_new(session, table, rows))


class NotificationRepository:
    """The in-app inbox."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notification: Notification) -> bool:
        """Store a new notification; False if this cause already reached this recipient."""
        return bool(await self.add_new([notification]))

    async def add_many(self, notifications: Iterable[Notification]) -> int:
        """Store many (a broadcast page); duplicates are skipped."""
        return len(await self.add_new(notifications))

    async def add_new(self, notifications: Iterable[Notification]) -> set[str]:
        """Store many in one statement; return the ids of those stored (not already sent)."""
        # Not dataclasses.asdict: it deep-copies, which dominates a million-person broadcast.
        rows = [{name: getattr(n, name) for name in _COLUMNS} for n in notifications]
        return await insert_new(self._session, NotificationRow, rows)

    async def list(
        self,
        *,
        recipient: str | Collection[str] | None = None,
        unread: bool = False,
        limit: int = 50,
        scope: str | None = None,
        reader: str | None = None,
        before: str | None = None,
    ) -> list[Notification]:
        """The newest notifications, of one recipient, of several, or all.

        `scope`: the reader's area; group inboxes (`role:...`) show only what lies in it.
        `reader`: whose marks say what is read in a group's inbox (each member reads for
        themselves); without one, only the notification's own mark counts.
        `before`: a notification's id; the page starts after it (an unknown id: no page).
        """
        mine = _reader_marks(reader)
        newest_first = (NotificationRow.created_at.desc(), NotificationRow.id.desc())
        query = (
            select(NotificationRow, mine.c.read_at.label("marked_at"))
            .outerjoin(mine, mine.c.notification_id == NotificationRow.id)
            .order_by(*newest_first)
            .limit(limit)
        )
        if before is not None:
            at = select(NotificationRow.created_at).where(NotificationRow.id == before)
            at = at.scalar_subquery()
            query = query.where(
                or_(
                    NotificationRow.created_at < at,
                    and_(NotificationRow.created_at == at, NotificationRow.id < before),
                )
            )
        if isinstance(recipient, str):
            query = query.where(NotificationRow.recipient == recipient)
        elif recipient is not None:
            query = query.where(NotificationRow.recipient.in_(sorted(recipient)))
        if unread:
            query = query.where(*_unread(mine))
        found = await self._session.execute(query.where(_in_scope(scope)))
        return [
            Notification(
                **{name: getattr(row, name) for name in _COLUMNS}
                | {"read_at": row.read_at or marked_at}
            )
            for row, marked_at in found
        ]

    async def unread_count(
        self,
        recipient: str | Collection[str],
        *,
        scope: str | None = None,
        reader: str | None = None,
        most: int | None = None,
    ) -> int:
        """How many of the inboxes' notifications are unread (in the reader's area, by their
        own marks on a group's notices), counting no further than `most`."""
        inboxes = [recipient] if isinstance(recipient, str) else sorted(recipient)
        mine = _reader_marks(reader)
        unread = (
            select(NotificationRow.id)
            .outerjoin(mine, mine.c.notification_id == NotificationRow.id)
            .where(NotificationRow.recipient.in_(inboxes), *_unread(mine), _in_scope(scope))
            .limit(most)
            .subquery()
        )
        return await self._session.scalar(select(func.count()).select_from(unread))

    async def mark_read(
        self,
        ids: list[str] | None,
        *,
        recipient: str,
        at: datetime,
        scope: str | None = None,
        reader: str | None = None,
    ) -> int:
        """Mark some (or all) of a recipient's notifications read; return how many changed.

        A reader marking a group's inbox (`recipient` not their own) marks them for themselves.
        """
        if reader is None or reader == recipient:
            statement = update(NotificationRow).where(
                NotificationRow.recipient == recipient,
                NotificationRow.read_at.is_(None),
                _in_scope(scope),
            )
            if ids is not None:
                statement = statement.where(NotificationRow.id.in_(ids))
            result = await self._session.execute(statement.values(read_at=at))
            return result.rowcount or 0
        mine = _reader_marks(reader)
        unread = (
            select(NotificationRow.id)
            .outerjoin(mine, mine.c.notification_id == NotificationRow.id)
            .where(NotificationRow.recipient == recipient, *_unread(mine), _in_scope(scope))
        )
        if ids is not None:
            unread = unread.where(NotificationRow.id.in_(ids))
        rows = [
            {"notification_id": notification_id, "reader": reader, "read_at": at}
            for notification_id in await self._session.scalars(unread)
        ]
        marks = NotificationReadRow.__table__
        marked = await insert_rows(
            self._session, marks, rows, skip_conflicts=True, returning="notification_id"
        )
        return len(marked)


def _reader_marks(reader: str | None) -> Subquery:
    """The reader's own marks on group notices (none without a reader)."""
    marks = NotificationReadRow.__table__
    mine = marks.c.reader == reader if reader is not None else false()
    return select(marks.c.notification_id, marks.c.read_at).where(mine).subquery("mine")


def _unread(mine: Subquery) -> tuple[ColumnElement[bool], ...]:
    """Read neither by its recipient nor, for a group's notice, by the reader."""
    return NotificationRow.read_at.is_(None), mine.c.read_at.is_(None)


def _in_scope(scope: str | None) -> ColumnElement[bool]:
    """Personal inboxes whole; group inboxes only for causes in `scope` (or of no known area)."""
    if scope is None:
        return true()
    return or_(
        ~NotificationRow.recipient.startswith("role:"),
        NotificationRow.area_code.is_(None),
        NotificationRow.area_code.startswith(area_prefix(scope)),
    )


def _recipient(row: RecipientRow) -> Recipient:
    return Recipient(
        id=row.id,
        name=row.name,
        kind=row.kind,
        roles=list(row.roles),
        area_code=row.area_code,
        department=row.department,
        supervisor=row.supervisor,
        locale=row.locale,
        channels=[Target(**t) for t in row.channels],
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        opt_outs=list(row.opt_outs),
        digest=row.digest,
        lat=row.lat,
        lon=row.lon,
    )


def recipient_row(recipient: Recipient, *, at: datetime) -> dict[str, Any]:
    """The table row of a recipient."""
    data = asdict(recipient)
    data["channels"] = [t.as_dict() for t in recipient.channels]
    data["updated_at"] = at
    return data


class RecipientRepository:
    """People, groups and departments with their channels and preferences."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, recipient_id: str) -> Recipient | None:
        """One recipient, or None."""
        row = await self._session.get(RecipientRow, recipient_id)
        return _recipient(row) if row else None

    async def many(self, ids: Iterable[str]) -> dict[str, Recipient]:
        """The recipients among `ids` that exist."""
        ids = list(set(ids))
        if not ids:
            return {}
        rows = await self._session.scalars(select(RecipientRow).where(RecipientRow.id.in_(ids)))
        return {row.id: _recipient(row) for row in rows}

    async def put(self, recipient: Recipient, *, at: datetime) -> None:
        """Create or replace a recipient and its roles."""
        await self.delete(recipient.id)
        self._session.add(RecipientRow(**recipient_row(recipient, at=at)))
        self._session.add_all(
            RecipientRoleRow(role=role, recipient_id=recipient.id) for role in set(recipient.roles)
        )

    async def delete(self, recipient_id: str) -> bool:
        """Remove a recipient; False if there was none."""
        await self._session.execute(
            delete(RecipientRoleRow).where(RecipientRoleRow.recipient_id == recipient_id)
        )
        result = await self._session.execute(
            delete(RecipientRow).where(RecipientRow.id == recipient_id)
        )
        return bool(result.rowcount)

    async def page_with_role(
        self, role: str, *, area: str | None, after: str | None, limit: int, brief: bool = False
    ) -> list[Recipient]:
        """People holding a role (in an area, if given), in id order after `after`: one page.

        `brief` loads only what a broadcast needs (no roles, supervisor or quiet hours).
        """
        columns = (
            [RecipientRow]
            if not brief
            else [
                RecipientRow.id,
                RecipientRow.name,
                RecipientRow.locale,
                RecipientRow.channels,
                RecipientRow.opt_outs,
                RecipientRow.lat,
                RecipientRow.lon,
            ]
        )
        query = (
            select(*columns)
            .join(RecipientRoleRow, RecipientRoleRow.recipient_id == RecipientRow.id)
            .where(RecipientRoleRow.role == role)
            .order_by(RecipientRoleRow.recipient_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(RecipientRoleRow.recipient_id > after)
        if area:
            # A person covering a wider area (a prefix of `area`) or a narrower one both match.
            query = query.where(
                (literal(area).like(RecipientRow.area_code + "%"))
                | (RecipientRow.area_code.like(area + "%"))
            )
        if not brief:
            return [_recipient(row) for row in await self._session.scalars(query)]
        return [
            Recipient(
                id=rid,
                name=name,
                locale=locale,
                channels=[Target(**t) for t in channels],
                opt_outs=opt_outs,
                lat=lat,
                lon=lon,
            )
            for rid, name, locale, channels, opt_outs, lat, lon in await self._session.execute(
                query
            )
        ]


def _rule(row: RuleRow) -> Rule:
    return Rule(**{name: getattr(row, name) for name in _RULE_COLUMNS})


class RuleRepository:
    """The rules admins edit; every change bumps their version (see `RuleCache`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def version(self) -> int:
        """The rules' version on record: it changes whenever a rule does."""
        return await self._session.scalar(
            select(RulesVersionRow.version).where(RulesVersionRow.id == 1)
        )

    async def _bump(self) -> None:
        # Every replica's cache reads the version once a batch: a change takes effect for the
        # next batch. On PostgreSQL concurrent changes queue on this one row, which is fine for
        # edits by admins.
        await self._session.execute(
            update(RulesVersionRow)
            .where(RulesVersionRow.id == 1)
            .values(version=RulesVersionRow.version + 1)
        )

    async def all(self) -> list[Rule]:
        """Every rule, by id."""
        return [
            _rule(row) for row in await self._session.scalars(select(RuleRow).order_by(RuleRow.id))
        ]

    async def get(self, rule_id: str) -> Rule | None:
        """One rule, or None."""
        row = await self._session.get(RuleRow, rule_id)
        return _rule(row) if row else None

    async def put(self, rule: Rule, *, at: datetime) -> None:
        """Create or replace a rule."""
        await self._session.execute(delete(RuleRow).where(RuleRow.id == rule.id))
        self._session.add(RuleRow(**asdict(rule), updated_at=at))
        await self._bump()

    async def add_missing(self, rules: Iterable[Rule], *, at: datetime) -> int:
        """Insert rules whose id is not taken yet (the defaults)."""
        rows = [{**asdict(rule), "updated_at": at} for rule in rules]
        added = await insert_ignoring_duplicates(self._session, RuleRow, rows)
        if added:
            await self._bump()
        return added

    async def delete(self, rule_id: str) -> bool:
        """Remove a rule; False if there was none."""
        result = await self._session.execute(delete(RuleRow).where(RuleRow.id == rule_id))
        if result.rowcount:
            await self._bump()
        return bool(result.rowcount)


class RuleCache:
    """The rules of one process, kept between batches while their version on record holds.

    The version is read once a batch, in the batch's transaction, before the rules: a change
    made by any replica (a rule put over HTTP) takes effect for the next batch, and rules read
    after the version are never older than it.
    """

    def __init__(self) -> None:
        self._version: int | None = None
        self._rules = RuleSet([])

    async def current(self, rules: RuleRepository) -> RuleSet:
        """The rules as of now: the cached ones, or read again if they changed."""
        version = await rules.version()
        if version is None or version != self._version:
            self._rules = RuleSet(await rules.all())
            self._version = version
        return self._rules


class DeliveryRepository:
    """Deliveries and their attempts: the delivery log."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert deliveries; one already made for the same key is left alone (exactly once)."""
        return await insert_ignoring_duplicates(self._session, DeliveryRow, rows)

    async def log(
        self,
        *,
        event_id: str | None = None,
        recipient: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[tuple[DeliveryRow, list[AttemptRow]]]:
        """Deliveries with their attempts, newest first."""
        query = (
            select(DeliveryRow).order_by(DeliveryRow.created_at.desc(), DeliveryRow.id).limit(limit)
        )
        if event_id is not None:
            query = query.where(DeliveryRow.event_id == event_id)
        if recipient is not None:
            query = query.where(DeliveryRow.recipient == recipient)
        if status is not None:
            query = query.where(DeliveryRow.status == status)
        deliveries = list(await self._session.scalars(query))
        attempts: dict[str, list[AttemptRow]] = {d.id: [] for d in deliveries}
        if deliveries:
            rows = await self._session.scalars(
                select(AttemptRow)
                .where(AttemptRow.delivery_id.in_(list(attempts)))
                .order_by(AttemptRow.id)
            )
            for row in rows:
                attempts[row.delivery_id].append(row)
        return [(d, attempts[d.id]) for d in deliveries]

    async def get(self, delivery_id: str) -> DeliveryRow | None:
        """One delivery row, or None."""
        return await self._session.get(DeliveryRow, delivery_id)

    async def cancel_reminders(
        self, *, rule_ids: list[str], subjects: Collection[str], at: datetime
    ) -> int:
        """Cancel the pending reminders of these rules for these cases, in one statement."""
        if not rule_ids or not subjects:
            return 0
        result = await self._session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.rule_id.in_(rule_ids),
                DeliveryRow.subject.in_(sorted(subjects)),
                DeliveryRow.status == "pending",
                DeliveryRow.purpose.like("remind-%"),
            )
            .values(status="cancelled", note="the case moved on", finished_at=at)
        )
        return result.rowcount or 0


class StationRepository:
    """Notify's read model of stations."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def rows(self, codes: Collection[str]) -> dict[str, dict[str, Any]]:
        """The rows of these stations that are in the copy, as plain values, in one statement."""
        if not codes:
            return {}
        table = StationRow.__table__
        result = await self._session.execute(select(table).where(table.c.code.in_(sorted(codes))))
        return {row["code"]: dict(row) for row in result.mappings()}

    async def put_rows(self, rows: Collection[dict[str, Any]]) -> None:
        """Write whole rows (new or changed), one statement for all; one row per code."""
        await insert_rows(self._session, StationRow.__table__, list(rows), update_on=("code",))

    async def all(self) -> list[StationRow]:
        """Every station (a province has thousands: fine to hold)."""
        return list(await self._session.scalars(select(StationRow)))


class BroadcastRepository:
    """Broadcasts and their progress."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, row: dict[str, Any]) -> bool:
        """Record a new broadcast; False if it was already requested."""
        return bool(await insert_ignoring_duplicates(self._session, BroadcastRow, [row]))

    async def get(self, broadcast_id: str) -> BroadcastRow | None:
        """One broadcast, or None."""
        return await self._session.get(BroadcastRow, broadcast_id)
