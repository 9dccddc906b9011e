"""规划选址 over HTTP: workers' registered positions in, aggregated gaps out (JSON and GeoJSON)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from gonghui.shared.auth import Principal, Role, require
from gonghui.shared.clock import Clock
from gonghui.shared.contracts.stations import CoordSystem, StationService
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import to_wgs84
from gonghui.stations.application.siting import find_gaps, report_position
from gonghui.stations.domain.areas import UnknownArea, area, full_name
from gonghui.stations.domain.siting import CELL_DEGREES, Gap, centre_of, ring_of
from gonghui.stations.domain.vocabulary import SERVICE_LABELS
from gonghui.stations.entrypoints.access import AreaReader, check_area
from gonghui.stations.entrypoints.guard import PublicGuard
from gonghui.stations.entrypoints.http import GeoJSONResponse
from gonghui.stations.settings import StationsSettings

# A worker reports their own position; a partner (a delivery platform) its workers'.
Reporter = Annotated[Principal, Depends(require(Role.WORKER, Role.PARTNER))]


Service = Annotated[
    StationService | None, Query(description="Only stations offering it count as serving.")
]
Distance = Annotated[
    float, Query(gt=0, le=20_000, description="Farther than this from such a station, metres.")
]
Area = Annotated[
    str | None,
    Query(pattern=r"^\d{6}$", description="Only cells in this area (default: the caller's)."),
]
Limit = Annotated[int, Query(ge=1, le=1000)]


class PositionIn(BaseModel):
    """Where a worker usually works (注册位置); kept only as a ~1 km grid cell."""

    lat: float = Field(ge=-90, le=90, strict=True)
    lon: float = Field(ge=-180, le=180, strict=True)
    coord_system: CoordSystem = CoordSystem.WGS84
    worker_id: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The worker, for a partner's report; a worker's own token names them.",
    )


class PositionReceipt(BaseModel):
    """What was kept."""

    area_code: str = Field(description="The area the position lies in.")
    cell_degrees: float = Field(description="The grid the position was rounded to.")


class GapOut(BaseModel):
    """A grid cell with workers and no open station with the service within the distance."""

    cell: str = Field(description="`<lat index>:<lon index>` of the 0.01° grid.")
    lat: float = Field(description="The cell's centre (WGS-84).")
    lon: float
    workers: int = Field(description="Distinct workers seen in the cell within the window (≥ k).")
    nearest_station_m: float | None = Field(
        description="The nearest open station with the service, if within 3 × distance_m."
    )
    area_code: str
    area_name: str


class GapsOut(BaseModel):
    """Where the next station should go, largest gaps first."""

    service: str | None
    service_label: str | None
    distance_m: float
    area_code: str | None
    k: int = Field(description="Cells with fewer workers are never shown.")
    window_days: int
    cell_degrees: float
    gaps: list[GapOut]


def siting_router(
    uow_factory: Callable[[], StationsUnitOfWork],
    clock: Clock,
    settings: StationsSettings,
    guard: PublicGuard,
) -> APIRouter:
    """Routes of siting."""
    router = APIRouter(tags=["siting"])

    @router.post(
        "/workers/positions",
        status_code=201,
        summary="A worker's registered position (their app or their platform reports it)",
    )
    async def position(body: PositionIn, principal: Reporter, request: Request) -> PositionReceipt:
        if principal.role is Role.WORKER:
            worker_id = principal.sub
        elif body.worker_id is None:
            raise HTTPException(
                422, "合作单位上报位置需给出 worker_id / a partner names the worker (`worker_id`)"
            )
        else:
            worker_id = f"{principal.department}:{body.worker_id}"
        await guard.admit(request, kind="public", worker_id=worker_id)
        lat, lon = to_wgs84(body.lat, body.lon, body.coord_system)
        area_code = await report_position(
            worker_id=worker_id,
            lat=lat,
            lon=lon,
            secret=settings.worker_id_secret,
            uow=uow_factory(),
        )
        return PositionReceipt(area_code=area_code, cell_degrees=CELL_DEGREES)

    async def gaps_for(
        principal: Principal,
        service: StationService | None,
        distance_m: float,
        area_code: str | None,
        limit: int,
    ) -> tuple[str | None, list[Gap]]:
        scope = area_code or principal.area
        if scope is not None:
            try:
                area(scope)
            except UnknownArea as exc:
                raise HTTPException(400, str(exc)) from exc
            check_area(principal, scope)
        found = await find_gaps(
            uow_factory(),
            service=service.value if service else None,
            distance_m=distance_m,
            area_code=scope,
            k=settings.siting_min_workers,
            window_days=settings.siting_window_days,
            limit=limit,
            now=clock.now(),
        )
        return scope, found

    @router.get("/siting/gaps", summary="Where workers are far from an open station with a service")
    async def gaps(
        principal: AreaReader,
        service: Service = None,
        distance_m: Distance = 1000,
        area_code: Area = None,
        limit: Limit = 50,
    ) -> GapsOut:
        scope, found = await gaps_for(principal, service, distance_m, area_code, limit)
        return GapsOut(
            service=service.value if service else None,
            service_label=SERVICE_LABELS[service.value] if service else None,
            distance_m=distance_m,
            area_code=scope,
            k=settings.siting_min_workers,
            window_days=settings.siting_window_days,
            cell_degrees=CELL_DEGREES,
            gaps=[_gap_out(g) for g in found],
        )

    @router.get(
        "/siting/gaps.geojson",
        summary="The same gaps as RFC 7946 GeoJSON for a map",
        response_class=GeoJSONResponse,
    )
    async def gaps_geojson(
        principal: AreaReader,
        service: Service = None,
        distance_m: Distance = 1000,
        area_code: Area = None,
        limit: Limit = 200,
    ) -> GeoJSONResponse:
        _, found = await gaps_for(principal, service, distance_m, area_code, limit)
        features: list[dict[str, Any]] = []
        for rank, gap in enumerate(found, start=1):
            shown = _gap_out(gap)
            features.append(
                {
                    "type": "Feature",
                    "id": shown.cell,
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [ring_of(gap.cell.cell_lat, gap.cell.cell_lon)],
                    },
                    "properties": {**shown.model_dump(), "rank": rank},
                }
            )
        return GeoJSONResponse({"type": "FeatureCollection", "features": features})

    return router


def _gap_out(gap: Gap) -> GapOut:
    lat, lon = centre_of(gap.cell.cell_lat, gap.cell.cell_lon)
    return GapOut(
        cell=f"{gap.cell.cell_lat}:{gap.cell.cell_lon}",
        lat=round(lat, 6),
        lon=round(lon, 6),
        workers=gap.cell.workers,
        nearest_station_m=round(gap.nearest_m, 1) if gap.nearest_m is not None else None,
        area_code=gap.cell.area_code,
        area_name=full_name(gap.cell.area_code),
    )
