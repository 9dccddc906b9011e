"""The area table over HTTP, and stations registered before it keep their codes."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import text

from gonghui.shared.auth import Role
from gonghui.shared.contracts.stations import StationService
from gonghui.shared.db import create_engine
from gonghui.shared.migrations import upgrade
from gonghui.stations.bootstrap import MIGRATIONS, create_app
from gonghui.stations.domain.ledger import SupplyItem
from gonghui.stations.domain.model import Criterion
from gonghui.stations.settings import StationsSettings
from tests.support.auth import bearer
from tests.support.builders import station_data


async def test_areas_are_searched_and_walked_down(client: httpx.AsyncClient) -> None:
    provinces = (await client.get("/areas")).json()
    assert len(provinces) == 34 and provinces[0]["code"] == "110000"
    zhejiang = (await client.get("/areas", params={"parent": "330000"})).json()
    assert "330400" in [a["code"] for a in zhejiang]
    found = (await client.get("/areas", params={"q": "平湖"})).json()
    assert found[0] == {
        "code": "330482",
        "name": "平湖市",
        "short_name": "平湖",
        "level": "county",
        "parent": "330400",
        "full_name": "浙江省嘉兴市平湖市",
        "lat": found[0]["lat"],
        "lon": found[0]["lon"],
        "has_children": False,
    }
    one = (await client.get("/areas/640104")).json()
    assert [a["name"] for a in one["lineage"]] == ["宁夏回族自治区", "银川市"]
    assert one["full_name"] == "宁夏回族自治区银川市兴庆区" and one["children"] == []
    assert (await client.get("/areas/350199")).status_code == 404
    assert (await client.get("/areas", params={"parent": "x"})).status_code == 422


async def test_stations_numbered_before_keep_their_codes_and_get_their_area(
    database_url: str, redis_url: str, prefix: str
) -> None:
    await upgrade(MIGRATIONS, database_url, revision="0002")
    engine = create_engine(database_url)
    insert = text(
        "INSERT INTO stations (code, external_ref, operator, name, address, lat, lat_band, lon,"
        " services, open_hours, manager_name, manager_phone, area_code, co_builders, documents,"
        " status, compliant, registered_at)"
        " VALUES (:code, :code, NULL, '驿站', :address, :lat, 0, :lon, '[\"rest\"]', '24/7',"
        " '林晓', '13800138000', :area, '[]', '{}', 'active', true, :at)"
    )
    at = datetime(2026, 11, 1, tzinfo=UTC)
    try:
        async with engine.begin() as connection:
            for code, address, lat, lon, area in [
                ("FJ-FZ-GL-0001", "福州市鼓楼区五四路154号", 26.0878, 119.3034, "350102"),
                ("CN-0001", "北京市朝阳区建国路88号", 39.91, 116.46, "100000"),
                ("CN-0002", "嘉兴平湖市新华北路", 30.70, 121.01, "100000"),
            ]:
                await connection.execute(
                    insert,
                    {
                        "code": code,
                        "address": address,
                        "lat": lat,
                        "lon": lon,
                        "area": area,
                        "at": at,
                    },
                )
            await connection.execute(
                text("INSERT INTO code_sequences (prefix, last_value) VALUES ('350102', 1)")
            )
        await upgrade(MIGRATIONS, database_url)
    finally:
        await engine.dispose()
    settings = StationsSettings(
        database_url=database_url, redis_url=redis_url, stream_prefix=prefix
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://stations",
        headers=bearer(Role.UNION_ADMIN, sub="省总工会"),
    ) as client:
        await _registered_before_keep_their_codes(client)
    await app.state.engine.dispose()


async def _registered_before_keep_their_codes(client: httpx.AsyncClient) -> None:
    old = (await client.get("/stations/FJ-FZ-GL-0001")).json()
    assert old["area_code"] == "350102"
    moved = [
        (await client.get(f"/stations/{c}")).json()["area_code"] for c in ("CN-0001", "CN-0002")
    ]
    assert moved == ["110105", "330482"]
    new = await client.post(
        "/stations",
        json={
            "external_ref": "NEW-1",
            "name": "鼓楼新驿站",
            "address": "福州市鼓楼区东街1号",
            "lat": 26.088,
            "lon": 119.30,
            "services": ["rest"],
            "open_hours": "24/7",
            "manager_name": "林晓",
            "manager_phone": "13800138000",
        },
    )
    assert new.status_code == 201 and new.json()["code"] == "350102-0002"


async def test_vocabulary_gives_every_key_its_chinese_label(client: httpx.AsyncClient) -> None:
    words = (await client.get("/vocabulary")).json()
    services = {t["key"]: t["label"] for t in words["services"]}
    assert (
        set(services) == {s.value for s in StationService} and services["drinking_water"] == "饮水"
    )
    assert {t["key"] for t in words["statuses"]} == {"proposed", "active", "suspended", "exited"}
    assert {t["key"] for t in words["open_states"]} == {"open", "closed", "unknown"}
    assert "closed_when_open" in {t["key"] for t in words["complaint_categories"]}
    assert {t["key"] for t in words["criteria"]} == {c.value for c in Criterion}
    assert {t["key"] for t in words["supplies"]} == {i.value for i in SupplyItem}
    station = await client.post("/stations", json=station_data())
    shown = station.json()
    assert shown["status_label"] == "待挂牌"
    assert shown["service_labels"] == {"charging": "充电", "drinking_water": "饮水", "rest": "休息"}
    assert (
        shown["registered_at"].endswith("+08:00") and shown["open_phrase"] == "尚未挂牌，暂不开放"
    )
