"""Reading and writing cases and what surrounds them; repositories never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.proposals.adapters.orm import (
    CaseMemberRow,
    CaseNumberRow,
    CoUnitRow,
    DeadlineRow,
    ProposalRow,
    RepresentativeRow,
    RoutingRuleRow,
    TransitionRow,
    UnitRow,
)
from gonghui.proposals.domain.deadlines import Deadline
from gonghui.proposals.domain.model import (
    Action,
    Case,
    CaseKind,
    CaseStatus,
    CoHandling,
    CoStatus,
    DeadlineStep,
    Step,
    Transition,
)
from gonghui.proposals.domain.routing import RoutingRule, Unit, UnitKind

_CASE_FIELDS = (
    "case_no",
    "kind",
    "title",
    "body",
    "area_code",
    "submitted_by",
    "submitted_at",
    "status",
    "category",
    "unit_code",
    "responsible_person",
    "handler",
    "progress_percent",
    "result",
    "merged_into",
    "offered_to",
    "reopened",
    "satisfaction",
    "feedback_comment",
    "key_contact_id",
    "discussion_id",
)


class CaseRepository:
    """Cases with their timelines; updates are conditional on the version read."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, proposal_id: str) -> Case | None:
        """A case and its whole timeline, as committed now (never a stale cached copy)."""
        row = (
            await self._session.execute(
                select(ProposalRow)
                .where(ProposalRow.id == proposal_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        transitions = await self._session.scalars(
            select(TransitionRow)
            .where(TransitionRow.proposal_id == proposal_id)
            .order_by(TransitionRow.seq)
            .execution_options(populate_existing=True)
        )
        case = _case(row, [_transition(t) for t in transitions])
        await self._attach_people_and_units([case])
        return case

    async def by_number(self, case_no: str) -> Case | None:
        """A case by its readable number, with its timeline."""
        found = await self._session.scalar(
            select(ProposalRow.id).where(ProposalRow.case_no == case_no)
        )
        return await self.get(found) if found is not None else None

    async def next_number(self, area_code: str, year: int) -> int:
        """The next sequence number of an area and year; concurrent callers never share one."""
        insert = pg_insert if self._session.bind.dialect.name == "postgresql" else sqlite_insert
        await self._session.execute(
            insert(CaseNumberRow)
            .values(area_code=area_code, year=year, last_value=0)
            .on_conflict_do_nothing()
        )
        # The UPDATE takes the row lock (PostgreSQL) or holds the write lock (SQLite, BEGIN
        # IMMEDIATE), so two replicas numbering at once are serialised until commit.
        last = await self._session.scalar(
            update(CaseNumberRow)
            .where(CaseNumberRow.area_code == area_code, CaseNumberRow.year == year)
            .values(last_value=CaseNumberRow.last_value + 1)
            .returning(CaseNumberRow.last_value)
        )
        return int(last)

    async def add(self, case: Case) -> None:
        """Store a new case and its first transitions (flushed, so deadlines can refer to it)."""
        self._session.add(ProposalRow(id=case.id, version=case.version, **_values(case)))
        await self._session.flush()
        self._session.add_all(CaseMemberRow(proposal_id=case.id, member_id=m) for m in case.members)
        await self._write_co_units(case)
        self._add_transitions(case)

    async def save(self, case: Case) -> bool:
        """Write the case if nobody changed it since it was read; False if someone did."""
        result = await self._session.execute(
            update(ProposalRow)
            .where(ProposalRow.id == case.id, ProposalRow.version == case.version)
            .values(version=case.version + 1, **_values(case))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        case.version += 1
        await self._write_co_units(case)
        self._add_transitions(case)
        return True

    async def _write_co_units(self, case: Case) -> None:
        await self._session.execute(delete(CoUnitRow).where(CoUnitRow.proposal_id == case.id))
        self._session.add_all(
            CoUnitRow(
                proposal_id=case.id,
                unit_code=c.unit_code,
                position=i,
                status=c.status.value,
                progress_percent=c.progress_percent,
                result=c.result,
                handler=c.handler,
            )
            for i, c in enumerate(case.co_handling)
        )

    async def _attach_people_and_units(self, found: list[Case]) -> None:
        """Fill in each case's members and co-handling units (two queries for any number)."""
        by_id = {c.id: c for c in found}
        if not by_id:
            return
        members = await self._session.execute(
            select(CaseMemberRow.proposal_id, CaseMemberRow.member_id)
            .where(CaseMemberRow.proposal_id.in_(list(by_id)))
            .order_by(CaseMemberRow.member_id)
        )
        for proposal_id, member_id in members:
            by_id[proposal_id].members.append(member_id)
        co_units = await self._session.scalars(
            select(CoUnitRow)
            .where(CoUnitRow.proposal_id.in_(list(by_id)))
            .order_by(CoUnitRow.proposal_id, CoUnitRow.position)
            .execution_options(populate_existing=True)
        )
        for row in co_units:
            by_id[row.proposal_id].co_handling.append(
                CoHandling(
                    unit_code=row.unit_code,
                    status=CoStatus(row.status),
                    progress_percent=row.progress_percent,
                    result=row.result,
                    handler=row.handler,
                )
            )

    async def search(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        unit: str | None = None,
        submitted_by: str | None = None,
        case_no: str | None = None,
        area_prefix: str | None = None,
        person: str | None = None,
        limit: int = 100,
    ) -> list[Case]:
        """Cases matching every filter given, newest first, without timelines.

        Every filter, the area too, is part of the query, so the limit counts matching rows only.
        """
        query = select(ProposalRow)
        for column, value in (
            (ProposalRow.status, status),
            (ProposalRow.kind, kind),
            (ProposalRow.submitted_by, submitted_by),
            (ProposalRow.case_no, case_no),
        ):
            if value is not None:
                query = query.where(column == value)
        if unit is not None:
            co_handled = select(CoUnitRow.proposal_id).where(CoUnitRow.unit_code == unit)
            query = query.where(or_(ProposalRow.unit_code == unit, ProposalRow.id.in_(co_handled)))
        if person is not None:
            for_them = select(CaseMemberRow.proposal_id).where(CaseMemberRow.member_id == person)
            query = query.where(
                or_(ProposalRow.submitted_by == person, ProposalRow.id.in_(for_them))
            )
        if area_prefix is not None:
            query = query.where(ProposalRow.area_code.startswith(area_prefix, autoescape=True))
        query = query.order_by(ProposalRow.submitted_at.desc(), ProposalRow.id.desc()).limit(limit)
        found = [_case(row, []) for row in await self._session.scalars(query)]
        await self._attach_people_and_units(found)
        return found

    async def submitted_by(self, person: str) -> list[Case]:
        """Every case a representative submitted, without timelines."""
        rows = await self._session.scalars(
            select(ProposalRow).where(ProposalRow.submitted_by == person)
        )
        return [_case(row, []) for row in rows]

    def _add_transitions(self, case: Case) -> None:
        self._session.add_all(
            TransitionRow(
                proposal_id=case.id,
                seq=t.seq,
                action=t.action.value,
                step=t.step.value,
                from_status=t.from_status.value if t.from_status else None,
                to_status=t.to_status.value,
                actor=t.actor,
                at=t.at,
                note=t.note,
                unit_code=t.unit_code,
                details=t.details,
            )
            for t in case.new_transitions
        )
        case.new_transitions.clear()


class DeadlineRepository:
    """Running deadlines, and the once-only claim of an escalation."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def start(
        self, proposal_id: str, step: str, *, seq: int, at: datetime, due_at: datetime
    ) -> None:
        """A step's clock starts, opened by the transition `seq` of the case."""
        self._session.add(
            DeadlineRow(
                proposal_id=proposal_id, step=step, opened_by_seq=seq, started_at=at, due_at=due_at
            )
        )

    async def end(self, proposal_id: str, steps: Iterable[str], *, at: datetime) -> None:
        """The steps are done (or moot): their running deadlines stop."""
        steps = list(steps)
        if not steps:
            return
        await self._session.execute(
            update(DeadlineRow)
            .where(
                DeadlineRow.proposal_id == proposal_id,
                DeadlineRow.step.in_(steps),
                DeadlineRow.ended_at.is_(None),
            )
            .values(ended_at=at)
            .execution_options(synchronize_session=False)
        )

    async def of(self, proposal_id: str) -> list[Deadline]:
        """Every deadline a case had, oldest first."""
        rows = await self._session.scalars(
            select(DeadlineRow)
            .where(DeadlineRow.proposal_id == proposal_id)
            .order_by(DeadlineRow.started_at, DeadlineRow.id)
            .execution_options(populate_existing=True)
        )
        return [_deadline(row) for row in rows]

    async def of_each(self, proposal_ids: Sequence[str]) -> dict[str, list[Deadline]]:
        """Every deadline each of the cases had, oldest first, in one query."""
        found: dict[str, list[Deadline]] = {proposal_id: [] for proposal_id in proposal_ids}
        if not found:
            return found
        rows = await self._session.scalars(
            select(DeadlineRow)
            .where(DeadlineRow.proposal_id.in_(found))
            .order_by(DeadlineRow.started_at, DeadlineRow.id)
            .execution_options(populate_existing=True)
        )
        for row in rows:
            found[row.proposal_id].append(_deadline(row))
        return found

    async def overdue(self, now: datetime, *, limit: int) -> list[Deadline]:
        """Running deadlines already past, not yet escalated (candidates; claim each one)."""
        query = (
            select(DeadlineRow)
            .where(
                DeadlineRow.ended_at.is_(None),
                DeadlineRow.escalated_at.is_(None),
                DeadlineRow.due_at <= now,
            )
            .order_by(DeadlineRow.due_at, DeadlineRow.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        if self._session.bind.dialect.name == "postgresql":
            # Replicas skip rows another is escalating instead of queueing behind its lock;
            # the conditional UPDATE in claim_escalation is what guarantees once-only.
            query = query.with_for_update(skip_locked=True)
        return [_deadline(row) for row in await self._session.scalars(query)]

    async def claim_escalation(self, deadline_id: int, *, at: datetime) -> bool:
        """Mark one deadline escalated unless another replica already did: True if ours."""
        result = await self._session.execute(
            update(DeadlineRow)
            .where(
                DeadlineRow.id == deadline_id,
                DeadlineRow.escalated_at.is_(None),
                DeadlineRow.ended_at.is_(None),
            )
            .values(escalated_at=at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


class RoutingRepository:
    """Handling units and the rules that route cases to them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def unit(self, code: str) -> Unit | None:
        """One unit by code."""
        row = await self._session.get(UnitRow, code)
        return _unit(row) if row else None

    async def units(self) -> list[Unit]:
        """Every unit, by code."""
        rows = await self._session.scalars(select(UnitRow).order_by(UnitRow.code))
        return [_unit(r) for r in rows]

    async def put_unit(self, unit: Unit) -> None:
        """Create or update a unit."""
        await self._session.merge(UnitRow(**{**vars(unit), "kind": unit.kind.value}))

    async def representative_name(self, representative_id: str) -> str | None:
        """The display name of a registered representative."""
        return await self._session.scalar(
            select(RepresentativeRow.name).where(RepresentativeRow.id == representative_id)
        )

    async def put_representative(
        self, representative_id: str, *, name: str, area_code: str | None, active: bool
    ) -> None:
        """Register or update a representative."""
        await self._session.merge(
            RepresentativeRow(id=representative_id, name=name, area_code=area_code, active=active)
        )

    async def representatives(self, *, area_prefix: str | None, limit: int) -> list[Row[Any]]:
        """Active representatives (id, name, area_code), those of an area if given, by id."""
        table = RepresentativeRow.__table__
        query = select(table.c.id, table.c.name, table.c.area_code).where(table.c.active)
        if area_prefix is not None:
            query = query.where(table.c.area_code.startswith(area_prefix, autoescape=True))
        return list(await self._session.execute(query.order_by(table.c.id).limit(limit)))

    async def representative_names(self, ids: set[str]) -> dict[str, str]:
        """The names of those of these ids who are representatives (active or not)."""
        if not ids:
            return {}
        table = RepresentativeRow.__table__
        rows = await self._session.execute(
            select(table.c.id, table.c.name).where(table.c.id.in_(sorted(ids)))
        )
        return {row.id: row.name for row in rows}

    async def rules(self) -> list[RoutingRule]:
        """Every routing rule of an active unit, oldest first."""
        rows = await self._session.execute(
            select(RoutingRuleRow)
            .join(UnitRow, UnitRow.code == RoutingRuleRow.unit_code)
            .where(UnitRow.active.is_(True))
            .order_by(RoutingRuleRow.id)
        )
        return [
            RoutingRule(
                id=r.id, unit_code=r.unit_code, category=r.category, area_prefix=r.area_prefix
            )
            for r in rows.scalars()
        ]

    async def add_rule(
        self, *, unit_code: str, category: str | None, area_prefix: str | None
    ) -> RoutingRule:
        """A new rule."""
        row = RoutingRuleRow(unit_code=unit_code, category=category, area_prefix=area_prefix)
        self._session.add(row)
        await self._session.flush()
        return RoutingRule(
            id=row.id, unit_code=unit_code, category=category, area_prefix=area_prefix
        )

    async def delete_rule(self, rule_id: int) -> bool:
        """Remove a rule; False if there was none."""
        row = await self._session.get(RoutingRuleRow, rule_id)
        if row is None:
            return False
        await self._session.delete(row)
        return True


def _unit(row: UnitRow) -> Unit:
    return Unit(
        row.code,
        row.name,
        UnitKind(row.kind),
        row.active,
        responsible_person=row.responsible_person,
        responsible_person_name=row.responsible_person_name,
    )


def _deadline(row: DeadlineRow) -> Deadline:
    return Deadline(
        id=row.id,
        proposal_id=row.proposal_id,
        step=DeadlineStep(row.step),
        started_at=row.started_at,
        due_at=row.due_at,
        ended_at=row.ended_at,
        escalated_at=row.escalated_at,
    )


def _values(case: Case) -> dict[str, object]:
    values = {name: getattr(case, name) for name in _CASE_FIELDS}
    values["kind"] = case.kind.value
    values["status"] = case.status.value
    values["offered_to"] = list(case.offered_to)
    return values


def _case(row: ProposalRow, timeline: list[Transition]) -> Case:
    return Case(
        id=row.id,
        kind=CaseKind(row.kind),
        title=row.title,
        body=row.body,
        category=row.category,
        area_code=row.area_code,
        submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
        status=CaseStatus(row.status),
        case_no=row.case_no,
        unit_code=row.unit_code,
        responsible_person=row.responsible_person,
        handler=row.handler,
        progress_percent=row.progress_percent or 0,
        result=row.result,
        merged_into=row.merged_into,
        offered_to=list(row.offered_to or []),
        reopened=bool(row.reopened),
        satisfaction=row.satisfaction,
        feedback_comment=row.feedback_comment,
        key_contact_id=row.key_contact_id,
        discussion_id=row.discussion_id,
        version=row.version or 0,
        timeline=timeline,
    )


def _transition(row: TransitionRow) -> Transition:
    return Transition(
        seq=row.seq,
        action=Action(row.action),
        step=Step(row.step),
        from_status=CaseStatus(row.from_status) if row.from_status else None,
        to_status=CaseStatus(row.to_status),
        actor=row.actor,
        at=row.at,
        note=row.note,
        unit_code=row.unit_code,
        details=dict(row.details or {}),
    )
