"""一键预览、报名、参与 and QR check-ins, over HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.shared.clock import ManualClock
from gonghui.shared.db import OutboxRow, session_factory
from tests.integration.stations.conftest import activate, emitted, register


async def publish(client: httpx.AsyncClient, clock: ManualClock, **overrides) -> dict:  # type: ignore[no-untyped-def]
    starts = clock.now() + timedelta(days=1)
    body = {
        "title": "冬日送温暖·骑手健康义诊",
        "place": "鼓楼区五四路驿站",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "capacity": 2,
        "actor": "福州市总工会",
        "area_code": "350100",
        **overrides,
    }
    response = await client.post("/activities", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_sign_up_waitlist_promotion_and_check_in(
    client: httpx.AsyncClient, clock: ManualClock, stations_engine: AsyncEngine
) -> None:
    activity = await publish(client, clock)
    aid = activity["id"]
    preview = (await client.get("/activities", params={"area_code": "350000"})).json()
    assert [a["id"] for a in preview] == [aid] and preview[0]["places_left"] == 2

    statuses = []
    for worker in ("rider-1", "rider-2", "rider-3", "rider-4"):
        signed = await client.post(f"/activities/{aid}/signups", json={"worker_id": worker})
        statuses.append(signed.json()["status"])
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    again = await client.post(f"/activities/{aid}/signups", json={"worker_id": "rider-1"})
    assert again.json()["status"] == "confirmed"  # one call, once: a repeat changes nothing

    after = await client.post(f"/activities/{aid}/cancellations", json={"worker_id": "rider-2"})
    assert after.json()["confirmed"] == 2 and after.json()["waitlisted"] == 1  # rider-3 moved up
    back = await client.post(f"/activities/{aid}/signups", json={"worker_id": "rider-2"})
    assert back.json()["status"] == "waitlisted"  # back in the queue, at its end

    early = await client.post(f"/activities/{aid}/check-ins", json={"worker_id": "rider-3"})
    assert early.status_code == 409 and "day of the activity" in early.json()["detail"]
    clock.advance(timedelta(days=1, hours=1))
    checked = await client.post(f"/activities/{aid}/check-ins", json={"worker_id": "rider-3"})
    assert checked.json()["checked_in"] == 1
    waiting = await client.post(f"/activities/{aid}/check-ins", json={"worker_id": "rider-4"})
    assert waiting.status_code == 409 and "waitlisted" in waiting.json()["detail"]
    stranger = await client.post(f"/activities/{aid}/check-ins", json={"worker_id": "nobody"})
    assert stranger.status_code == 409

    counts = (await client.get(f"/activities/{aid}")).json()
    assert (counts["confirmed"], counts["waitlisted"], counts["checked_in"]) == (2, 2, 1)
    steps = [t for t, subject in await emitted(stations_engine) if subject == aid]
    assert steps == [
        "activity.published.v1",
        *["activity.signed_up.v1"] * 4,
        "activity.signup_cancelled.v1",
        "activity.signup_promoted.v1",
        "activity.signed_up.v1",
        "activity.checked_in.v1",
    ]


async def test_events_carry_no_worker_id(
    client: httpx.AsyncClient, clock: ManualClock, stations_engine: AsyncEngine
) -> None:
    aid = (await publish(client, clock))["id"]
    await client.post(f"/activities/{aid}/signups", json={"worker_id": "13912345678"})
    async with session_factory(stations_engine)() as session:
        payloads = [r.fields["data"] for r in await session.scalars(select(OutboxRow))]
    assert payloads and not any("13912345678" in p for p in payloads)


async def test_concurrent_sign_ups_never_overfill(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    aid = (await publish(client, clock, capacity=3))["id"]
    results = await asyncio.gather(
        *(client.post(f"/activities/{aid}/signups", json={"worker_id": f"w{i}"}) for i in range(8))
    )
    statuses = sorted(r.json()["status"] for r in results)
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 5
    counts = (await client.get(f"/activities/{aid}")).json()
    assert (counts["confirmed"], counts["waitlisted"]) == (3, 5)


async def test_station_activity_and_bad_input(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    code = (await register(client))["code"]
    hosted = await publish(client, clock, station_code=code, area_code=None)
    assert hosted["area_code"] == "350102"
    assert [
        a["id"] for a in (await client.get("/activities", params={"station_code": code})).json()
    ] == [hosted["id"]]
    backwards = await client.post(
        "/activities",
        json={
            "title": "倒着的活动",
            "place": "某地",
            "capacity": 5,
            "actor": "x",
            "area_code": "350100",
            "starts_at": "2026-12-02T10:00:00+08:00",
            "ends_at": "2026-12-01T10:00:00+08:00",
        },
    )
    assert backwards.status_code == 400
    assert (
        await client.post("/activities/nope/signups", json={"worker_id": "w"})
    ).status_code == 404


async def test_qr_check_ins_and_area_totals(client: httpx.AsyncClient, clock: ManualClock) -> None:
    gulou = (await register(client, external_ref="V-1"))["code"]
    await activate(client, gulou)
    xiamen = (
        await register(client, external_ref="V-2", address="厦门市湖里区", lat=24.51, lon=118.12)
    )["code"]
    gulou_qr = (await client.get(f"/stations/{gulou}/qr")).json()["token"]
    xiamen_qr = (await client.get(f"/stations/{xiamen}/qr")).json()["token"]
    for worker in ("w1", "w1", "w2"):
        response = await client.post(
            f"/stations/{gulou}/visits", json={"worker_id": worker, "token": gulou_qr}
        )
        assert response.status_code == 201
    await client.post(f"/stations/{xiamen}/visits", json={"worker_id": "w9", "token": xiamen_qr})
    days = (await client.get(f"/stations/{gulou}/visits")).json()
    assert days == [{"day": "2026-11-28", "visits": 3, "unique_workers": 2}]

    fuzhou = (await client.get("/areas/350100/totals")).json()
    assert fuzhou["stations"] == {"active": 1} and fuzhou["visits"] == 3
    assert fuzhou["coverage"]["parts_with_active_station"] == 1
    assert fuzhou["coverage"]["parts"] == 13
    province = (await client.get("/areas/350000/totals")).json()
    assert province["stations"] == {"active": 1, "proposed": 1} and province["visits"] == 4
    assert province["coverage"]["parts_with_active_station"] == 1
    assert (await client.get("/areas/990000/totals")).status_code == 400
