"""Donations, supplies with low-stock flags, and the subsidy workflow, over HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.stations.conftest import STAFF, activate, emitted, register


async def test_donations_of_money_and_goods_are_in_the_ledger(client: httpx.AsyncClient) -> None:
    code = (await register(client))["code"]
    money = {
        "donor": "兴业银行福州分行",
        "kind": "money",
        "amount_fen": 500_000,
        "area_code": "350100",
    }
    goods = {"donor": "某饮料公司", "kind": "goods", "goods": "矿泉水(箱)", "quantity": 40}
    assert (await client.post("/donations", json={**money, "actor": STAFF})).status_code == 201
    given = await client.post("/donations", json={**goods, "station_code": code, "actor": STAFF})
    assert given.status_code == 201
    bad = await client.post(
        "/donations", json={**goods, "quantity": None, "actor": STAFF, "area_code": "350100"}
    )
    assert bad.status_code == 400
    fuzhou = (await client.get("/donations", params={"area_code": "350100"})).json()
    assert fuzhou["money_fen"] == 500_000 and fuzhou["goods_items"] == 40
    assert {d["donor"] for d in fuzhou["items"]} == {"兴业银行福州分行", "某饮料公司"}
    xiamen = (await client.get("/donations", params={"area_code": "350200"})).json()
    assert xiamen["items"] == []


async def test_supplies_flag_low_stock(
    client: httpx.AsyncClient, stations_engine: AsyncEngine
) -> None:
    code = (await register(client))["code"]
    stocked = await client.post(
        f"/stations/{code}/supplies/water", json={"change": 24, "low_threshold": 6, "actor": "站长"}
    )
    assert stocked.json()["low"] is False
    used = await client.post(
        f"/stations/{code}/supplies/water", json={"change": -20, "actor": "站长"}
    )
    water = used.json()
    assert (water["item"], water["quantity"], water["low_threshold"], water["low"]) == (
        "water",
        4,
        6,
        True,
    )
    too_much = await client.post(
        f"/stations/{code}/supplies/water", json={"change": -5, "actor": "站长"}
    )
    assert too_much.status_code == 409 and "only 4 water" in too_much.json()["detail"]
    low = (await client.get("/supplies/low")).json()
    assert [(s["code"], s["item"]) for s in low] == [(code, "water")]
    assert (await emitted(stations_engine))[-1] == ("supplies.changed.v1", code)


async def test_subsidy_goes_apply_review_approve_disburse_report(
    client: httpx.AsyncClient, stations_engine: AsyncEngine
) -> None:
    code = (await register(client))["code"]
    early = await client.post(
        f"/stations/{code}/subsidies",
        json={"purpose": "示范点改造", "requested_fen": 3_000_000, "actor": "站长"},
    )
    assert early.status_code == 409 and "only an active station" in early.json()["detail"]
    await activate(client, code)
    applied = await client.post(
        f"/stations/{code}/subsidies",
        json={"purpose": "示范点改造", "requested_fen": 3_000_000, "actor": "站长"},
    )
    sid = applied.json()["id"]
    jumped = await client.post(
        f"/subsidies/{sid}/disburse", json={"actor": "财务", "note": "x", "amount_fen": 1}
    )
    assert jumped.status_code == 409 and "is applied" in jumped.json()["detail"]
    steps = [
        ("review", {"actor": "省总", "note": "材料齐全"}),
        ("approve", {"actor": "省总", "note": "同意", "amount_fen": 2_000_000}),
        ("disburse", {"actor": "财务", "note": "已拨付", "amount_fen": 2_000_000}),
        ("report", {"actor": "站长", "note": "购置空调2台、饮水机1台"}),
    ]
    for step, body in steps:
        response = await client.post(f"/subsidies/{sid}/{step}", json=body)
        assert response.status_code == 200, response.text
    final = (await client.get(f"/subsidies/{sid}")).json()
    assert final["status"] == "reported" and final["approved_fen"] == 2_000_000
    assert final["usage_report"] == "购置空调2台、饮水机1台"
    assert [h["status"] for h in final["history"]] == [
        "applied",
        "under_review",
        "approved",
        "disbursed",
        "reported",
    ]
    assert [t for t, s in await emitted(stations_engine) if s == sid] == [
        "subsidy.applied.v1",
        "subsidy.review_started.v1",
        "subsidy.approved.v1",
        "subsidy.disbursed.v1",
        "subsidy.usage_reported.v1",
    ]


async def test_rejected_subsidy_cannot_be_paid(client: httpx.AsyncClient) -> None:
    code = (await register(client))["code"]
    await activate(client, code)
    sid = (
        await client.post(
            f"/stations/{code}/subsidies",
            json={"purpose": "示范点改造", "requested_fen": 100, "actor": "站长"},
        )
    ).json()["id"]
    await client.post(f"/subsidies/{sid}/review", json={"actor": "省总", "note": "受理"})
    over = await client.post(
        f"/subsidies/{sid}/approve", json={"actor": "省总", "note": "x", "amount_fen": 101}
    )
    assert over.status_code == 409
    await client.post(
        f"/subsidies/{sid}/reject", json={"actor": "省总", "note": "不符合示范点条件"}
    )
    paid = await client.post(
        f"/subsidies/{sid}/disburse", json={"actor": "财务", "note": "x", "amount_fen": 1}
    )
    assert paid.status_code == 409 and "rejected" in paid.json()["detail"]


async def test_times_people_read_carry_the_beijing_offset(client: httpx.AsyncClient) -> None:
    code = (await register(client, external_ref="T-1"))["code"]
    await activate(client, code)
    await client.post(
        "/donations",
        json={"donor": "某公司", "kind": "money", "amount_fen": 100, "station_code": code},
    )
    stock = await client.post(
        f"/stations/{code}/supplies/water", json={"change": 5, "low_threshold": 1}
    )
    applied = await client.post(
        f"/stations/{code}/subsidies", json={"purpose": "示范点改造", "requested_fen": 100}
    )
    donations = (await client.get("/donations", params={"area_code": "350100"})).json()
    shown = [
        donations["items"][0]["received_at"],
        stock.json()["updated_at"],
        applied.json()["applied_at"],
        applied.json()["history"][0]["at"],
        (await client.get(f"/stations/{code}/history")).json()[0]["at"],
        (await client.get(f"/stations/{code}/assessments")).json()[0]["assessed_at"],
        (await client.get(f"/stations/{code}")).json()["registered_at"],
    ]
    assert all(t.endswith("+08:00") for t in shown), shown
