"""服务评价/投诉: workers rate and complain without a token; complaints reach the bus, open a
re-inspection at the threshold, and a failed re-inspection marks the station in search."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.shared.clock import ManualClock
from gonghui.shared.db import OutboxRow, session_factory
from tests.integration.stations.conftest import SIX_PASS, activate, register

ANONYMOUS = {"Authorization": ""}


async def events_of(engine: AsyncEngine, type_name: str) -> list[dict]:
    """The data of every outbox event of one type."""
    async with session_factory(engine)() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        return [json.loads(r.fields["data"]) for r in rows if r.fields["type"] == type_name]


async def complain(client: httpx.AsyncClient, code: str, text: str, **extra) -> httpx.Response:  # type: ignore[no-untyped-def]
    body = {"kind": "complaint", "category": "closed_when_open", "text": text, **extra}
    return await client.post(f"/stations/{code}/feedback", json=body, headers=ANONYMOUS)


async def test_workers_rate_and_complain_and_staff_close_complaints(
    client: httpx.AsyncClient, stations_engine: AsyncEngine
) -> None:
    code = (await register(client))["code"]
    await activate(client, code)
    for stars in (5, 4):
        rated = await client.post(
            f"/stations/{code}/feedback",
            json={"kind": "rating", "stars": stars, "text": "热水很方便"},
            headers=ANONYMOUS,
        )
        assert rated.status_code == 201 and rated.json()["status"] == "recorded"
    made = await complain(client, code, "标注开放但下午三点关门，联系我13912345678")
    assert made.status_code == 201 and made.json()["status"] == "open"
    assert made.json()["received_at"].endswith("+08:00") and "投诉已收到" in made.json()["message"]

    for wrong in (
        {"kind": "rating"},
        {"kind": "rating", "stars": 6},
        {"kind": "complaint", "text": "太脏了"},
        {"kind": "complaint", "category": "hygiene"},
        {"kind": "complaint", "category": "nonsense", "text": "太脏了"},
    ):
        refused = await client.post(f"/stations/{code}/feedback", json=wrong, headers=ANONYMOUS)
        assert refused.status_code == 422, wrong
    assert (await complain(client, "350102-9999", "不存在")).status_code == 404

    seen = (await client.get(f"/stations/{code}/feedback")).json()
    assert seen["totals"] == {
        "ratings": 2,
        "rating_average": 4.5,
        "complaints_open": 1,
        "complaints_closed": 0,
    }
    complaint = next(i for i in seen["items"] if i["kind"] == "complaint")
    assert complaint["category_label"] == "标注开放却关门" and complaint["kind_label"] == "投诉"
    closed = await client.post(
        f"/stations/{code}/feedback/{complaint['id']}/close", json={"resolution": "已调整营业时间"}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = await client.post(
        f"/stations/{code}/feedback/{complaint['id']}/close", json={"resolution": "再次关闭"}
    )
    assert again.status_code == 409
    station = (await client.get(f"/stations/{code}")).json()
    assert station["rating"] == {"count": 2, "average": 4.5}
    totals = (await client.get("/areas/350100/totals")).json()
    assert totals["feedback"] == {
        "ratings": 2,
        "rating_average": 4.5,
        "complaints_open": 0,
        "complaints_closed": 1,
    }

    [told] = await events_of(stations_engine, "station.complaint_received.v1")
    assert told["code"] == code and told["area_code"] == "350102"
    assert told["operator"] is None and told["area_name"] == "福建省福州市鼓楼区"
    assert "13912345678" not in told["text"] and "139****5678" in told["text"]
    assert [e["stars"] for e in await events_of(stations_engine, "station.rated.v1")] == [5, 4]


async def test_complaints_open_a_reinspection_and_a_failed_one_marks_search_results(
    client: httpx.AsyncClient, stations_engine: AsyncEngine, clock: ManualClock
) -> None:
    code = (await register(client))["code"]
    await activate(client, code)
    for n in range(2):
        await complain(client, code, f"第{n + 1}次：饮水机坏了")
    assert (await client.get(f"/stations/{code}")).json()["reinspection"] is None
    await complain(client, code, "第3次：饮水机还是坏的")
    station = (await client.get(f"/stations/{code}")).json()
    assert station["reinspection"] == "open" and station["reinspection_opened_at"].endswith(
        "+08:00"
    )
    [opened] = await events_of(stations_engine, "station.reinspection_opened.v1")
    assert opened["complaints"] == 3 and opened["window_days"] == 30
    await complain(client, code, "第4次")  # already open: no second one
    assert len(await events_of(stations_engine, "station.reinspection_opened.v1")) == 1

    failing = {**SIX_PASS, "facilities": {"passed": False, "note": "饮水机损坏未修"}}
    await client.post(
        f"/stations/{code}/assessments",
        json={"criteria": failing, "map_verified_on": "2026-11-20"},
    )
    found = (await client.get("/stations", params={"lat": 26.0878, "lon": 119.3034})).json()
    assert [(i["code"], i["reinspection"]) for i in found["items"]] == [(code, "failed")]
    [closed] = await events_of(stations_engine, "station.reinspection_closed.v1")
    assert closed["outcome"] == "failed" and closed["failed"] == ["facilities"]
    totals = (await client.get("/areas/350000/totals")).json()
    assert totals["reinspections"] == {"open": 0, "passed": 0, "failed": 1}

    clock.advance(timedelta(days=2))
    await client.post(
        f"/stations/{code}/assessments",
        json={"criteria": SIX_PASS, "map_verified_on": "2026-11-27"},
    )
    assert (await client.get(f"/stations/{code}")).json()["reinspection"] == "passed"
    clock.advance(timedelta(hours=1))
    await complain(client, code, "修好后又一次投诉")  # the answered complaints do not count again
    assert (await client.get(f"/stations/{code}")).json()["reinspection"] == "passed"
