"""Numbering, public information, the six-point gate and the lifecycle, over HTTP."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.shared.auth import Role
from gonghui.shared.clock import ManualClock
from gonghui.shared.contracts.stations import RegisterStation
from gonghui.shared.db import OutboxRow, session_factory
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import register_station
from tests.integration.stations.conftest import SIX_PASS, STAFF, activate, emitted, register
from tests.support.auth import bearer
from tests.support.builders import station_data

MANAGER = bearer(Role.UNION_ADMIN, sub="站长林晓")


async def test_codes_follow_the_district_and_count_up(client: httpx.AsyncClient) -> None:
    first = await register(client, external_ref="A-1")
    second = await register(client, external_ref="A-2", address="福州市鼓楼区东街1号")
    xiamen = await register(
        client, external_ref="A-3", address="厦门市海沧区海沧大道", lat=24.48, lon=117.98
    )
    given = await register(client, external_ref="A-4", area_code="350203")
    assert [first["code"], second["code"], xiamen["code"], given["code"]] == [
        "350102-0001",
        "350102-0002",
        "350205-0001",
        "350203-0001",
    ]
    assert given["area_code"] == "350203"


async def test_stations_everywhere_in_china_are_numbered_in_their_county(
    client: httpx.AsyncClient,
) -> None:
    pinghu = await register(
        client, external_ref="CN-1", address="浙江省嘉兴市平湖市当湖街道", lat=30.70, lon=121.02
    )
    chaoyang = await register(
        client, external_ref="CN-2", address="北京市朝阳区建国路88号", lat=39.91, lon=116.46
    )
    yinchuan = await register(
        client, external_ref="CN-3", address="宁夏银川市兴庆区解放东街", lat=38.47, lon=106.29
    )
    pinghu_again = await register(
        client, external_ref="CN-4", address="嘉兴平湖市新华北路", lat=30.70, lon=121.01
    )
    assert [s["code"] for s in (pinghu, chaoyang, yinchuan, pinghu_again)] == [
        "330482-0001",
        "110105-0001",
        "640104-0001",
        "330482-0002",
    ]
    assert [s["area_code"] for s in (pinghu, chaoyang, yinchuan)] == ["330482", "110105", "640104"]


async def test_station_without_a_county_gets_city_or_province_code(
    client: httpx.AsyncClient,
) -> None:
    city = await register(client, external_ref="B-1", address="宁德市海上平台", lat=25.8, lon=120.7)
    province = await register(client, external_ref="B-2", address="外海渔排", lat=25.2, lon=120.7)
    assert city["code"] == "350900-0001"
    assert province["code"] == "350000-0001"


async def test_unknown_area_code_is_refused_with_the_reason(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/stations", json={**station_data(), "actor": STAFF, "area_code": "350199"}
    )
    assert response.status_code == 400
    assert "unknown area code 350199" in response.json()["detail"]


async def test_codes_are_never_reused_after_exit(client: httpx.AsyncClient) -> None:
    old = await register(client, external_ref="C-1")
    await client.post(f"/stations/{old['code']}/exit", json={"actor": STAFF, "reason": "场地收回"})
    new = await register(client, external_ref="C-2")
    assert new["code"] == "350102-0002"
    kept = (await client.get(f"/stations/{old['code']}")).json()
    assert kept["status"] == "exited" and kept["status_reason"] == "场地收回"


async def test_two_replicas_registering_at_once_never_collide(
    stations_engine: AsyncEngine, engine_for, keys: StreamKeys
) -> None:
    other = engine_for()
    replicas = [session_factory(stations_engine), session_factory(other)]

    async def one(i: int) -> str:
        uow = StationsUnitOfWork(replicas[i % 2], service="stations", keys=keys)
        cmd = RegisterStation.model_validate(station_data(external_ref=f"R-{i}"))
        return (await register_station(cmd, operator="cib-bank", uow=uow)).code

    try:
        codes = await asyncio.gather(*(one(i) for i in range(24)))
    finally:
        await other.dispose()
    assert sorted(codes) == [f"350102-{n:04d}" for n in range(1, 25)]


async def test_public_information_is_published(client: httpx.AsyncClient) -> None:
    created = await register(
        client,
        co_builders=["鼓楼区城管局"],
        funding_source="兴业银行",
        documents={"management_rules": "驿站管理制度……", "safety_notice": "安全须知……"},
    )
    station = (await client.get(f"/stations/{created['code']}")).json()
    assert station["manager_name"] == "林晓" and station["manager_phone"] == "13800138000"
    assert station["open_hours"] == "Mo-Su 08:00-20:00"
    assert station["services"] == ["charging", "drinking_water", "rest"]
    assert station["documents"]["management_rules"] == "驿站管理制度……"
    assert station["co_builders"] == ["鼓楼区城管局"] and station["funding_source"] == "兴业银行"
    assert station["status"] == "proposed" and station["open_now"] is False
    assert station["recheck_due"] is True


async def test_bad_public_information_is_refused(client: httpx.AsyncClient) -> None:
    for bad in (
        {"manager_phone": "12345"},
        {"open_hours": "whenever"},
        {"services": ["massage"]},
        {"lat": 91},
    ):
        response = await client.post("/stations", json={**station_data(), "actor": STAFF, **bad})
        assert response.status_code == 422, bad


async def test_gcj02_in_and_out(client: httpx.AsyncClient) -> None:
    # A point given as Amap shows it is stored as WGS-84 and shown back as given.
    created = await client.post(
        "/stations",
        json={**station_data(lat=26.085, lon=119.308, coord_system="gcj02"), "actor": STAFF},
    )
    code = created.json()["code"]
    stored = (await client.get(f"/stations/{code}")).json()
    assert abs(stored["lat"] - 26.085) > 1e-3 or abs(stored["lon"] - 119.308) > 1e-3
    shown = (await client.get(f"/stations/{code}", params={"coord_system": "gcj02"})).json()
    assert abs(shown["lat"] - 26.085) < 1e-7 and abs(shown["lon"] - 119.308) < 1e-7
    found = (
        await client.get(
            "/stations",
            params={"lat": 26.085, "lon": 119.308, "radius_m": 50, "coord_system": "gcj02"},
        )
    ).json()["items"]
    assert [s["code"] for s in found] == [code] and found[0]["distance_m"] < 0.5


async def test_whole_lifecycle_through_the_six_point_gate(
    client: httpx.AsyncClient, stations_engine: AsyncEngine, clock: ManualClock
) -> None:
    code = (await register(client))["code"]
    refused = await client.post(
        f"/stations/{code}/activate", json={"actor": STAFF, "reason": "挂牌"}
    )
    assert refused.status_code == 409 and "no six-point" in refused.json()["detail"]

    failing = {**SIX_PASS, "map_info": {"passed": False, "note": "地图未标注"}}
    verdict = await client.post(
        f"/stations/{code}/assessments", json={"assessor": "李审", "criteria": failing}
    )
    assert verdict.json() == {"id": verdict.json()["id"], "passed": False, "failed": ["map_info"]}
    refused = await client.post(
        f"/stations/{code}/activate", json={"actor": STAFF, "reason": "挂牌"}
    )
    assert refused.status_code == 409 and "did not pass" in refused.json()["detail"]

    await activate(client, code)
    station = (await client.get(f"/stations/{code}")).json()
    assert station["status"] == "active" and station["compliant"] and station["open_now"]
    assert station["map_verified_on"] == "2026-11-20" and not station["recheck_due"]

    until = (clock.now() + timedelta(days=3)).isoformat()
    suspended = await client.post(
        f"/stations/{code}/suspend",
        json={"actor": "站长林晓", "reason": "台风停业", "until": until},
        headers=MANAGER,
    )
    assert suspended.json()["status"] == "suspended" and suspended.json()["open_now"] is False
    again = await client.post(
        f"/stations/{code}/suspend",
        json={"actor": "站长林晓", "reason": "再停", "until": until},
        headers=MANAGER,
    )
    assert again.status_code == 409
    await client.post(
        f"/stations/{code}/resume",
        json={"actor": "站长林晓", "reason": "台风过境"},
        headers=MANAGER,
    )
    exited = await client.post(
        f"/stations/{code}/exit", json={"actor": STAFF, "reason": "场地收回"}
    )
    assert exited.json()["status"] == "exited"
    late = await client.post(f"/stations/{code}/exit", json={"actor": STAFF, "reason": "再退"})
    assert late.status_code == 409 and "already exited" in late.json()["detail"]
    changed = await client.patch(f"/stations/{code}", json={"actor": STAFF, "name": "新名"})
    assert changed.status_code == 409

    history = (await client.get(f"/stations/{code}/history")).json()
    assert [(h["from_status"], h["to_status"], h["actor"], h["reason"]) for h in history] == [
        ("proposed", "active", STAFF, "六有达标"),
        ("active", "suspended", "站长林晓", "台风停业"),
        ("suspended", "active", "站长林晓", "台风过境"),
        ("active", "exited", STAFF, "场地收回"),
    ]
    assert [t for t, _ in await emitted(stations_engine)] == [
        "station.registered.v1",
        "station.assessed.v1",
        "station.assessed.v1",
        "station.activated.v1",
        "station.suspended.v1",
        "station.resumed.v1",
        "station.exited.v1",
    ]


async def test_stale_assessment_flags_recheck(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    code = (await register(client))["code"]
    await activate(client, code)
    clock.advance(timedelta(days=366))
    assert (await client.get(f"/stations/{code}")).json()["recheck_due"] is True


async def test_update_changes_only_given_fields_and_is_announced(
    client: httpx.AsyncClient, stations_engine: AsyncEngine
) -> None:
    code = (await register(client))["code"]
    response = await client.patch(
        f"/stations/{code}", json={"actor": STAFF, "open_hours": "Mo-Fr 09:00-17:00"}
    )
    assert response.json()["open_hours"] == "Mo-Fr 09:00-17:00"
    assert response.json()["name"] == "兴业银行鼓楼支行爱心驿站"
    bad = await client.patch(f"/stations/{code}", json={"actor": STAFF, "open_hours": "never"})
    assert bad.status_code == 400
    assert (await emitted(stations_engine))[-1] == ("station.updated.v1", code)


async def test_unknown_station_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/stations/FJ-FZ-GL-9999")).status_code == 404
    missing = await client.post(
        "/stations/FJ-FZ-GL-9999/exit", json={"actor": STAFF, "reason": "xx"}
    )
    assert missing.status_code == 404


async def test_geojson_is_rfc7946(client: httpx.AsyncClient) -> None:
    await register(client, external_ref="G-1")
    await register(client, external_ref="G-2", lat=26.09, lon=119.31)
    response = await client.get("/stations.geojson")
    assert response.headers["content-type"].startswith("application/geo+json")
    doc = response.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 2
    for feature in doc["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        lon, lat = feature["geometry"]["coordinates"]  # RFC 7946: longitude first, WGS-84
        assert feature["geometry"]["type"] == "Point" and 119 < lon < 120 and 26 < lat < 27
        assert re.fullmatch(r"350102-\d{4}", feature["id"])
        assert feature["properties"]["compliant"] is False  # no six-point assessment yet


async def test_a_typed_landmark_or_street_is_found_at_the_stations_mentioning_it(
    client: httpx.AsyncClient,
) -> None:
    by_address = await register(client, external_ref="P-1", name="兴业银行爱心驿站")
    by_name = await register(
        client, external_ref="P-2", name="五四路环卫驿站", address="福州市鼓楼区温泉路3号"
    )
    elsewhere = await register(
        client,
        external_ref="P-3",
        name="思明区五四路驿站",
        address="厦门市思明区五四路",
        lat=24.45,
        lon=118.08,
    )
    gone = await register(
        client, external_ref="P-4", name="东街口驿站", address="福州市鼓楼区东街口"
    )
    exited = await client.post(
        f"/stations/{gone['code']}/exit", json={"actor": STAFF, "reason": "撤并"}
    )
    assert exited.status_code == 200, exited.text

    found = (await client.get("/places", params={"q": "五四路"})).json()
    # Those naming it first, then those whose address does.
    naming = sorted([by_name["code"], elsewhere["code"]])
    assert [p["code"] for p in found] == [*naming, by_address["code"]]
    inside = (await client.get("/places", params={"q": "五四路", "area_code": "350100"})).json()
    assert [p["code"] for p in inside] == [by_name["code"], by_address["code"]]
    assert inside[0]["lat"] == by_name["lat"] and inside[0]["name"] == "五四路环卫驿站"
    either = {"q": "五四路", "area_code": ["320106", "350203"]}  # 鼓楼区 of Nanjing, 思明区
    assert [p["code"] for p in (await client.get("/places", params=either)).json()] == [
        elsewhere["code"]
    ]
    bad_area = await client.get("/places", params={"q": "五四路", "area_code": "35"})
    assert bad_area.status_code == 422
    assert (await client.get("/places", params={"q": "东街口"})).json() == []  # exited
    assert (await client.get("/places", params={"q": "%%"})).json() == []  # no wildcards
    too_short = await client.get("/places", params={"q": "路"})
    assert too_short.status_code == 422


async def test_registration_records_who_registered(
    client: httpx.AsyncClient, stations_engine: AsyncEngine
) -> None:
    await register(client)
    async with session_factory(stations_engine)() as session:
        row = await session.scalar(select(OutboxRow).order_by(OutboxRow.id))
    assert json.loads(row.fields["data"])["actor"] == STAFF


async def test_a_sandboxs_registration_says_it_is_test_data(
    stations_engine: AsyncEngine, keys: StreamKeys
) -> None:
    """Notify's copy learns it from the event, so no broadcast names the station to workers."""
    uow = StationsUnitOfWork(session_factory(stations_engine), service="stations", keys=keys)
    for ref, test_data in (("REAL-1", False), ("SANDBOX-1", True)):
        cmd = RegisterStation.model_validate(station_data(external_ref=ref))
        await register_station(cmd, operator="cib-bank", uow=uow, test_data=test_data)
    async with session_factory(stations_engine)() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        told = [json.loads(row.fields["data"]) for row in rows]
    assert [(d["external_ref"], d["test_data"]) for d in told] == [
        ("REAL-1", False),
        ("SANDBOX-1", True),
    ]
