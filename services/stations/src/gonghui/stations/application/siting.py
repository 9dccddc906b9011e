"""规划选址: where workers are, aggregated, and where no open station serves them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from gonghui.shared.clock import SHANGHAI
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.domain.areas import locate
from gonghui.stations.domain.geo import distance_m as metres_between
from gonghui.stations.domain.model import StationStatus
from gonghui.stations.domain.privacy import worker_ref
from gonghui.stations.domain.siting import Gap, centre_of

SEARCH_FACTOR = 3
"""How far beyond the distance the nearest station is still looked for, to report it."""


async def report_position(
    *, worker_id: str, lat: float, lon: float, secret: str, uow: StationsUnitOfWork
) -> str:
    """A worker's registered position (where they usually work): kept only as its grid cell.

    Returns the area the position lies in. A new report replaces the worker's previous one.
    """
    async with uow:
        area_code = locate(address="", lat=lat, lon=lon)
        await uow.presence.seen(
            worker_ref=worker_ref(secret, worker_id),
            lat=lat,
            lon=lon,
            area_code=area_code,
            source="position",
            day=uow.clock.now().astimezone(SHANGHAI).date(),
        )
        await uow.commit()
        return area_code


async def find_gaps(
    uow: StationsUnitOfWork,
    *,
    service: str | None,
    distance_m: float,
    area_code: str | None,
    k: int,
    window_days: int,
    limit: int,
    now: datetime,
) -> list[Gap]:
    """Cells with at least `k` workers and no active station with `service` within the distance.

    Cells are taken most workers first, so the first `limit` gaps found are the largest.
    """
    since = (now - timedelta(days=window_days)).astimezone(SHANGHAI).date()
    async with uow:
        crowded = await uow.presence.crowded(since=since, k=k, area_code=area_code)
        gaps: list[Gap] = []
        for cell in crowded:
            lat, lon = centre_of(cell.cell_lat, cell.cell_lon)
            reach = distance_m * SEARCH_FACTOR
            nearest = None
            for c in await uow.stations.candidates_near(lat, lon, reach):
                if c.status != StationStatus.ACTIVE or (service and service not in c.services):
                    continue
                meters = metres_between(lat, lon, c.lat, c.lon)
                if meters <= reach and (nearest is None or meters < nearest):
                    nearest = meters
            if nearest is None or nearest > distance_m:
                gaps.append(Gap(cell, nearest))
                if len(gaps) == limit:
                    break
    return gaps


async def forget_old_presence(
    uow_factory: Callable[[], StationsUnitOfWork], *, window_days: int
) -> int:
    """Presence older than the siting window is deleted (nothing is kept longer than needed)."""
    uow = uow_factory()
    async with uow:
        day = (uow.clock.now() - timedelta(days=window_days)).astimezone(SHANGHAI).date()
        gone = await uow.presence.forget_before(day)
        await uow.commit()
        return gone
