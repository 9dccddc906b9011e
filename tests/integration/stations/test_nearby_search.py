"""The nearest search returns exactly what a scan of every station would, nearest first."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.stations.adapters.orm import StationRow
from gonghui.stations.adapters.repositories import lat_band
from gonghui.stations.application.handlers import find_nearby
from gonghui.stations.domain.geo import distance_m
from gonghui.stations.domain.model import open_at

SERVICES = ["drinking_water", "rest", "toilet", "charging", "heating", "wifi"]
HOURS = [
    "24/7",
    "Mo-Fr 08:00-18:00",
    "Mo-Su 07:00-21:00",
    "Sa,Su 10:00-16:00",
    "Mo-Su 12:00-13:00",
    "Mo-Su 08:00-20:00; PH off",
    "Mo-Su 08:00+",
    "sunrise-sunset",
    "Mo-Fr 08:00-18:00 || unknown",
]
TIMES = [
    datetime(2026, 11, 28, 4, 30, tzinfo=UTC),  # Saturday 12:30 in Shanghai
    datetime(2026, 10, 5, 13, 0, tzinfo=UTC),  # 21:00 on an in-lieu day of National Day
    datetime(2026, 11, 30, 9, 15, tzinfo=UTC),  # Monday 17:15, before sunset
]
STATUSES = ["active"] * 6 + ["proposed", "suspended", "exited"]
AT = datetime(2026, 11, 28, 4, 30, tzinfo=UTC)  # Saturday 12:30 in Shanghai


def random_rows(rng: random.Random, n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        lat, lon = rng.uniform(25.95, 26.20), rng.uniform(119.15, 119.45)
        rows.append(
            {
                "code": f"T-{i:05d}",
                "external_ref": f"T-{i}",
                "operator": None,
                "name": f"驿站{i}",
                "address": "福州市",
                "lat": lat,
                "lon": lon,
                "lat_band": lat_band(lat),
                "services": rng.sample(SERVICES, rng.randint(1, 4)),
                "open_hours": rng.choice(HOURS),
                "manager_name": "站长",
                "manager_phone": "13800138000",
                "area_code": "350100",
                "co_builders": [],
                "documents": {},
                "status": rng.choice(STATUSES),
                "compliant": True,
                "registered_at": AT,
            }
        )
    return rows


def brute_force(rows, lat, lon, radius_m, service, open_now, limit, at):  # type: ignore[no-untyped-def]
    hits = []
    for r in rows:
        if r["status"] == "exited" or not set(service) <= set(r["services"]):
            continue
        meters = distance_m(lat, lon, r["lat"], r["lon"])
        is_open = r["status"] == "active" and open_at(
            r["open_hours"], at, lat=r["lat"], lon=r["lon"]
        )
        if meters <= radius_m and (is_open or not open_now):
            hits.append((meters, r["code"]))
    return [code for _, code in sorted(hits)[:limit]]


@pytest.mark.parametrize("seed", [1, 2])
async def test_search_matches_brute_force_on_random_stations(
    seed: int, stations_engine: AsyncEngine, stations_uow
) -> None:
    rng = random.Random(seed)
    rows = random_rows(rng, 3000)
    async with stations_engine.begin() as connection:
        await connection.execute(insert(StationRow), rows)
    for _ in range(40):
        lat, lon = rng.uniform(25.93, 26.22), rng.uniform(119.13, 119.47)
        radius = rng.choice([300, 1000, 2500, 8000])
        service = rng.sample(SERVICES, rng.choice([0, 0, 1, 2]))
        open_now = rng.random() < 0.5
        limit = rng.choice([1, 5, 20, 200])
        at = rng.choice(TIMES)
        found = await find_nearby(
            stations_uow(),
            lat=lat,
            lon=lon,
            radius_m=radius,
            service=service,
            open_now=open_now,
            limit=limit,
            at=at,
        )
        assert [h.code for h in found] == brute_force(
            rows, lat, lon, radius, service, open_now, limit, at
        )
        assert all(a.distance_m <= b.distance_m for a, b in pairwise(found))
        assert all(h.open_now and h.opening.state == "open" for h in found) or not open_now


async def test_search_near_the_edge_of_a_latitude_band(
    stations_engine: AsyncEngine, stations_uow
) -> None:
    rows = random_rows(random.Random(3), 2)
    rows[0].update(lat=26.0999999, lon=119.3, lat_band=lat_band(26.0999999), status="active")
    rows[1].update(lat=26.1000001, lon=119.3, lat_band=lat_band(26.1000001), status="active")
    async with stations_engine.begin() as connection:
        await connection.execute(insert(StationRow), rows)
    found = await find_nearby(stations_uow(), lat=26.1, lon=119.3, radius_m=5, at=AT)
    assert sorted(h.code for h in found) == ["T-00000", "T-00001"]
