"""The HTTP API of the registry: public information, search, lifecycle, visits, activities."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, StringConstraints

from gonghui.shared.auth import Principal, Role, signed_in
from gonghui.shared.clock import SHANGHAI, Clock, local
from gonghui.shared.contracts.common import Day, DepartmentCode, Instant
from gonghui.shared.contracts.stations import (
    AREA_CODE,
    CoordSystem,
    PostedDocuments,
    RegisterStation,
    StationService,
    UpdateStation,
)
from gonghui.shared.envelope import new_event_id
from gonghui.shared.http import NotFound, QueryRoute
from gonghui.stations.adapters.nearby import NearbyIndex
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application import handlers as uc
from gonghui.stations.domain.activities import Activity
from gonghui.stations.domain.areas import UnknownArea, children, contains, full_name, locate
from gonghui.stations.domain.geo import wgs84_to_gcj02
from gonghui.stations.domain.model import Criterion, CriterionScore, Station
from gonghui.stations.domain.opening import Opening, opening
from gonghui.stations.domain.qr import QrRefused, check_code, current_code
from gonghui.stations.domain.vocabulary import REINSPECTION_LABELS, STATUS_LABELS, service_labels
from gonghui.stations.entrypoints.access import (
    Admin,
    AreaReader,
    Reader,
    Staff,
    actor_of,
    check_area,
    check_station,
)
from gonghui.stations.entrypoints.guard import PublicGuard
from gonghui.stations.settings import StationsSettings

Reason = Annotated[str, Field(min_length=2, max_length=500, description="Why (recorded).")]
CoordQuery = Annotated[
    CoordSystem, Query(description="Datum of coordinates in and out: `wgs84` or `gcj02`.")
]


class GeoJSONResponse(JSONResponse):
    """A JSON body announced as RFC 7946 GeoJSON."""

    media_type = "application/geo+json"


@contextmanager
def http_errors() -> Iterator[None]:
    """Refusals HTTP has no shared answer for: 403 not yours, 400 bad area or value.

    Unknown things (404) and steps the state forbids (409) are the shared `NotFound` and
    `Conflict`, which every service answers the same way.
    """
    try:
        yield
    except uc.NotYourStation as exc:
        raise HTTPException(403, str(exc)) from exc
    except (UnknownArea, ValueError) as exc:
        raise HTTPException(400, str(exc)) from exc


class RatingOut(BaseModel):
    """How workers rate a station."""

    count: int
    average: float | None = Field(description="Mean stars, 1 to 5; none before the first rating.")


class StationOut(BaseModel):
    """A station's public information (公示) and where it stands."""

    code: str = Field(
        description="Station code: area and number, e.g. `330482-0007` (older Fujian stations keep "
        "codes like `FJ-FZ-GL-0007`); never reused."
    )
    name: str
    address: str
    area_code: str = Field(description="GB/T 2260 area code.")
    lat: float = Field(description="Latitude in the requested datum (WGS-84 by default).")
    lon: float = Field(description="Longitude in the requested datum.")
    area_name: str = Field(description="The area's names from the province down, zh-CN.")
    services: list[str]
    service_labels: dict[str, str] = Field(description="Each service key with its zh-CN label.")
    open_hours: str = Field(description="OSM opening_hours.")
    open_now: bool = Field(description="Active and open by its hours now (never when unknown).")
    open_state: str = Field(description="`open`, `closed` or `unknown` now.")
    next_change: datetime | None = Field(
        description="When `open_state` changes next (+08:00), if within a week."
    )
    open_phrase: str = Field(description="For people, e.g. `营业中，20:00 关门`, `08:00 开门`.")
    manager_name: str
    manager_phone: str
    documents: dict[str, str | None] = Field(description="Posted documents (公示上墙).")
    status: str = Field(description="proposed, active, suspended or exited.")
    status_label: str = Field(description="The status in zh-CN, e.g. `运营中`.")
    status_reason: str | None
    suspended_until: datetime | None
    operator: str | None
    co_builders: list[str]
    funding_source: str | None
    compliant: bool = Field(description="Whether the latest six-point (六有) assessment passed.")
    reinspection: str | None = Field(
        description="动态管理: `open` (complaints called for one), `passed`, `failed`, or none."
    )
    reinspection_opened_at: datetime | None = Field(description="When it was opened (+08:00).")
    rating: RatingOut = Field(description="Workers' ratings (服务评价) of the station.")
    assessed_at: datetime | None
    map_verified_on: date | None = Field(description="When its map entry was last checked.")
    recheck_due: bool = Field(description="No assessment, or the latest is too old.")
    registered_at: datetime
    updated_at: datetime | None
    test_data: bool = Field(
        description="测试数据: registered by a sandbox department while rehearsing; never in "
        "search, exports or statistics."
    )


class NearbyStation(BaseModel):
    """One search hit, nearest first."""

    code: str
    name: str
    status: str
    status_label: str = Field(description="The status in zh-CN.")
    distance_m: float = Field(description="Great-circle distance from the search point, metres.")
    open_now: bool = Field(description="Open at the time asked about (`at`, default now).")
    open_state: str = Field(description="`open`, `closed` or `unknown` at that time.")
    next_change: datetime | None = Field(description="When that changes next (+08:00).")
    open_phrase: str = Field(description="For people, e.g. `营业中，20:00 关门`.")
    services: list[str]
    service_labels: dict[str, str] = Field(description="Each service key with its zh-CN label.")
    reinspection: str | None = Field(
        description="`failed` marks a station that failed its re-inspection; `open` one under it."
    )
    lat: float
    lon: float


class PlaceOut(BaseModel):
    """A station whose name or address mentions a typed place, where the place is."""

    code: str
    name: str
    address: str
    lat: float
    lon: float
    area_code: str


class NearbyPage(BaseModel):
    """Stations around a point."""

    at: datetime = Field(description="The time the opening states are for (+08:00).")
    items: list[NearbyStation]


class StaffRegistration(RegisterStation):
    """A station registered by union staff; `operator` names the partner that runs it, if any."""

    operator: DepartmentCode | None = None


class ManagedStation(BaseModel):
    """A station in the list of those someone manages."""

    code: str
    name: str
    address: str
    area_code: str
    operator: str | None
    status: str
    status_label: str = Field(description="The status in zh-CN.")
    open_state: str = Field(description="`open`, `closed` or `unknown` now.")
    open_phrase: str
    compliant: bool = Field(description="Passed the six-point (六有) assessment.")
    test_data: bool = Field(description="A sandbox department's rehearsal, not a real station.")


class ManagedPage(BaseModel):
    """A page of the stations someone manages."""

    items: list[ManagedStation]
    next_after: str | None = Field(description="The `after` of the next page, if there is one.")


class StaffUpdate(BaseModel):
    """Fields to change (absent ones stay)."""

    name: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    services: list[StationService] | None = None
    open_hours: str | None = None
    manager_name: str | None = None
    manager_phone: str | None = None
    co_builders: list[str] | None = None
    funding_source: str | None = None
    documents: PostedDocuments | None = None


class Step(BaseModel):
    """Why a lifecycle step is taken (who takes it comes from the token)."""

    reason: Reason


class Suspension(Step):
    """A temporary closure."""

    until: Instant = Field(description="Until when (RFC 3339 with a zone).")


class Score(BaseModel):
    """One criterion as found."""

    passed: bool
    note: str = Field("", max_length=1000)
    evidence: str | None = Field(None, max_length=500, description="A photo URL or reference.")


class AssessmentIn(BaseModel):
    """A six-point (六有) assessment (the assessor is the caller)."""

    criteria: dict[Criterion, Score] = Field(
        description="All six: sign, layout, facilities, services, rules, map_info."
    )
    map_verified_on: Day | None = Field(None, description="When the map entry was verified.")


class WorkerIn(BaseModel):
    """A worker, by the id on their QR code or app account (hashed on arrival, never stored)."""

    worker_id: str = Field(min_length=1, max_length=100)


class VisitIn(WorkerIn):
    """A check-in at a station, proven by the token of the station's QR code."""

    token: str = Field(
        min_length=3, max_length=100, description="The `t` of the scanned QR code's URL."
    )


class QrOut(BaseModel):
    """What a station prints or shows on its screen."""

    code: str
    token: str = Field(description="The current token; it rotates every `rotation_s` seconds.")
    url: str = Field(description="What the QR code encodes: `{front}/s/{code}?t=<token>`.")
    valid_from: datetime = Field(description="When this token started (+08:00).")
    valid_until: datetime = Field(
        description="When the next token replaces it (+08:00); still accepted `grace_s` after."
    )
    rotation_s: int
    grace_s: int


class ActivityIn(BaseModel):
    """An activity to publish: by a station (`station_code`) or a city union (`area_code`)."""

    title: str = Field(min_length=2, max_length=120)
    description: str = Field("", max_length=5000)
    station_code: str | None = None
    area_code: str | None = Field(None, pattern=AREA_CODE)
    place: str = Field(min_length=2, max_length=300)
    starts_at: Instant
    ends_at: Instant
    capacity: int = Field(ge=1, le=100_000)


class ActivityOut(BaseModel):
    """An activity with its counts (一键预览)."""

    id: str
    title: str
    description: str
    station_code: str | None
    area_code: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    places_left: int
    confirmed: int
    waitlisted: int
    checked_in: int
    published_by: str


def stations_router(
    uow_factory: Callable[[], StationsUnitOfWork],
    clock: Clock,
    settings: StationsSettings,
    guard: PublicGuard,
    nearby_index: NearbyIndex,
) -> APIRouter:
    """Routes of the registry."""
    router = APIRouter(tags=["stations"])
    secret = settings.worker_id_secret

    async def out(station: Station, system: CoordSystem) -> StationOut:
        async with uow_factory() as uow:
            totals = await uow.feedback.totals(code=station.code)
        lat, lon = _coords(station.lat, station.lon, system)
        now = clock.now()
        found = _opening_of(station, now)
        values = {n: getattr(station, n) for n in StationOut.model_fields if hasattr(station, n)}
        values.update(
            lat=lat,
            lon=lon,
            area_name=full_name(station.area_code),
            status=station.status.value,
            status_label=STATUS_LABELS[station.status.value],
            service_labels=service_labels(station.services),
            open_now=found.state == "open",
            open_state=found.state,
            next_change=found.next_change,
            open_phrase=found.phrase,
            recheck_due=uc.assessment_stale(
                station, now, max_age_days=settings.assessment_max_age_days
            ),
            rating=RatingOut(count=totals.ratings, average=totals.rating_average),
            **{
                name: local(getattr(station, name))
                for name in (
                    "suspended_until",
                    "assessed_at",
                    "registered_at",
                    "updated_at",
                    "reinspection_opened_at",
                )
            },
        )
        return StationOut(**values)

    async def station_for(code: str, principal: Principal) -> Station:
        """The station, if it exists and the caller may act on it (404, 403)."""
        async with uow_factory() as uow:
            station = await uow.stations.get(code)
        if station is None:
            raise NotFound(f"no station {code}")
        check_station(principal, station)
        return station

    async def nearby(
        lat: Annotated[float, Query(ge=-90, le=90, description="Latitude of the search point.")],
        lon: Annotated[float, Query(ge=-180, le=180, description="Longitude.")],
        radius_m: Annotated[float, Query(gt=0, le=50_000)] = 2_000,
        service: Annotated[
            list[StationService] | None, Query(description="Only stations offering all of these.")
        ] = None,
        open_now: Annotated[
            bool, Query(description="Only active stations open at `at` (default: now).")
        ] = False,
        at: Annotated[
            Instant | None,
            Query(description="The time to plan for, ISO 8601 with +08:00 or Z (default: now)."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
        coord_system: CoordQuery = CoordSystem.WGS84,
    ) -> Response:
        lat, lon = uc.to_wgs84(lat, lon, coord_system)
        when = at or clock.now()
        hits = await uc.find_nearby(
            nearby_index,
            lat=lat,
            lon=lon,
            radius_m=radius_m,
            service=[str(s) for s in service or ()],
            open_now=open_now,
            limit=limit,
            at=when,
        )
        items = []
        for hit in hits:
            lat, lon = _coords(hit.lat, hit.lon, coord_system)
            items.append(
                # Built from our own values, not input: constructed and serialized without a
                # second validation (the hottest public route; the schema stays NearbyPage).
                NearbyStation.model_construct(
                    code=hit.code,
                    name=hit.name,
                    status=hit.status,
                    status_label=STATUS_LABELS[hit.status],
                    distance_m=round(hit.distance_m, 1),
                    open_now=hit.open_now,
                    open_state=hit.opening.state,
                    next_change=hit.opening.next_change,
                    open_phrase=hit.opening.phrase,
                    services=hit.services,
                    service_labels=service_labels(hit.services),
                    reinspection=hit.reinspection,
                    lat=lat,
                    lon=lon,
                )
            )
        page = NearbyPage.model_construct(at=local(when), items=items)
        return Response(page.model_dump_json(), media_type="application/json")

    # The hottest public route: its eight query values are read by a plan made once.
    router.add_api_route(
        "/stations",
        nearby,
        methods=["GET"],
        summary="Stations near a point, nearest first",
        response_model=NearbyPage,
        route_class_override=QueryRoute,
    )

    @router.get(
        "/stations.geojson",
        summary="Every station not exited, as RFC 7946 GeoJSON",
        response_class=GeoJSONResponse,
    )
    async def geojson() -> GeoJSONResponse:
        async with uow_factory() as uow:
            stations = await uow.stations.every()
        now = clock.now()
        openings = {s.code: _opening_of(s, now) for s in stations}
        features = [
            {
                "type": "Feature",
                "id": s.code,
                "geometry": {"type": "Point", "coordinates": [round(s.lon, 7), round(s.lat, 7)]},
                "properties": {
                    "code": s.code,
                    "name": s.name,
                    "address": s.address,
                    "status": s.status.value,
                    "status_label": STATUS_LABELS[s.status.value],
                    "services": s.services,
                    "service_labels": service_labels(s.services),
                    "open_hours": s.open_hours,
                    "open_now": openings[s.code].state == "open",
                    "open_state": openings[s.code].state,
                    "open_phrase": openings[s.code].phrase,
                    "reinspection": s.reinspection,
                    "compliant": s.compliant,
                    "manager_name": s.manager_name,
                    "manager_phone": s.manager_phone,
                    "area_code": s.area_code,
                    "operator": s.operator,
                },
            }
            for s in stations
        ]
        return GeoJSONResponse({"type": "FeatureCollection", "features": features})

    @router.get("/places", summary="Where a typed landmark or street is: stations mentioning it")
    async def places(
        q: Annotated[
            str,
            Query(
                min_length=2,
                max_length=40,
                description="A landmark or street, e.g. `东街口` or `五四路`.",
            ),
        ],
        area_code: Annotated[
            list[Annotated[str, StringConstraints(pattern=r"^\d{6}$")]] | None,
            Query(max_length=20, description="Only inside these areas (repeat the parameter)."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=20)] = 5,
    ) -> list[PlaceOut]:
        async with uow_factory() as uow:
            found = await uow.stations.mentioning(q.strip(), area_codes=area_code, limit=limit)
        return [PlaceOut(**vars(place)) for place in found]

    @router.post("/stations", status_code=201, summary="Register a station (union staff)")
    async def register(body: StaffRegistration, principal: Staff) -> StationOut:
        operator = body.operator
        if principal.role is Role.PARTNER:
            if principal.department is None or operator not in (None, principal.department):
                raise HTTPException(
                    403,
                    "合作单位只能登记自己运营的站点 / "
                    "a partner registers only stations it operates",
                )
            operator = principal.department
        with http_errors():
            lat, lon = uc.to_wgs84(body.lat, body.lon, body.coord_system)
            check_area(principal, body.area_code or locate(address=body.address, lat=lat, lon=lon))
            station = await uc.register_station(
                body, operator=operator, actor=actor_of(principal), uow=uow_factory()
            )
        return await out(station, CoordSystem.WGS84)

    @router.get(
        "/managed-stations",
        summary="The stations the caller manages: a partner's own, an admin's area's, by code",
    )
    async def managed(
        principal: Staff,
        q: Annotated[
            str | None,
            Query(max_length=40, description="Words in a name, an address or a code."),
        ] = None,
        after: Annotated[
            str | None, Query(max_length=40, description="The page after this station code.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> ManagedPage:
        operator = principal.department if principal.role is Role.PARTNER else None
        if principal.role is Role.PARTNER and operator is None:
            return ManagedPage(items=[], next_after=None)  # a partner of no unit runs nothing
        async with uow_factory() as uow:
            found = await uow.stations.managed(
                operator=operator,
                area_code=principal.area,
                words=(q or "").strip() or None,
                after=after,
                limit=limit,
            )
        now = clock.now()
        items = [_managed(station, _opening_of(station, now)) for station in found]
        return ManagedPage(items=items, next_after=found[-1].code if len(found) == limit else None)

    @router.get("/stations/{code}", summary="One station's public information")
    async def get_station(code: str, coord_system: CoordQuery = CoordSystem.WGS84) -> StationOut:
        async with uow_factory() as uow:
            station = await uow.stations.get(code)
        if station is None:
            raise NotFound(f"no station {code}")
        return await out(station, coord_system)

    @router.patch("/stations/{code}", summary="Change public information")
    async def update(
        code: str, body: StaffUpdate, principal: Staff, coord_system: CoordQuery = CoordSystem.WGS84
    ) -> StationOut:
        await station_for(code, principal)
        fields = body.model_dump(exclude_none=True)
        with http_errors():
            cmd = UpdateStation.model_validate(
                {**fields, "code": code, "coord_system": coord_system}
            )
            station = await uc.update_station(
                cmd, operator=None, actor=actor_of(principal), uow=uow_factory()
            )
        return await out(station, coord_system)

    @router.post("/stations/{code}/assessments", status_code=201, summary="Six-point assessment")
    async def assess(code: str, body: AssessmentIn, principal: Admin) -> dict[str, Any]:
        await station_for(code, principal)
        with http_errors():
            assessment = await uc.assess_station(
                code,
                assessor=actor_of(principal),
                scores={c: CriterionScore(**s.model_dump()) for c, s in body.criteria.items()},
                map_verified_on=body.map_verified_on,
                uow=uow_factory(),
            )
        return {"id": assessment.id, "passed": assessment.passed, "failed": assessment.failed}

    @router.get("/stations/{code}/assessments", summary="Assessments, latest first")
    async def assessments(code: str, principal: Reader) -> list[dict[str, Any]]:
        await station_for(code, principal)
        async with uow_factory() as uow:
            found = await uow.stations.assessments(code)
        return [
            {
                "id": a.id,
                "assessor": a.assessor,
                "passed": a.passed,
                "failed": a.failed,
                "criteria": {c.value: vars(s) for c, s in a.scores.items()},
                "map_verified_on": a.map_verified_on,
                "assessed_at": local(a.assessed_at),
            }
            for a in found
        ]

    @router.post("/stations/{code}/activate", summary="挂牌: proposed -> active (needs 六有)")
    async def activate(code: str, body: Step, principal: Admin) -> StationOut:
        await station_for(code, principal)
        with http_errors():
            station = await uc.activate_station(
                code, actor=actor_of(principal), reason=body.reason, uow=uow_factory()
            )
        return await out(station, CoordSystem.WGS84)

    @router.post("/stations/{code}/suspend", summary="active -> suspended until a date")
    async def suspend(code: str, body: Suspension, principal: Staff) -> StationOut:
        await station_for(code, principal)
        with http_errors():
            station = await uc.suspend_station(
                code=code,
                actor=actor_of(principal),
                reason=body.reason,
                until=body.until,
                uow=uow_factory(),
            )
        return await out(station, CoordSystem.WGS84)

    @router.post("/stations/{code}/resume", summary="suspended -> active")
    async def resume(code: str, body: Step, principal: Staff) -> StationOut:
        await station_for(code, principal)
        with http_errors():
            station = await uc.resume_station(
                code=code, actor=actor_of(principal), reason=body.reason, uow=uow_factory()
            )
        return await out(station, CoordSystem.WGS84)

    @router.post("/stations/{code}/exit", summary="退出: -> exited, for good")
    async def exit_(code: str, body: Step, principal: Staff) -> StationOut:
        await station_for(code, principal)
        with http_errors():
            station = await uc.exit_station(
                code=code, actor=actor_of(principal), reason=body.reason, uow=uow_factory()
            )
        return await out(station, CoordSystem.WGS84)

    @router.get("/stations/{code}/history", summary="Every lifecycle step, oldest first")
    async def history(code: str, principal: Reader) -> list[dict[str, Any]]:
        await station_for(code, principal)
        async with uow_factory() as uow:
            steps = await uow.stations.transitions(code)
        return [{**vars(step), "at": local(step.at), "until": local(step.until)} for step in steps]

    @router.get("/stations/{code}/qr", summary="The station's current QR code (its staff)")
    async def qr(code: str, principal: Staff) -> QrOut:
        await station_for(code, principal)
        shown = current_code(
            settings.qr_secret, code, at=clock.now(), rotation_s=settings.qr_rotation_s
        )
        front = settings.front_url.rstrip("/")
        return QrOut(
            code=code,
            token=shown.token,
            url=f"{front}/s/{quote(code)}?t={quote(shown.token)}",
            valid_from=local(shown.valid_from),
            valid_until=local(shown.valid_until),
            rotation_s=settings.qr_rotation_s,
            grace_s=settings.qr_grace_s,
        )

    @router.post(
        "/stations/{code}/visits",
        status_code=201,
        summary="QR check-in at a station",
        responses={403: {"description": "The QR code is not this station's, or has expired."}},
    )
    async def check_in_visit(code: str, body: VisitIn, request: Request) -> dict[str, Any]:
        await guard.admit(request, kind="public", worker_id=body.worker_id)
        try:
            check_code(
                settings.qr_secret,
                code,
                body.token,
                at=clock.now(),
                rotation_s=settings.qr_rotation_s,
                grace_s=settings.qr_grace_s,
            )
        except QrRefused as exc:
            raise HTTPException(403, str(exc)) from exc
        with http_errors():
            first = await uc.record_visit(
                code=code,
                worker_id=body.worker_id,
                at=clock.now(),
                secret=secret,
                uow=uow_factory(),
            )
        return {"code": code, "first_today": first}

    @router.get("/stations/{code}/visits", summary="Visits per day (Asia/Shanghai)")
    async def visits(
        code: str, principal: Reader, since: date | None = None, until: date | None = None
    ) -> list[dict[str, Any]]:
        await station_for(code, principal)
        until = until or clock.now().astimezone(SHANGHAI).date()
        since = since or until - timedelta(days=30)
        async with uow_factory() as uow:
            days = await uow.visits.days(code, since, until)
        return [
            {"day": d.day, "visits": d.visits, "unique_workers": d.unique_workers} for d in days
        ]

    @router.get("/areas/{area_code}/totals", summary="Stations, coverage and visits in an area")
    async def area_totals(
        area_code: str, principal: AreaReader, since: date | None = None, until: date | None = None
    ) -> dict[str, Any]:
        check_area(principal, area_code)
        until = until or clock.now().astimezone(SHANGHAI).date()
        since = since or until - timedelta(days=30)
        with http_errors():
            parts = children(area_code)
        async with uow_factory() as uow:
            by_status, active_by_area = await uow.stations.counts_in(area_code)
            visit_totals = await uow.visits.totals_by_area(since, until)
            feedback = await uow.feedback.totals(area_code=area_code)
            reinspections = await uow.stations.reinspections_in(area_code)
        covered = [p.code for p in parts if any(contains(p.code, code) for code in active_by_area)]
        inside = [v for code, v in visit_totals.items() if contains(area_code, code)]
        return {
            "area_code": area_code,
            "since": since,
            "until": until,
            "stations": by_status,
            "active_stations": sum(active_by_area.values()),
            "coverage": {
                "parts": len(parts),
                "parts_with_active_station": len(covered),
                "ratio": round(len(covered) / len(parts), 3) if parts else None,
            },
            "visits": sum(v[0] for v in inside),
            "worker_days": sum(v[1] for v in inside),
            "stations_visited": sum(v[2] for v in inside),
            "feedback": vars(feedback),
            "reinspections": {state: reinspections.get(state, 0) for state in REINSPECTION_LABELS},
        }

    @router.post("/activities", status_code=201, summary="Publish an activity")
    async def publish(body: ActivityIn, principal: Staff) -> ActivityOut:
        with http_errors():
            area_code = body.area_code
            if body.station_code is not None:
                area_code = (await station_for(body.station_code, principal)).area_code
            elif principal.role is Role.PARTNER:
                raise HTTPException(
                    403,
                    "合作单位只能为自己运营的站点发布活动 / a partner publishes activities "
                    "only for a station it operates (give `station_code`)",
                )
            if area_code is None:
                raise ValueError("give `station_code` or `area_code`")
            check_area(principal, area_code)
            activity = Activity(
                id=new_event_id(),
                title=body.title,
                description=body.description,
                station_code=body.station_code,
                area_code=area_code,
                place=body.place,
                starts_at=body.starts_at,
                ends_at=body.ends_at,
                capacity=body.capacity,
                published_by=actor_of(principal),
                published_at=clock.now(),
            )
            await uc.publish_activity(activity, uow=uow_factory())
        return _activity_out(activity)

    @router.get("/activities", summary="Activities not yet over, soonest first (一键预览)")
    async def activities(
        station_code: str | None = None, area_code: str | None = None
    ) -> list[ActivityOut]:
        async with uow_factory() as uow:
            found = await uow.activities.listing(
                station_code=station_code, area_code=area_code, ends_after=clock.now()
            )
        return [_activity_out(a) for a in found]

    @router.get("/activities/{activity_id}", summary="One activity and its counts")
    async def activity(activity_id: str) -> ActivityOut:
        async with uow_factory() as uow:
            found = await uow.activities.get(activity_id)
        if found is None:
            raise NotFound(f"no activity {activity_id}")
        return _activity_out(found)

    @router.post("/activities/{activity_id}/signups", summary="一键报名: sign up (or waitlist)")
    async def sign_up(
        activity_id: str,
        body: WorkerIn,
        request: Request,
        caller: Annotated[Principal | None, Depends(signed_in)],
    ) -> dict[str, Any]:
        await guard.admit(request, kind="public", worker_id=body.worker_id)
        with http_errors():
            status, found = await uc.sign_up(
                activity_id,
                worker_id=body.worker_id,
                secret=secret,
                uow=uow_factory(),
                recipient=caller.sub if caller is not None else None,
            )
        return {"status": status.value, "activity": _activity_out(found)}

    @router.post("/activities/{activity_id}/cancellations", summary="Cancel a sign-up")
    async def cancel(activity_id: str, body: WorkerIn, request: Request) -> ActivityOut:
        await guard.admit(request, kind="public", worker_id=body.worker_id)
        with http_errors():
            found = await uc.cancel_signup(
                activity_id, worker_id=body.worker_id, secret=secret, uow=uow_factory()
            )
        return _activity_out(found)

    @router.post("/activities/{activity_id}/check-ins", summary="Check in on the day")
    async def check_in(activity_id: str, body: WorkerIn, request: Request) -> ActivityOut:
        await guard.admit(request, kind="public", worker_id=body.worker_id)
        with http_errors():
            found = await uc.check_in(
                activity_id, worker_id=body.worker_id, secret=secret, uow=uow_factory()
            )
        return _activity_out(found)

    return router


def _coords(lat: float, lon: float, system: CoordSystem) -> tuple[float, float]:
    return wgs84_to_gcj02(lat, lon) if system is CoordSystem.GCJ02 else (lat, lon)


def _activity_out(a: Activity) -> ActivityOut:
    values = {n: getattr(a, n) for n in ActivityOut.model_fields if n != "places_left"}
    values.update(starts_at=local(a.starts_at), ends_at=local(a.ends_at))
    return ActivityOut(**values, places_left=max(0, a.capacity - a.confirmed))


def _managed(station: Station, now: Opening) -> ManagedStation:
    """A station as the list of those someone manages shows it (`now`: whether it is open)."""
    same = ("code", "name", "address", "area_code", "operator", "compliant", "test_data")
    return ManagedStation(
        **{name: getattr(station, name) for name in same},
        status=station.status.value,
        status_label=STATUS_LABELS[station.status.value],
        open_state=now.state,
        open_phrase=now.phrase,
    )


def _opening_of(station: Station, at: datetime) -> Opening:
    return opening(
        status=station.status.value,
        open_hours=station.open_hours,
        lat=station.lat,
        lon=station.lon,
        at=at,
        suspended_until=station.suspended_until,
    )
