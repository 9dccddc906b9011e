"""Reading and writing the registry; repositories never commit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import String, bindparam, case, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.shared.auth import area_prefix
from gonghui.shared.db import insert_rows
from gonghui.stations.adapters.orm import (
    GRID_DEGREES,
    ActivityRow,
    AssessmentRow,
    CodeSequence,
    SignupRow,
    StationRow,
    TransitionRow,
    VisitDayRow,
    VisitorRow,
)
from gonghui.stations.domain.activities import Activity, Signup, SignupStatus
from gonghui.stations.domain.areas import code_stem, contains
from gonghui.stations.domain.geo import bounding_box
from gonghui.stations.domain.model import (
    Assessment,
    Criterion,
    CriterionScore,
    Station,
    StationStatus,
    Transition,
)

_STATION_FIELDS = tuple(f.name for f in fields(Station))


def lat_band(lat: float) -> int:
    """The latitude band of the search index a latitude falls in."""
    return math.floor(lat / GRID_DEGREES)


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    return pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert


async def upsert(
    session: AsyncSession,
    table: type,
    values: dict[str, object],
    *,
    keys: list[str],
    update: list[str],
) -> None:
    """Insert a row, or set `update` columns of the row with the same `keys` (both backends)."""
    statement = _insert(session)(table).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in update}
        )
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the nearest search needs of one station."""

    code: str
    name: str
    status: str
    lat: float
    lon: float
    services: Sequence[str]
    open_hours: str
    suspended_until: datetime | None
    reinspection: str | None


CANDIDATE_COLUMNS = (
    StationRow.code,
    StationRow.name,
    StationRow.status,
    StationRow.lat,
    StationRow.lon,
    StationRow.services,
    StationRow.open_hours,
    StationRow.suspended_until,
    StationRow.reinspection,
)
"""The columns a `Candidate` is made of, in its fields' order."""


@dataclass(frozen=True)
class Place:
    """A station standing for a place a worker typed (a landmark, a street)."""

    code: str
    name: str
    address: str
    lat: float
    lon: float
    area_code: str


@dataclass(frozen=True)
class VisitDay:
    """Visits of one station on one day."""

    day: date
    visits: int
    unique_workers: int


class StationRepository:
    """Stations by code, by the operator's own reference, and by area on the map."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.written = False
        """Whether stations were written in this session (the search index then looks again)."""

    async def get(self, code: str, *, for_update: bool = False) -> Station | None:
        """A station by its code (locked for the transaction if `for_update`)."""
        query = select(StationRow).where(StationRow.code == code)
        if for_update:
            query = query.with_for_update()
        row = await self._session.scalar(query)
        return _to_station(row) if row else None

    async def by_external_ref(self, operator: str | None, external_ref: str) -> Station | None:
        """The station an operator knows as `external_ref`."""
        row = await self._session.scalar(
            select(StationRow).where(
                StationRow.operator.is_(None)
                if operator is None
                else StationRow.operator == operator,
                StationRow.external_ref == external_ref,
            )
        )
        return _to_station(row) if row else None

    async def codes_by_external_ref(
        self, operator: str | None, external_refs: list[str]
    ) -> dict[str, str]:
        """The codes of the stations an operator knows by these references, in one query."""
        if not external_refs:
            return {}
        owned = (
            StationRow.operator.is_(None) if operator is None else StationRow.operator == operator
        )
        if self._session.bind.dialect.name == "postgresql":
            # One probe of the unique index per reference (LIMIT 1 keeps the planner from
            # turning it into a join): until the table's statistics know the operator (a new
            # table, a new partner), the planner took it for rare and read every station of
            # the operator to filter the references, a cost that grew with each batch.
            refs = func.unnest(bindparam("refs", external_refs, type_=ARRAY(String)))
            wanted = refs.table_valued("ref").render_derived(name="wanted")
            known = (
                select(StationRow.code)
                .where(owned, StationRow.external_ref == wanted.c.ref)
                .limit(1)
                .lateral("known")
            )
            query = select(wanted.c.ref, known.c.code).join_from(wanted, known, true())
        else:
            query = select(StationRow.external_ref, StationRow.code).where(
                owned, StationRow.external_ref.in_(external_refs)
            )
        rows = await self._session.execute(query)
        return {ref: code for ref, code in rows}

    async def candidates_near(self, lat: float, lon: float, radius_m: float) -> list[Candidate]:
        """Stations (not exited) in the bounding box of a circle, through the band index.

        The index is (lat_band, lon): one short range scan of `lon` per latitude band the box
        touches, so the work grows with the stations near the point, not with the registry.
        """
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        bands = list(range(lat_band(min_lat), lat_band(max_lat) + 1))
        rows = await self._session.execute(
            select(*CANDIDATE_COLUMNS).where(
                StationRow.lat_band.in_(bands),
                StationRow.lon.between(min_lon, max_lon),
                StationRow.lat.between(min_lat, max_lat),
                StationRow.status != StationStatus.EXITED.value,
                StationRow.test_data.is_(False),
            )
        )
        return [Candidate(*row) for row in rows]

    async def mentioning(
        self, words: str, *, area_codes: Sequence[str] | None = None, limit: int = 5
    ) -> list[Place]:
        """Stations (not exited, not test data) whose name or address contains `words`: those
        naming it first, inside one of `area_codes` if given. A scan, for a typed place."""
        named = StationRow.name.contains(words, autoescape=True)
        query = select(*(StationRow.__table__.c[f.name] for f in fields(Place))).where(
            or_(named, StationRow.address.contains(words, autoescape=True)),
            StationRow.status != StationStatus.EXITED.value,
            StationRow.test_data.is_(False),
        )
        if area_codes:
            query = query.where(
                or_(
                    *(
                        StationRow.area_code.startswith(code_stem(code), autoescape=True)
                        for code in area_codes
                    )
                )
            )
        rows = await self._session.execute(
            query.order_by(named.desc(), StationRow.code).limit(limit)
        )
        return [Place(*row) for row in rows]

    async def managed(
        self,
        *,
        operator: str | None,
        area_code: str | None,
        words: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> list[Station]:
        """The stations someone manages, by code: those `operator` runs (a sandbox's test data
        included: it is theirs), else the area's (none of it); `words` in a name, address or code.
        """
        query = select(StationRow).order_by(StationRow.code).limit(limit)
        if operator is not None:
            query = query.where(StationRow.operator == operator)
        else:
            query = query.where(StationRow.test_data.is_(False))
        if area_code is not None:
            query = query.where(StationRow.area_code.startswith(area_prefix(area_code)))
        if words:
            query = query.where(
                or_(
                    *(
                        column.contains(words, autoescape=True)
                        for column in (StationRow.name, StationRow.address, StationRow.code)
                    )
                )
            )
        if after is not None:
            query = query.where(StationRow.code > after)
        return [_to_station(row) for row in await self._session.scalars(query)]

    async def every(
        self, *, include_exited: bool = False, include_test_data: bool = False
    ) -> list[Station]:
        """All stations (for exports), by code; a sandbox's test data only when asked."""
        query = select(StationRow).order_by(StationRow.code)
        if not include_test_data:
            query = query.where(StationRow.test_data.is_(False))
        if not include_exited:
            query = query.where(StationRow.status != StationStatus.EXITED.value)
        return [_to_station(row) for row in await self._session.scalars(query)]

    async def counts_in(self, area_code: str) -> tuple[dict[str, int], dict[str, int]]:
        """Stations in an area by status, and active stations by area code."""
        rows = await self._session.execute(
            select(StationRow.area_code, StationRow.status, func.count())
            .where(StationRow.test_data.is_(False))
            .group_by(StationRow.area_code, StationRow.status)
        )
        by_status: dict[str, int] = {}
        active_by_area: dict[str, int] = {}
        for code, status, n in rows:
            if contains(area_code, code):
                by_status[status] = by_status.get(status, 0) + n
                if status == StationStatus.ACTIVE.value:
                    active_by_area[code] = active_by_area.get(code, 0) + n
        return by_status, active_by_area

    async def suspensions_due(self, now: datetime, *, limit: int = 100) -> list[str]:
        """Codes of suspended stations whose until-date has passed."""
        rows = await self._session.scalars(
            select(StationRow.code)
            .where(
                StationRow.status == StationStatus.SUSPENDED.value,
                StationRow.suspended_until <= now,
            )
            .order_by(StationRow.suspended_until)
            .limit(limit)
        )
        return list(rows)

    async def claim_due_suspension(self, code: str, now: datetime) -> bool:
        """Take the station's row lock if its suspension is still due; False if another took it.

        A conditional UPDATE on both backends: on PostgreSQL a second replica waits for the row
        and then finds the station no longer suspended; on SQLite the write lock does the same.
        """
        claimed = await self._session.execute(
            update(StationRow)
            .where(
                StationRow.code == code,
                StationRow.status == StationStatus.SUSPENDED.value,
                StationRow.suspended_until <= now,
            )
            .values(updated_at=now)
        )
        self.written = True
        return claimed.rowcount == 1

    async def reinspections_in(self, area_code: str) -> dict[str, int]:
        """Stations of an area by re-inspection state (`open`, `passed`, `failed`)."""
        rows = await self._session.execute(
            select(StationRow.reinspection, func.count())
            .where(
                StationRow.area_code.startswith(code_stem(area_code)),
                StationRow.reinspection.is_not(None),
                StationRow.test_data.is_(False),
            )
            .group_by(StationRow.reinspection)
        )
        return {state: int(n) for state, n in rows}

    async def add_many(self, stations: list[Station]) -> None:
        """Store new stations in one statement (no ORM object per row)."""
        if stations:
            self.written = True
            await insert_rows(
                self._session, StationRow.__table__, [_to_row(station) for station in stations]
            )

    async def save(self, station: Station) -> None:
        """Write back a changed station."""
        values = _to_row(station)
        code = values.pop("code")
        self.written = True
        await self._session.execute(
            update(StationRow).where(StationRow.code == code).values(**values)
        )

    def add_transition(self, transition: Transition) -> None:
        """Record one lifecycle step."""
        self._session.add(TransitionRow(**vars(transition)))

    async def transitions(self, code: str) -> list[Transition]:
        """A station's life, oldest first."""
        rows = await self._session.scalars(
            select(TransitionRow).where(TransitionRow.code == code).order_by(TransitionRow.id)
        )
        return [
            Transition(
                code=r.code,
                from_status=r.from_status,
                to_status=r.to_status,
                actor=r.actor,
                reason=r.reason,
                at=r.at,
                until=r.until,
            )
            for r in rows
        ]

    def add_assessment(self, assessment: Assessment) -> None:
        """Record a six-point assessment."""
        self._session.add(
            AssessmentRow(
                id=assessment.id,
                code=assessment.code,
                assessor=assessment.assessor,
                scores={c.value: vars(s) for c, s in assessment.scores.items()},
                passed=assessment.passed,
                map_verified_on=assessment.map_verified_on,
                assessed_at=assessment.assessed_at,
            )
        )

    async def assessments(self, code: str) -> list[Assessment]:
        """A station's assessments, latest first."""
        rows = await self._session.scalars(
            select(AssessmentRow)
            .where(AssessmentRow.code == code)
            .order_by(AssessmentRow.assessed_at.desc())
        )
        return [
            Assessment(
                id=r.id,
                code=r.code,
                assessor=r.assessor,
                scores={Criterion(c): CriterionScore(**s) for c, s in r.scores.items()},  # type: ignore[arg-type]
                map_verified_on=r.map_verified_on,
                assessed_at=r.assessed_at,
            )
            for r in rows
        ]


class CodeAllocator:
    """Hands out increasing numbers per area; concurrent callers never get the same one."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def reserve_many(self, counts: dict[str, int]) -> dict[str, int]:
        """Reserve `counts[area]` numbers in each area; the first of each, in two statements."""
        if not counts:
            return {}
        areas = sorted(counts)  # one lock order for every replica
        await self._session.execute(
            _insert(self._session)(CodeSequence).on_conflict_do_nothing(),
            [{"prefix": code, "last_value": 0} for code in areas],
        )
        # One UPDATE takes every row lock it needs, so replicas allocating at once are serialised.
        rows = await self._session.execute(
            update(CodeSequence)
            .where(CodeSequence.prefix.in_(areas))
            .values(
                last_value=CodeSequence.last_value
                + case(counts, value=CodeSequence.prefix, else_=0)
            )
            .returning(CodeSequence.prefix, CodeSequence.last_value)
        )
        return {prefix: int(last) - counts[prefix] + 1 for prefix, last in rows}


class ActivityRepository:
    """Activities and their sign-ups."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, activity: Activity) -> None:
        """Store a new activity."""
        self._session.add(ActivityRow(**vars(activity)))

    async def get(self, activity_id: str, *, for_update: bool = False) -> Activity | None:
        """An activity; `for_update` serialises sign-ups for it across replicas."""
        if for_update:
            # An UPDATE takes the row lock on every backend (SQLite already holds the write lock).
            await self._session.execute(
                update(ActivityRow)
                .where(ActivityRow.id == activity_id)
                .values(confirmed=ActivityRow.confirmed)
            )
        row = await self._session.get(ActivityRow, activity_id, populate_existing=True)
        return _to_activity(row) if row else None

    async def listing(
        self, *, station_code: str | None, area_code: str | None, ends_after: datetime
    ) -> list[Activity]:
        """Activities not yet over, soonest first."""
        query = select(ActivityRow).where(ActivityRow.ends_at > ends_after)
        if station_code:
            query = query.where(ActivityRow.station_code == station_code)
        if area_code:
            query = query.where(ActivityRow.area_code.startswith(code_stem(area_code)))
        rows = await self._session.scalars(query.order_by(ActivityRow.starts_at).limit(500))
        return [_to_activity(r) for r in rows]

    async def save_counts(self, activity: Activity) -> None:
        """Write back the counts."""
        await self._session.execute(
            update(ActivityRow)
            .where(ActivityRow.id == activity.id)
            .values(
                confirmed=activity.confirmed,
                waitlisted=activity.waitlisted,
                checked_in=activity.checked_in,
            )
        )

    async def signup(self, activity_id: str, worker_ref: str) -> Signup | None:
        """One worker's sign-up."""
        row = await self._session.scalar(
            select(SignupRow).where(
                SignupRow.activity_id == activity_id, SignupRow.worker_ref == worker_ref
            )
        )
        return _to_signup(row) if row else None

    async def save_signup(self, signup: Signup) -> None:
        """Write back a sign-up's status and times."""
        await self._session.execute(
            update(SignupRow)
            .where(
                SignupRow.activity_id == signup.activity_id,
                SignupRow.worker_ref == signup.worker_ref,
            )
            .values(
                status=signup.status.value,
                queued_at=signup.queued_at,
                checked_in_at=signup.checked_in_at,
                recipient=signup.recipient,
            )
        )

    def add_signup(
        self,
        activity_id: str,
        worker_ref: str,
        status: SignupStatus,
        at: datetime,
        *,
        recipient: str | None = None,
    ) -> None:
        """A new sign-up."""
        self._session.add(
            SignupRow(
                activity_id=activity_id,
                worker_ref=worker_ref,
                status=status,
                queued_at=at,
                recipient=recipient,
            )
        )

    async def first_waiting(self, activity_id: str) -> Signup | None:
        """The waitlisted sign-up that has waited longest."""
        row = await self._session.scalar(
            select(SignupRow)
            .where(
                SignupRow.activity_id == activity_id,
                SignupRow.status == SignupStatus.WAITLISTED.value,
            )
            .order_by(SignupRow.queued_at, SignupRow.id)
            .limit(1)
        )
        return _to_signup(row) if row else None


class VisitRepository:
    """Visit counts per station and day."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, *, code: str, area_code: str, day: date, worker_ref: str) -> bool:
        """Count one visit; return whether the worker is new for that station and day."""
        insert = _insert(self._session)
        new_worker = await self._session.execute(
            insert(VisitorRow)
            .values(code=code, day=day, worker_ref=worker_ref)
            .on_conflict_do_nothing()
        )
        first = new_worker.rowcount == 1
        await self._session.execute(
            insert(VisitDayRow)
            .values(code=code, day=day, area_code=area_code, visits=0, unique_workers=0)
            .on_conflict_do_nothing()
        )
        await self._session.execute(
            update(VisitDayRow)
            .where(VisitDayRow.code == code, VisitDayRow.day == day)
            .values(
                visits=VisitDayRow.visits + 1,
                unique_workers=VisitDayRow.unique_workers + (1 if first else 0),
            )
        )
        return first

    async def days(self, code: str, since: date, until: date) -> list[VisitDay]:
        """Per-day counts of one station."""
        rows = await self._session.execute(
            select(VisitDayRow.day, VisitDayRow.visits, VisitDayRow.unique_workers)
            .where(VisitDayRow.code == code, VisitDayRow.day.between(since, until))
            .order_by(VisitDayRow.day)
        )
        return [VisitDay(*row) for row in rows]

    async def totals_by_area(self, since: date, until: date) -> dict[str, tuple[int, int, int]]:
        """(person-visits, worker-days, stations visited) by area code."""
        rows = await self._session.execute(
            select(
                VisitDayRow.area_code,
                func.sum(VisitDayRow.visits),
                func.sum(VisitDayRow.unique_workers),
                func.count(func.distinct(VisitDayRow.code)),
            )
            .where(
                VisitDayRow.day.between(since, until),
                VisitDayRow.code.not_in(select(StationRow.code).where(StationRow.test_data)),
            )
            .group_by(VisitDayRow.area_code)
        )
        return {code: (int(v), int(u), int(s)) for code, v, u, s in rows}


def _to_station(row: StationRow) -> Station:
    values = {name: getattr(row, name) for name in _STATION_FIELDS}
    values["status"] = StationStatus(row.status)
    return Station(**values)


def _to_row(station: Station) -> dict[str, object]:
    values = {name: getattr(station, name) for name in _STATION_FIELDS}
    values["status"] = station.status.value
    values["lat_band"] = lat_band(station.lat)
    return values


def _to_signup(row: SignupRow) -> Signup:
    return Signup(
        row.activity_id,
        row.worker_ref,
        SignupStatus(row.status),
        row.queued_at,
        row.checked_in_at,
        row.recipient,
    )


def _to_activity(row: ActivityRow) -> Activity:
    return Activity(**{f.name: getattr(row, f.name) for f in fields(Activity)})
