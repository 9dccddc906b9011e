"""The public HTTP API of the registry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gonghui.shared.clock import Clock
from gonghui.shared.http import NotFound
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.domain.geo import distance_m


class StationOut(BaseModel):
    """A station's public information (公示)."""

    code: str = Field(description="Station code, e.g. `GH-000007`.")
    name: str
    address: str
    lat: float = Field(description="Latitude, WGS-84.")
    lon: float = Field(description="Longitude, WGS-84.")
    services: list[str]
    open_hours: str = Field(description="OSM opening_hours.")
    open_now: bool = Field(description="Whether the hours say it is open now (Asia/Shanghai).")
    manager_name: str
    manager_phone: str
    status: str
    operator: str | None
    registered_at: datetime


class NearbyStation(BaseModel):
    """One search hit, nearest first."""

    code: str
    name: str
    status: str
    distance_m: float = Field(description="Great-circle distance from the search point, metres.")
    open_now: bool
    services: list[str]


class NearbyPage(BaseModel):
    """Stations around a point."""

    items: list[NearbyStation]


def stations_router(uow_factory: Callable[[], StationsUnitOfWork], clock: Clock) -> APIRouter:
    """Routes for reading the registry."""
    router = APIRouter(prefix="/stations", tags=["stations"])

    @router.get("", summary="Stations near a point, nearest first")
    async def nearby(
        lat: Annotated[float, Query(ge=-90, le=90, description="Latitude, WGS-84.")],
        lon: Annotated[float, Query(ge=-180, le=180, description="Longitude, WGS-84.")],
        radius_m: Annotated[float, Query(gt=0, le=50_000)] = 2_000,
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
    ) -> NearbyPage:
        async with uow_factory() as uow:
            candidates = await uow.stations.within_box(lat, lon, radius_m)
        now = clock.now()
        hits = sorted(
            (
                (distance_m(lat, lon, station.lat, station.lon), station)
                for station in candidates
            ),
            key=lambda pair: pair[0],
        )
        return NearbyPage(
            items=[
                NearbyStation(
                    code=station.code,
                    name=station.name,
                    status=station.status.value,
                    distance_m=round(meters, 1),
                    open_now=station.is_open(now),
                    services=station.services,
                )
                for meters, station in hits
                if meters <= radius_m
            ][:limit]
        )

    @router.get("/{code}", summary="One station's public information")
    async def get_station(code: str) -> StationOut:
        async with uow_factory() as uow:
            station = await uow.stations.get(code)
        if station is None:
            raise NotFound(f"no station {code}")
        return StationOut(
            **{name: getattr(station, name) for name in StationOut.model_fields if name not in ("open_now", "status")},
            status=station.status.value,
            open_now=station.is_open(clock.now()),
        )

    return router
