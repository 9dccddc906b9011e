"""Use cases: what a partner or a person can ask the registry to do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from gonghui.shared.clock import SHANGHAI
from gonghui.shared.contracts.stations import (
    ActivityCheckedIn,
    ActivityPublished,
    ActivitySignedUp,
    ActivitySignupCancelled,
    ActivitySignupPromoted,
    CoordSystem,
    RegisterStation,
    SignupStep,
    StationActivated,
    StationAssessed,
    StationExited,
    StationRegistered,
    StationReinspectionClosed,
    StationResumed,
    StationSuspended,
    StationTransition,
    StationUpdated,
    UpdateStation,
)
from gonghui.shared.envelope import new_event_id
from gonghui.shared.errors import Conflict, NotFound
from gonghui.stations.adapters.repositories import Candidate
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.domain.activities import Activity, SignupRefused, SignupStatus
from gonghui.stations.domain.areas import UnknownArea, area, locate, station_code
from gonghui.stations.domain.geo import distance_m, gcj02_to_wgs84
from gonghui.stations.domain.model import (
    PUBLIC_FIELDS,
    Assessment,
    Criterion,
    CriterionScore,
    InvalidTransition,
    Station,
    StationStatus,
    Transition,
)
from gonghui.stations.domain.opening import Opening, opening
from gonghui.stations.domain.privacy import worker_ref


class Missing(NotFound):
    """No such station, activity or application (HTTP 404; from a partner: the DLQ)."""


class StationNotFound(Missing):
    """No station by that code or reference."""


class NotYourStation(PermissionError):
    """A partner acted on a station another party operates (to the DLQ with the reason)."""


def to_wgs84(lat: float, lon: float, system: CoordSystem) -> tuple[float, float]:
    """Coordinates as stored, whatever datum the caller used."""
    return gcj02_to_wgs84(lat, lon) if system is CoordSystem.GCJ02 else (lat, lon)


def partner_actor(department: str, person: str | None) -> str:
    """How a partner's act is recorded: `dept/<code>`, with the person if given."""
    return f"dept/{department}" + (f":{person}" if person else "")


async def find_station(
    uow: StationsUnitOfWork,
    *,
    code: str | None = None,
    external_ref: str | None = None,
    operator: str | None = None,
    lock: bool = True,
) -> Station:
    """The station a command names; a partner (`operator`) may only name its own."""
    if code is not None:
        station = await uow.stations.get(code, for_update=lock)
    else:
        station = await uow.stations.by_external_ref(operator, external_ref or "")
        if station is not None and lock:
            station = await uow.stations.get(station.code, for_update=True)
    if station is None:
        raise StationNotFound(f"no station {code or external_ref!r}")
    if operator is not None and station.operator != operator:
        raise NotYourStation(f"{operator} does not operate station {station.code}")
    return station


async def register_station(
    cmd: RegisterStation,
    *,
    operator: str | None,
    uow: StationsUnitOfWork,
    actor: str | None = None,
    test_data: bool = False,
) -> Station:
    """编号管理: number and record a new station, or update it if the operator sent it before.

    A sandbox department's new stations are `test_data`.

    `actor` is who registers: union staff over HTTP; a partner's own commands are recorded as
    `dept/<code>`. The refusals of `register_stations` are raised.
    """
    [outcome] = await register_stations(
        [cmd], operator=operator, uow=uow, actor=actor, test_data=test_data
    )
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


Refusal = NotYourStation | UnknownArea | Conflict | NotFound
"""Why one registration of a batch is refused for good (the others go on)."""


async def register_stations(
    commands: Sequence[RegisterStation],
    *,
    operator: str | None,
    uow: StationsUnitOfWork,
    actor: str | None = None,
    test_data: bool = False,
) -> list[Station | Refusal]:
    """编号管理 for many at once: what `register_station` does for each, in order, in a handful
    of statements whatever their number (one lookup of known references, one numbering per
    batch, one insert, the events); each outcome is the station or why it was refused.
    """
    actor = actor or _actor_of(operator, None)
    outcomes: list[Station | Refusal] = []
    async with uow:
        for part in _without_repeats(commands):
            outcomes += await _register_together(
                part, operator=operator, uow=uow, actor=actor, test_data=test_data
            )
        await uow.commit()
    return outcomes


def _without_repeats(commands: Sequence[RegisterStation]) -> list[list[RegisterStation]]:
    """Consecutive parts in which no reference repeats: a repeat must see the station before."""
    parts: list[list[RegisterStation]] = [[]]
    seen: set[str] = set()
    for cmd in commands:
        if cmd.external_ref in seen:
            parts.append([])
            seen.clear()
        seen.add(cmd.external_ref)
        parts[-1].append(cmd)
    return parts


async def _register_together(
    commands: list[RegisterStation],
    *,
    operator: str | None,
    uow: StationsUnitOfWork,
    actor: str,
    test_data: bool,
) -> list[Station | Refusal]:
    now = uow.clock.now()
    known = await uow.stations.codes_by_external_ref(operator, [c.external_ref for c in commands])
    outcomes: list[Station | Refusal | None] = [None] * len(commands)
    placed: list[tuple[int, RegisterStation, dict[str, object], str]] = []
    for index, cmd in enumerate(commands):
        try:
            if cmd.external_ref in known:
                # Sent again: rare, so one at a time (revise, then station.updated.v1).
                outcomes[index] = await _revise(cmd, known[cmd.external_ref], uow=uow, actor=actor)
                continue
            public = _public_of(cmd)
            placed.append((index, cmd, public, _area_of(cmd, public)))
        except (NotYourStation, UnknownArea, Conflict, NotFound) as refusal:
            outcomes[index] = refusal
    counts: dict[str, int] = {}
    for *_, area_code in placed:
        counts[area_code] = counts.get(area_code, 0) + 1
    first = await uow.codes.reserve_many(counts)
    given = dict.fromkeys(counts, 0)
    stations = []
    for index, cmd, public, area_code in placed:
        number = first[area_code] + given[area_code]
        given[area_code] += 1
        station = _new_station(
            cmd, public, area_code, number, operator=operator, now=now, test_data=test_data
        )
        stations.append(station)
        outcomes[index] = station
    await uow.stations.add_many(stations)
    for station in stations:
        _emit_registered(uow, station, actor=actor)
    return [outcome for outcome in outcomes if outcome is not None]


async def _revise(
    cmd: RegisterStation, code: str, *, uow: StationsUnitOfWork, actor: str
) -> Station:
    """A registration sent again updates the station, announced if anything changed."""
    station = await find_station(uow, code=code)
    changed = station.revise(at=uow.clock.now(), **_public_of(cmd))
    if changed:
        await uow.stations.save(station)
        _emit_updated(uow, station, changed, actor=actor)
    return station


def _area_of(cmd: RegisterStation, public: dict[str, object]) -> str:
    """The area a new station is numbered in: as given, else located; unknown is refused."""
    area_code = cmd.area_code or locate(
        address=cmd.address,
        lat=public["lat"],  # type: ignore[arg-type]
        lon=public["lon"],  # type: ignore[arg-type]
    )
    area(area_code)
    return area_code


def _new_station(
    cmd: RegisterStation,
    public: dict[str, object],
    area_code: str,
    number: int,
    *,
    operator: str | None,
    now: datetime,
    test_data: bool = False,
) -> Station:
    return Station(
        code=station_code(area_code, number),
        external_ref=cmd.external_ref,
        operator=operator,
        registered_at=now,
        area_code=area_code,
        test_data=test_data,
        **public,  # type: ignore[arg-type]
    )


def _emit_registered(uow: StationsUnitOfWork, station: Station, *, actor: str) -> None:
    uow.emit(
        StationRegistered(
            code=station.code,
            external_ref=station.external_ref,
            operator=station.operator,
            name=station.name,
            address=station.address,
            lat=station.lat,
            lon=station.lon,
            services=station.services,
            open_hours=station.open_hours,
            status=station.status.value,
            registered_at=station.registered_at,
            area_code=station.area_code,
            actor=actor,
            test_data=station.test_data,
        ),
        subject=station.code,
    )


async def update_station(
    cmd: UpdateStation, *, operator: str | None, actor: str, uow: StationsUnitOfWork
) -> Station:
    """Change a station's public information; only the fields given."""
    async with uow:
        station = await find_station(
            uow, code=cmd.code, external_ref=cmd.external_ref, operator=operator
        )
        given = cmd.model_dump(include=set(PUBLIC_FIELDS), exclude_none=True)
        if cmd.lat is not None and cmd.lon is not None:
            given["lat"], given["lon"] = to_wgs84(cmd.lat, cmd.lon, cmd.coord_system)
        if cmd.services is not None:
            given["services"] = [str(s) for s in cmd.services]
        changed = station.revise(at=uow.clock.now(), **given)
        if changed:
            await uow.stations.save(station)
            _emit_updated(uow, station, changed, actor=actor)
        await uow.commit()
        return station


async def assess_station(
    code: str,
    *,
    assessor: str,
    scores: dict[Criterion, CriterionScore],
    map_verified_on: date | None,
    uow: StationsUnitOfWork,
) -> Assessment:
    """六有: record a six-point assessment; the station's compliance follows the latest one."""
    async with uow:
        station = await find_station(uow, code=code)
        assessment = Assessment(
            id=new_event_id(),
            code=code,
            assessor=assessor,
            scores=scores,
            map_verified_on=map_verified_on,
            assessed_at=uow.clock.now(),
        )
        outcome = station.record_assessment(assessment)
        uow.stations.add_assessment(assessment)
        await uow.stations.save(station)
        uow.emit(
            StationAssessed(
                code=code,
                assessment_id=assessment.id,
                assessor=assessor,
                passed=assessment.passed,
                failed=assessment.failed,
                map_verified_on=map_verified_on,
                assessed_at=assessment.assessed_at,
            ),
            subject=code,
        )
        if outcome is not None:
            uow.emit(
                StationReinspectionClosed(
                    code=code,
                    area_code=station.area_code,
                    outcome=outcome,
                    assessment_id=assessment.id,
                    failed=assessment.failed,
                    closed_at=assessment.assessed_at,
                ),
                subject=code,
            )
        await uow.commit()
        return assessment


async def activate_station(
    code: str, *, actor: str, reason: str, uow: StationsUnitOfWork
) -> Station:
    """挂牌: a proposed station that passed the six-point gate becomes active."""
    async with uow:
        station = await find_station(uow, code=code)
        now = uow.clock.now()
        before = station.activate(at=now)
        await _record_step(uow, station, StationActivated, before, actor=actor, reason=reason)
        return station


async def suspend_station(
    *,
    code: str | None = None,
    external_ref: str | None = None,
    operator: str | None = None,
    actor: str,
    reason: str,
    until: datetime,
    uow: StationsUnitOfWork,
) -> Station:
    """Close an active station until a date, with the reason."""
    async with uow:
        station = await find_station(uow, code=code, external_ref=external_ref, operator=operator)
        before = station.suspend(reason=reason, until=until, at=uow.clock.now())
        await _record_step(
            uow, station, StationSuspended, before, actor=actor, reason=reason, until=until
        )
        return station


async def resume_station(
    *,
    code: str | None = None,
    external_ref: str | None = None,
    operator: str | None = None,
    actor: str,
    reason: str,
    uow: StationsUnitOfWork,
) -> Station:
    """Reopen a suspended station."""
    async with uow:
        station = await find_station(uow, code=code, external_ref=external_ref, operator=operator)
        before = station.resume(at=uow.clock.now())
        await _record_step(uow, station, StationResumed, before, actor=actor, reason=reason)
        return station


SUSPENSION_ENDED = "暂停期满，自动恢复 / the suspension reached its until-date"
SYSTEM_ACTOR = "gonghui/stations"


async def end_due_suspensions(uow_factory: Callable[[], StationsUnitOfWork]) -> list[str]:
    """A suspension ends by itself at its until-date, announced like a manual resume.

    Every replica may run this at once: each station is claimed in its own transaction, and a
    station another replica already resumed is skipped. Returns the codes this call resumed.
    """
    async with uow_factory() as uow:
        due = await uow.stations.suspensions_due(uow.clock.now())
    resumed = []
    for code in due:
        uow = uow_factory()
        async with uow:
            now = uow.clock.now()
            if not await uow.stations.claim_due_suspension(code, now):
                continue
            station = await find_station(uow, code=code, lock=False)
            before = station.resume(at=now)
            await _record_step(
                uow, station, StationResumed, before, actor=SYSTEM_ACTOR, reason=SUSPENSION_ENDED
            )
            resumed.append(code)
    return resumed


async def exit_station(
    *,
    code: str | None = None,
    external_ref: str | None = None,
    operator: str | None = None,
    actor: str,
    reason: str,
    uow: StationsUnitOfWork,
) -> Station:
    """退出机制: retire a station; it stays in history and its code is never reused."""
    async with uow:
        station = await find_station(uow, code=code, external_ref=external_ref, operator=operator)
        before = station.exit(reason=reason, at=uow.clock.now())
        await _record_step(uow, station, StationExited, before, actor=actor, reason=reason)
        return station


@dataclass(frozen=True)
class NearbyHit:
    """One search result, with its opening at the time asked about."""

    code: str
    name: str
    status: str
    distance_m: float
    open_now: bool
    services: list[str]
    lat: float
    lon: float
    opening: Opening
    reinspection: str | None


class NearbyStations(Protocol):
    """Where the nearest search finds its candidates (the process's `NearbyIndex`)."""

    async def candidates_near(self, lat: float, lon: float, radius_m: float) -> list[Candidate]:
        """Stations that may lie within `radius_m` of the point (not exited, not test data)."""
        ...


async def find_nearby(
    stations: NearbyStations,
    *,
    lat: float,
    lon: float,
    radius_m: float,
    service: list[str] | None = None,
    open_now: bool = False,
    limit: int = 20,
    at: datetime,
) -> list[NearbyHit]:
    """Stations within `radius_m` of a point, nearest first; `open_now`: open at `at`."""
    candidates = await stations.candidates_near(lat, lon, radius_m)
    wanted = set(service or ())
    scored = []
    for c in candidates:
        if wanted and not wanted.issubset(c.services):
            continue
        meters = distance_m(lat, lon, c.lat, c.lon)
        if meters <= radius_m:
            scored.append((meters, c.code, c))
    scored.sort(key=lambda item: (item[0], item[1]))
    hits: list[NearbyHit] = []
    for meters, _, c in scored:
        if open_now and c.status != StationStatus.ACTIVE:
            continue
        # Open now is the station's state by its hours when it is active (never unknown).
        found = opening(
            status=c.status,
            open_hours=c.open_hours,
            lat=c.lat,
            lon=c.lon,
            at=at,
            suspended_until=c.suspended_until,
        )
        is_open = found.state == "open"
        if open_now and not is_open:
            continue
        hits.append(
            NearbyHit(
                c.code,
                c.name,
                c.status,
                meters,
                is_open,
                list(c.services),
                c.lat,
                c.lon,
                found,
                c.reinspection,
            )
        )
        if len(hits) == limit:
            break
    return hits


async def record_visit(
    *,
    code: str | None = None,
    external_ref: str | None = None,
    operator: str | None = None,
    worker_id: str,
    at: datetime,
    secret: str,
    uow: StationsUnitOfWork,
) -> bool:
    """A worker used a station: count the person-visit and, once a day, the worker."""
    async with uow:
        station = await find_station(
            uow, code=code, external_ref=external_ref, operator=operator, lock=False
        )
        if station.status is StationStatus.EXITED:
            raise InvalidTransition(f"station {station.code} has exited")
        ref, day = worker_ref(secret, worker_id), at.astimezone(SHANGHAI).date()
        first = await uow.visits.record(
            code=station.code, area_code=station.area_code, day=day, worker_ref=ref
        )
        await uow.presence.seen(
            worker_ref=ref,
            lat=station.lat,
            lon=station.lon,
            area_code=station.area_code,
            source="visit",
            day=day,
        )
        await uow.commit()
        return first


async def publish_activity(activity: Activity, *, uow: StationsUnitOfWork) -> Activity:
    """A station or city union publishes an activity."""
    async with uow:
        if activity.station_code is not None:
            station = await find_station(uow, code=activity.station_code, lock=False)
            if station.status is StationStatus.EXITED:
                raise InvalidTransition(f"station {station.code} has exited")
        else:
            area(activity.area_code)
        uow.activities.add(activity)
        uow.emit(
            ActivityPublished(
                activity_id=activity.id,
                title=activity.title,
                station_code=activity.station_code,
                area_code=activity.area_code,
                place=activity.place,
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
                capacity=activity.capacity,
                published_by=activity.published_by,
            ),
            subject=activity.id,
        )
        await uow.commit()
        return activity


async def sign_up(
    activity_id: str,
    *,
    worker_id: str,
    secret: str,
    uow: StationsUnitOfWork,
    recipient: str | None = None,
) -> tuple[SignupStatus, Activity]:
    """一键报名: a place if one is left, else the waitlist; signing up twice changes nothing.

    `recipient`: the signed-in worker's own id, told if a waitlisted place becomes theirs.
    """
    async with uow:
        activity = await _activity(uow, activity_id)
        ref = worker_ref(secret, worker_id)
        now = uow.clock.now()
        existing = await uow.activities.signup(activity_id, ref)
        if existing is not None and existing.status is not SignupStatus.CANCELLED:
            return existing.status, activity
        status = activity.status_for_new_signup(now)
        if existing is not None:
            existing.status, existing.queued_at = status, now
            existing.recipient = recipient
            await uow.activities.save_signup(existing)
        else:
            uow.activities.add_signup(activity_id, ref, status, now, recipient=recipient)
        if status is SignupStatus.CONFIRMED:
            activity.confirmed += 1
        else:
            activity.waitlisted += 1
        await uow.activities.save_counts(activity)
        _emit_step(uow, ActivitySignedUp, activity, ref, status, now)
        await uow.commit()
        return status, activity


async def cancel_signup(
    activity_id: str, *, worker_id: str, secret: str, uow: StationsUnitOfWork
) -> Activity:
    """A worker gives up a place (the longest-waiting worker moves up) or leaves the waitlist."""
    async with uow:
        activity = await _activity(uow, activity_id)
        ref = worker_ref(secret, worker_id)
        now = uow.clock.now()
        signup = await uow.activities.signup(activity_id, ref)
        if signup is None or signup.status is SignupStatus.CANCELLED:
            raise SignupRefused("no sign-up to cancel")
        if signup.status is SignupStatus.CHECKED_IN:
            raise SignupRefused("already checked in; nothing to cancel")
        was_confirmed = signup.status is SignupStatus.CONFIRMED
        signup.status = SignupStatus.CANCELLED
        await uow.activities.save_signup(signup)
        if was_confirmed:
            activity.confirmed -= 1
        else:
            activity.waitlisted -= 1
        promoted = None
        if was_confirmed and now < activity.ends_at:
            promoted = await uow.activities.first_waiting(activity_id)
            if promoted is not None:
                promoted.status = SignupStatus.CONFIRMED
                await uow.activities.save_signup(promoted)
                activity.confirmed += 1
                activity.waitlisted -= 1
        await uow.activities.save_counts(activity)
        _emit_step(uow, ActivitySignupCancelled, activity, ref, SignupStatus.CANCELLED, now)
        if promoted is not None:
            _emit_step(
                uow,
                ActivitySignupPromoted,
                activity,
                promoted.worker_ref,
                SignupStatus.CONFIRMED,
                now,
                recipient=promoted.recipient,
            )
        await uow.commit()
        return activity


async def check_in(
    activity_id: str, *, worker_id: str, secret: str, uow: StationsUnitOfWork
) -> Activity:
    """参与: a confirmed worker checks in on the day."""
    async with uow:
        activity = await _activity(uow, activity_id)
        ref = worker_ref(secret, worker_id)
        now = uow.clock.now()
        signup = await uow.activities.signup(activity_id, ref)
        if signup is None:
            raise SignupRefused("not signed up for this activity")
        activity.check_in_allowed(signup.status, now)
        signup.status, signup.checked_in_at = SignupStatus.CHECKED_IN, now
        await uow.activities.save_signup(signup)
        activity.checked_in += 1
        await uow.activities.save_counts(activity)
        _emit_step(uow, ActivityCheckedIn, activity, ref, SignupStatus.CHECKED_IN, now)
        await uow.commit()
        return activity


def assessment_stale(station: Station, now: datetime, *, max_age_days: int) -> bool:
    """Whether a station is due for a new six-point check."""
    return station.recheck_due(now, max_age=timedelta(days=max_age_days))


async def _activity(uow: StationsUnitOfWork, activity_id: str) -> Activity:
    activity = await uow.activities.get(activity_id, for_update=True)
    if activity is None:
        raise Missing(f"no activity {activity_id}")
    return activity


def _emit_step(
    uow: StationsUnitOfWork,
    event_type: type[SignupStep],
    activity: Activity,
    ref: str,
    status: SignupStatus,
    now: datetime,
    *,
    recipient: str | None = None,
) -> None:
    uow.emit(
        event_type(
            activity_id=activity.id,
            worker_ref=ref,
            status=status.value,
            confirmed=activity.confirmed,
            waitlisted=activity.waitlisted,
            at=now,
            title=activity.title,
            recipient=recipient,
        ),
        subject=activity.id,
    )


async def _record_step(
    uow: StationsUnitOfWork,
    station: Station,
    event_type: type[StationTransition],
    before: StationStatus,
    *,
    actor: str,
    reason: str,
    until: datetime | None = None,
) -> None:
    now = uow.clock.now()
    step = Transition(
        code=station.code,
        from_status=before.value,
        to_status=station.status.value,
        actor=actor,
        reason=reason,
        at=now,
        until=until,
    )
    await uow.stations.save(station)
    uow.stations.add_transition(step)
    extra = {"until": until} if until is not None else {}
    uow.emit(
        event_type(
            code=station.code,
            from_status=step.from_status,
            to_status=step.to_status,
            actor=actor,
            reason=reason,
            at=now,
            **extra,
        ),
        subject=station.code,
    )
    await uow.commit()


def _public_of(cmd: RegisterStation) -> dict[str, object]:
    lat, lon = to_wgs84(cmd.lat, cmd.lon, cmd.coord_system)
    return {
        "name": cmd.name,
        "address": cmd.address,
        "lat": lat,
        "lon": lon,
        "services": [str(s) for s in cmd.services],
        "open_hours": cmd.open_hours,
        "manager_name": cmd.manager_name,
        "manager_phone": cmd.manager_phone,
        "co_builders": list(cmd.co_builders),
        "funding_source": cmd.funding_source,
        "documents": cmd.documents.model_dump(),
    }


def _actor_of(operator: str | None, person: str | None) -> str:
    return partner_actor(operator, person) if operator else (person or "staff")


def _emit_updated(
    uow: StationsUnitOfWork, station: Station, changed: list[str], *, actor: str
) -> None:
    uow.emit(
        StationUpdated(
            code=station.code,
            changed=changed,
            name=station.name,
            lat=station.lat,
            lon=station.lon,
            services=station.services,
            open_hours=station.open_hours,
            actor=actor,
            address=station.address,
            area_code=station.area_code,
        ),
        subject=station.code,
    )
