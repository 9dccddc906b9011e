"""规划选址: where workers are (positions and visits, per ~1 km cell, k-anonymous) and no open
station with the service is near, largest first; as JSON and as GeoJSON."""

from __future__ import annotations

import httpx

from gonghui.shared.auth import Role
from tests.integration.stations.conftest import activate, register
from tests.support.auth import bearer

GULOU = (26.0878, 119.3034)  # the station
CANGSHAN = (26.0450, 119.2760)  # ~5.3 km south-west: many workers, no station
JINAN = (26.1405, 119.3605)  # a few workers only: below k


async def report(client: httpx.AsyncClient, worker: str, where: tuple[float, float]) -> None:
    lat, lon = where
    answer = await client.post(
        "/workers/positions",
        json={"lat": lat, "lon": lon},
        headers=bearer(Role.WORKER, sub=worker),
    )
    assert answer.status_code == 201, answer.text


async def test_gaps_are_cells_with_k_workers_far_from_a_station_with_the_service(
    client: httpx.AsyncClient,
) -> None:
    code = (await register(client, services=["drinking_water", "rest"]))["code"]
    await activate(client, code)
    token = (await client.get(f"/stations/{code}/qr")).json()["token"]
    for i in range(7):
        await report(client, f"rider-c{i}", CANGSHAN)
    await report(client, "rider-c0", CANGSHAN)  # the same worker twice counts once
    for i in range(3):
        await report(client, f"rider-j{i}", JINAN)
    for i in range(5):  # visits put workers in the station's own cell
        visited = await client.post(
            f"/stations/{code}/visits", json={"worker_id": f"courier-{i}", "token": token}
        )
        assert visited.status_code == 201

    water = await client.get(
        "/siting/gaps",
        params={"service": "drinking_water", "distance_m": 1000, "area_code": "350100"},
    )
    assert water.status_code == 200
    body = water.json()
    assert (body["k"], body["service_label"], body["area_code"]) == (5, "饮水", "350100")
    assert [(g["workers"], g["area_code"]) for g in body["gaps"]] == [(7, "350104")]
    gap = body["gaps"][0]
    assert gap["area_name"] == "福建省福州市仓山区" and gap["nearest_station_m"] is None  # > 3 km
    wider = await client.get(
        "/siting/gaps", params={"service": "drinking_water", "distance_m": 2000}
    )
    assert 5000 < wider.json()["gaps"][0]["nearest_station_m"] < 5600

    heating = (await client.get("/siting/gaps", params={"service": "heating"})).json()
    assert [g["workers"] for g in heating["gaps"]] == [7, 5]  # the station has no heating
    assert all(g["nearest_station_m"] is None for g in heating["gaps"])
    near_enough = await client.get(
        "/siting/gaps", params={"service": "drinking_water", "distance_m": 6000}
    )
    assert near_enough.json()["gaps"] == []

    mapped = await client.get("/siting/gaps.geojson", params={"service": "heating"})
    assert mapped.headers["content-type"].startswith("application/geo+json")
    features = mapped.json()["features"]
    assert [f["properties"]["rank"] for f in features] == [1, 2]
    ring = features[0]["geometry"]["coordinates"][0]
    assert features[0]["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 5
    assert "rider" not in mapped.text and "courier" not in mapped.text


async def test_who_reports_positions_and_who_reads_gaps(client: httpx.AsyncClient) -> None:
    platform = bearer(Role.PARTNER, sub="eleme-ops", department="eleme")
    anonymous = {"Authorization": ""}
    lat, lon = CANGSHAN
    body = {"lat": lat, "lon": lon}
    assert (
        await client.post("/workers/positions", json=body, headers=anonymous)
    ).status_code == 401
    assert (await client.post("/workers/positions", json=body)).status_code == 403  # union staff
    without = await client.post("/workers/positions", json=body, headers=platform)
    assert without.status_code == 422 and "worker_id" in without.json()["detail"]
    made = await client.post(
        "/workers/positions", json={**body, "worker_id": "e-1001"}, headers=platform
    )
    assert made.status_code == 201 and made.json()["area_code"] == "350104"
    wrong = await client.post(
        "/workers/positions", json={"lat": "26.04", "lon": lon}, headers=platform
    )
    assert wrong.status_code == 422
    xiamen = bearer(Role.UNION_ADMIN, sub="厦门市总", area="350200")
    outside = await client.get("/siting/gaps", params={"area_code": "350100"}, headers=xiamen)
    assert outside.status_code == 403
    own = await client.get("/siting/gaps", headers=xiamen)
    assert own.status_code == 200 and own.json()["area_code"] == "350200"
    worker = bearer(Role.WORKER, sub="rider-1")
    assert (await client.get("/siting/gaps", headers=worker)).status_code == 403
