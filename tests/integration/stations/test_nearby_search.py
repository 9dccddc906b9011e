"""The nearest search returns exactly what a scan of every station would, nearest first."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.stations.adapters.nearby import NearbyIndex
from gonghui.stations.adapters.orm import StationRow
from gonghui.stations.adapters.repositories import lat_band
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
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
    seed: int, stations_engine: AsyncEngine
) -> None:
    rng = random.Random(seed)
    rows = random_rows(rng, 3000)
    async with stations_engine.begin() as connection:
        await connection.execute(insert(StationRow), rows)
    index = NearbyIndex(stations_engine)
    for _ in range(40):
        lat, lon = rng.uniform(25.93, 26.22), rng.uniform(119.13, 119.47)
        radius = rng.choice([300, 1000, 2500, 8000])
        service = rng.sample(SERVICES, rng.choice([0, 0, 1, 2]))
        open_now = rng.random() < 0.5
        limit = rng.choice([1, 5, 20, 200])
        at = rng.choice(TIMES)
        found = await find_nearby(
            index,
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


async def test_search_near_the_edge_of_a_latitude_band(stations_engine: AsyncEngine) -> None:
    rows = random_rows(random.Random(3), 2)
    rows[0].update(lat=26.0999999, lon=119.3, lat_band=lat_band(26.0999999), status="active")
    rows[1].update(lat=26.1000001, lon=119.3, lat_band=lat_band(26.1000001), status="active")
    async with stations_engine.begin() as connection:
        await connection.execute(insert(StationRow), rows)
    found = await find_nearby(NearbyIndex(stations_engine), lat=26.1, lon=119.3, radius_m=5, at=AT)
    assert sorted(h.code for h in found) == ["T-00000", "T-00001"]


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def open_stations_in_a_row(engine: AsyncEngine, *, seed: int, n: int) -> None:
    """`n` active 24/7 stations 111 m apart, north of the search point: T-00000 nearest."""
    rows = random_rows(random.Random(seed), n)
    for i, row in enumerate(rows):
        lat = 26.08 + 0.001 * i
        row.update(lat=lat, lon=119.30, lat_band=lat_band(lat), status="active", open_hours="24/7")
    async with engine.begin() as connection:
        await connection.execute(insert(StationRow), rows)


async def nearest(index: NearbyIndex) -> list[str]:
    found = await find_nearby(index, lat=26.08, lon=119.30, radius_m=1000, open_now=True, at=AT)
    return [h.code for h in found]


async def test_changes_reach_this_replica_at_once_and_another_within_the_refresh_interval(
    stations_engine: AsyncEngine, stations_sessions, keys
) -> None:
    """Two replicas, each with its index: a write through one is searchable there when it
    returns, and on the other after at most `refresh_s` (here 1 s of a clock we move)."""
    await open_stations_in_a_row(stations_engine, seed=4, n=3)
    here_ticks, there_ticks = Ticks(), Ticks()
    here = NearbyIndex(stations_engine, refresh_s=1.0, monotonic=here_ticks)
    there = NearbyIndex(stations_engine, refresh_s=1.0, monotonic=there_ticks)
    assert await nearest(here) == await nearest(there) == ["T-00000", "T-00001", "T-00002"]

    uow = StationsUnitOfWork(
        stations_sessions, service="stations", keys=keys, stations_changed=here.changed
    )
    async with uow:
        station = await uow.stations.get("T-00000")
        assert station is not None
        station.exit(reason="撤站", at=AT)
        await uow.stations.save(station)
        await uow.commit()
    assert await nearest(here) == ["T-00001", "T-00002"]  # at once, on the replica that wrote
    assert await nearest(there) == ["T-00000", "T-00001", "T-00002"]  # not yet looked again
    there_ticks.now += 1.0
    assert await nearest(there) == ["T-00001", "T-00002"]

    # A write by any other process or tool (here straight SQL), a suspension and a new station.
    new = random_rows(random.Random(5), 1)[0]
    new.update(code="T-NEW", lat=26.0795, lon=119.30, lat_band=lat_band(26.0795))
    new.update(status="active", open_hours="24/7")
    async with stations_engine.begin() as connection:
        await connection.execute(insert(StationRow), [new])
        await connection.execute(
            update(StationRow).where(StationRow.code == "T-00001").values(status="suspended")
        )
    for ticks, index in ((here_ticks, here), (there_ticks, there)):
        ticks.now += 1.0
        assert await nearest(index) == ["T-NEW", "T-00002"]


async def test_a_write_that_commits_after_a_later_one_is_not_missed(
    stations_engine: AsyncEngine,
) -> None:
    """PostgreSQL stamps rows with transaction ids, which may commit out of order."""
    if stations_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: stamps grow in commit order")
    await open_stations_in_a_row(stations_engine, seed=6, n=2)
    ticks = Ticks()
    index = NearbyIndex(stations_engine, refresh_s=1.0, monotonic=ticks)
    assert await nearest(index) == ["T-00000", "T-00001"]
    async with stations_engine.connect() as slow:
        await slow.execute(
            update(StationRow).where(StationRow.code == "T-00000").values(status="suspended")
        )  # the older transaction id, still open
        async with stations_engine.begin() as quick:
            await quick.execute(
                update(StationRow).where(StationRow.code == "T-00001").values(name="新名字")
            )
        ticks.now += 1.0
        assert await nearest(index) == ["T-00000", "T-00001"]  # the slow one is not committed
        await slow.commit()
    ticks.now += 1.0
    assert await nearest(index) == ["T-00001"]
