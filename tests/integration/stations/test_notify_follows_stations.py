"""Notify's copy of the registry names the same nearest open station as the stations service.

A heat warning must never send workers to a station that exited, is suspended or was never
assessed (issue 13, item 1). Stations are made over HTTP in every status and with hours that
depend on holidays, the sun and unknown states; their events go through the relay and real
Redis into notify's consumer; for many points and times notify's answer is compared with
`GET /stations?open_now=true`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.notify.application.broadcast import open_stations
from gonghui.shared.clock import SHANGHAI, ManualClock
from gonghui.shared.streams import StreamKeys
from tests.integration.stations.conftest import (
    STAFF,
    activate,
    notify_reads_stations_events,
    register,
)

HOURS = [
    "Mo-Su 08:00-20:00",
    "24/7",
    "Mo-Fr 09:00-17:00; PH off",
    "Mo-Su sunrise-sunset",
    'Mo-Su 08:00-18:00 "请先电话联系"',
    "Mo-Su 08:00+",
    "Mo-Su 20:00-23:30",
    "Mo-Su 00:00-24:00; PH off",
]
LIFECYCLES = ["proposed", "active", "suspended", "exited", "resumed", "rehoured"]
MOMENTS = [
    datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI),  # a Monday morning
    datetime(2026, 11, 30, 6, 20, tzinfo=SHANGHAI),  # before sunrise in Fuzhou
    datetime(2026, 11, 30, 21, 0, tzinfo=SHANGHAI),
    datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI),  # National Day
    datetime(2026, 12, 5, 9, 30, tzinfo=SHANGHAI),  # a Saturday
]


async def population(client: httpx.AsyncClient, clock: ManualClock) -> dict[str, str]:
    """Stations around Fuzhou in every lifecycle state; code -> state."""
    rng = random.Random(131)
    made = {}
    for n in range(24):
        lifecycle = LIFECYCLES[n % len(LIFECYCLES)]
        hours = HOURS[(n // len(LIFECYCLES) + n) % len(HOURS)]
        station = await register(
            client,
            external_ref=f"FZ-{n}",
            name=f"测试驿站{n}号",
            address=f"福州市鼓楼区五四路{n + 1}号",
            lat=26.05 + rng.uniform(0, 0.08),
            lon=119.26 + rng.uniform(0, 0.08),
            open_hours=hours,
        )
        code = station["code"]
        made[code] = lifecycle
        if lifecycle == "proposed":
            continue
        await activate(client, code)
        step = {"actor": STAFF, "reason": "测试"}
        until = (clock.now() + timedelta(days=30)).isoformat()
        if lifecycle in ("suspended", "resumed"):
            answer = await client.post(
                f"/stations/{code}/suspend", json={"reason": "设备检修", "until": until}
            )
            assert answer.status_code == 200, answer.text
        if lifecycle == "resumed":
            assert (await client.post(f"/stations/{code}/resume", json=step)).status_code == 200
        if lifecycle == "exited":
            assert (await client.post(f"/stations/{code}/exit", json=step)).status_code == 200
        if lifecycle == "rehoured":
            changed = await client.patch(
                f"/stations/{code}",
                json={"open_hours": "Mo-Su 22:00-23:00", "address": f"福州市台江区新港{n}号"},
            )
            assert changed.status_code == 200, changed.text
    return made


async def test_notify_names_the_nearest_open_station_the_stations_service_names(
    client: httpx.AsyncClient,
    clock: ManualClock,
    stations_engine: AsyncEngine,
    notify_uow,
    redis: Redis,
    keys: StreamKeys,
) -> None:
    states = await population(client, clock)
    await notify_reads_stations_events(stations_engine, notify_uow, redis, keys)

    async with notify_uow() as uow:
        copy = {row.code: row for row in await uow.stations.all()}
    assert set(copy) == set(states)
    rehoured = [c for c, s in states.items() if s == "rehoured"]
    assert all(copy[c].open_hours == "Mo-Su 22:00-23:00" for c in rehoured)
    assert all(copy[c].address.startswith("福州市台江区") for c in rehoured)
    assert all(copy[c].area_code == "350102" for c in copy)

    rng = random.Random(7)
    compared = named = 0
    for at in MOMENTS:
        index = open_stations(list(copy.values()), at=at)
        for _ in range(8):
            lat, lon = 26.04 + rng.uniform(0, 0.1), 119.25 + rng.uniform(0, 0.1)
            answer = await client.get(
                "/stations",
                params={
                    "lat": lat,
                    "lon": lon,
                    "radius_m": 50_000,
                    "open_now": "true",
                    "at": at.isoformat(),
                    "limit": 1,
                },
            )
            assert answer.status_code == 200, answer.text
            theirs = [s["code"] for s in answer.json()["items"]]
            found = index.nearest(lat, lon)
            ours = [found[0].code] if found else []
            assert ours == theirs, (at, lat, lon, ours, theirs)
            compared += 1
            named += bool(ours)
            if ours:
                assert states[ours[0]] in ("active", "resumed", "rehoured")
    assert compared == 40 and 0 < named
