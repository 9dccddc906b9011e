"""Every route of the registry has an access rule: public ones stay open, staff ones check role,
area and, for partners, whether they operate the station."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.shared.auth import Role
from gonghui.shared.clock import ManualClock
from gonghui.stations.bootstrap import create_app
from gonghui.stations.settings import StationsSettings
from tests.integration.stations.conftest import SIX_PASS
from tests.support.auth import bearer, unguarded_routes
from tests.support.builders import station_data

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/asyncapi"),
    ("GET", "/stations"),
    ("GET", "/stations.geojson"),
    ("GET", "/places"),
    ("GET", "/stations/{code}"),
    ("GET", "/areas"),
    ("GET", "/areas/{code}"),
    ("GET", "/activities"),
    ("GET", "/activities/{activity_id}"),
    ("POST", "/activities/{activity_id}/signups"),
    ("POST", "/activities/{activity_id}/cancellations"),
    ("POST", "/activities/{activity_id}/check-ins"),
    ("POST", "/stations/{code}/visits"),
    ("POST", "/stations/{code}/feedback"),
    ("GET", "/vocabulary"),
}

FUZHOU_ADMIN = bearer(Role.UNION_ADMIN, sub="福州市总-王", area="350100")
XIAMEN_ADMIN = bearer(Role.UNION_ADMIN, sub="厦门市总-张", area="350200")
OWNER = bearer(Role.PARTNER, sub="cib-ops", department="cib-bank")
OTHER_PARTNER = bearer(Role.PARTNER, sub="post-ops", department="fj-post")
SUPERVISOR = bearer(Role.SUPERVISOR, sub="监督-赵", area="350000")
XIAMEN_SUPERVISOR = bearer(Role.SUPERVISOR, sub="监督-钱", area="350200")
MEMBER = bearer(Role.MEMBER, sub="会员-孙")
WORKER = bearer(Role.WORKER, sub="w-1")

NOT_ROLE = "may not do this"
NOT_AREA = "outside your area"
NOT_OURS = "not operated by"
ASSESSMENT = {"criteria": SIX_PASS, "map_verified_on": "2026-11-20"}
STEP = {"reason": "台风停业", "until": "2026-12-01T00:00:00+08:00"}
ACTIVITY = {
    "title": "冬日送温暖",
    "place": "驿站门口",
    "starts_at": "2026-12-05T09:00:00+08:00",
    "ends_at": "2026-12-05T11:00:00+08:00",
    "capacity": 30,
}

# (method, path, body, a caller the guard admits, [(a caller it refuses, part of the reason)])
RULES: list[tuple[str, str, dict[str, Any] | None, dict[str, str], list[tuple[dict, str]]]] = [
    (
        "POST",
        "/stations",
        station_data(external_ref="CIB-FZ-0002"),
        FUZHOU_ADMIN,
        [(WORKER, NOT_ROLE), (SUPERVISOR, NOT_ROLE), (XIAMEN_ADMIN, NOT_AREA)],
    ),
    (
        "POST",
        "/stations",
        {**station_data(external_ref="CIB-FZ-0003"), "operator": "cib-bank"},
        OWNER,
        [(OTHER_PARTNER, "registers only stations it operates")],
    ),
    (
        "PATCH",
        "/stations/{code}",
        {"name": "兴业银行鼓楼支行爱心驿站(新)"},
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA), (MEMBER, NOT_ROLE)],
    ),
    (
        "POST",
        "/stations/{code}/assessments",
        ASSESSMENT,
        FUZHOU_ADMIN,
        [(OWNER, NOT_ROLE), (XIAMEN_ADMIN, NOT_AREA)],
    ),
    ("GET", "/stations/{code}/assessments", None, SUPERVISOR, [(XIAMEN_SUPERVISOR, NOT_AREA)]),
    (
        "POST",
        "/stations/{code}/activate",
        {"reason": "六有达标"},
        FUZHOU_ADMIN,
        [(OWNER, NOT_ROLE), (XIAMEN_ADMIN, NOT_AREA)],
    ),
    (
        "POST",
        "/stations/{code}/suspend",
        STEP,
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA), (WORKER, NOT_ROLE)],
    ),
    ("POST", "/stations/{code}/resume", {"reason": "台风过境"}, OWNER, [(OTHER_PARTNER, NOT_OURS)]),
    (
        "GET",
        "/stations/{code}/history",
        None,
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (MEMBER, NOT_ROLE)],
    ),
    ("GET", "/stations/{code}/visits", None, FUZHOU_ADMIN, [(XIAMEN_ADMIN, NOT_AREA)]),
    (
        "GET",
        "/stations/{code}/feedback",
        None,
        SUPERVISOR,
        [(XIAMEN_SUPERVISOR, NOT_AREA), (OTHER_PARTNER, NOT_OURS), (WORKER, NOT_ROLE)],
    ),
    ("GET", "/siting/gaps", None, SUPERVISOR, [(OWNER, NOT_ROLE), (WORKER, NOT_ROLE)]),
    ("GET", "/siting/gaps.geojson", None, FUZHOU_ADMIN, [(MEMBER, NOT_ROLE)]),
    (
        "POST",
        "/workers/positions",
        {"lat": 26.05, "lon": 119.32},
        WORKER,
        [(FUZHOU_ADMIN, NOT_ROLE), (SUPERVISOR, NOT_ROLE)],
    ),
    (
        "GET",
        "/stations/{code}/qr",
        None,
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA), (SUPERVISOR, NOT_ROLE)],
    ),
    (
        "GET",
        "/areas/350100/totals",
        None,
        SUPERVISOR,
        [(XIAMEN_ADMIN, NOT_AREA), (OWNER, NOT_ROLE)],
    ),
    (
        "POST",
        "/activities",
        {**ACTIVITY, "station_code": "{code}"},
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA), (MEMBER, NOT_ROLE)],
    ),
    (
        "POST",
        "/activities",
        {**ACTIVITY, "area_code": "350100"},
        FUZHOU_ADMIN,
        [(XIAMEN_ADMIN, NOT_AREA), (OWNER, "only for a station it operates")],
    ),
    (
        "POST",
        "/donations",
        {
            "donor": "某饮料公司",
            "kind": "goods",
            "goods": "矿泉水(箱)",
            "quantity": 4,
            "station_code": "{code}",
        },
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA), (SUPERVISOR, NOT_ROLE)],
    ),
    (
        "POST",
        "/donations",
        {"donor": "兴业银行", "kind": "money", "amount_fen": 100, "area_code": "350100"},
        FUZHOU_ADMIN,
        [(XIAMEN_ADMIN, NOT_AREA), (OWNER, "only to a station it operates")],
    ),
    ("GET", "/donations?area_code=350100", None, SUPERVISOR, [(XIAMEN_ADMIN, NOT_AREA)]),
    (
        "POST",
        "/stations/{code}/supplies/water",
        {"change": 12},
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA), (WORKER, NOT_ROLE)],
    ),
    ("GET", "/stations/{code}/supplies", None, SUPERVISOR, [(XIAMEN_SUPERVISOR, NOT_AREA)]),
    ("GET", "/supplies/low", None, OWNER, [(MEMBER, NOT_ROLE)]),
    (
        "POST",
        "/stations/{code}/subsidies",
        {"purpose": "示范点改造", "requested_fen": 100},
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA), (SUPERVISOR, NOT_ROLE)],
    ),
    ("GET", "/subsidies", None, SUPERVISOR, [(WORKER, NOT_ROLE)]),
    ("GET", "/subsidies/{subsidy}", None, OWNER, [(OTHER_PARTNER, NOT_OURS)]),
    (
        "POST",
        "/subsidies/{subsidy}/review",
        {"note": "材料齐全"},
        FUZHOU_ADMIN,
        [(OWNER, "only union_admin"), (XIAMEN_ADMIN, NOT_AREA), (SUPERVISOR, NOT_ROLE)],
    ),
    (
        "POST",
        "/subsidies/{subsidy}/approve",
        {"note": "同意", "amount_fen": 100},
        FUZHOU_ADMIN,
        [(OWNER, "only union_admin")],
    ),
    (
        "POST",
        "/subsidies/{subsidy}/report",
        {"note": "购置饮水机1台"},
        OWNER,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA)],
    ),
    (
        "POST",
        "/stations/{code}/exit",
        {"reason": "场地收回"},
        FUZHOU_ADMIN,
        [(OTHER_PARTNER, NOT_OURS), (XIAMEN_ADMIN, NOT_AREA)],
    ),
]


@pytest.fixture
async def app(
    stations_engine: AsyncEngine, database_url: str, redis_url: str, prefix: str
) -> AsyncIterator[FastAPI]:
    """The stations app on a migrated database (no lifespan: no stream runtime needed)."""
    settings = StationsSettings(
        database_url=database_url,
        redis_url=redis_url,
        stream_prefix=prefix,
        worker_id_secret="test-secret",
    )
    app = create_app(settings, clock=ManualClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC)))
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A caller without a token."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://stations") as http:
        yield http


async def test_every_route_but_the_public_ones_asks_for_a_token(app: FastAPI) -> None:
    assert await unguarded_routes(app, public=PUBLIC) == []


async def test_workers_use_the_public_routes_without_a_token(
    anonymous: httpx.AsyncClient,
) -> None:
    code, _ = await _station_with_subsidy(anonymous)
    activity = await anonymous.post(
        "/activities", json={**ACTIVITY, "area_code": "350100"}, headers=FUZHOU_ADMIN
    )
    activity_id = activity.json()["id"]
    worker = {"worker_id": "wx-openid-1"}
    token = (await anonymous.get(f"/stations/{code}/qr", headers=FUZHOU_ADMIN)).json()["token"]
    answers = [
        await anonymous.get("/stations", params={"lat": 26.0878, "lon": 119.3034}),
        await anonymous.get("/stations.geojson"),
        await anonymous.get(f"/stations/{code}"),
        await anonymous.get("/areas"),
        await anonymous.get("/activities"),
        await anonymous.get(f"/activities/{activity_id}"),
        await anonymous.post(f"/activities/{activity_id}/signups", json=worker),
        await anonymous.post(f"/activities/{activity_id}/cancellations", json=worker),
        await anonymous.post(f"/activities/{activity_id}/check-ins", json=worker),
        await anonymous.post(f"/stations/{code}/visits", json={**worker, "token": token}),
    ]
    assert [(r.request.url.path, r.status_code) for r in answers if r.status_code >= 400] == [
        (f"/activities/{activity_id}/check-ins", 409)  # not the day: refused by the rules
    ]


async def test_each_staff_route_admits_its_roles_and_refuses_the_rest_with_the_reason(
    anonymous: httpx.AsyncClient,
) -> None:
    code, subsidy = await _station_with_subsidy(anonymous)

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{code}", code).replace("{subsidy}", subsidy)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    refusals = []
    for method, path, body, allowed, refused in RULES:
        url = fill(path)
        for caller, reason in refused:
            answer = await anonymous.request(method, url, json=fill(body), headers=caller)
            if answer.status_code != 403 or reason not in answer.json()["detail"]:
                refusals.append((method, path, reason, answer.status_code, answer.text))
        answer = await anonymous.request(method, url, json=fill(body), headers=allowed)
        assert answer.status_code not in (401, 403), (method, path, answer.text)
    assert refusals == []


async def test_each_manager_lists_the_stations_they_run_and_no_others(
    anonymous: httpx.AsyncClient,
) -> None:
    bank = [await _active_station(anonymous, external_ref=f"CIB-{n}") for n in range(3)]
    post = await _active_station(
        anonymous, external_ref="POST-1", operator="fj-post", name="鼓楼邮政爱心驿站"
    )
    xiamen = {
        **station_data(external_ref="XM-1", name="思明环卫驿站"),
        "address": "厦门市思明区中山路1号",
        "lat": 24.4539,
        "lon": 118.0819,
    }
    registered = await anonymous.post("/stations", json=xiamen, headers=XIAMEN_ADMIN)
    assert registered.status_code == 201, registered.text

    async def listed(headers: dict[str, str], **params: Any) -> list[str]:
        page = await anonymous.get("/managed-stations", params=params, headers=headers)
        assert page.status_code == 200, page.text
        return [s["code"] for s in page.json()["items"]]

    assert await listed(OWNER) == sorted(bank)
    assert await listed(bearer(Role.PARTNER, sub="post-ops", department="fj-post")) == [post]
    assert await listed(bearer(Role.PARTNER, sub="stray")) == []
    assert await listed(FUZHOU_ADMIN) == sorted([*bank, post])
    assert await listed(XIAMEN_ADMIN) == [registered.json()["code"]]
    assert await listed(FUZHOU_ADMIN, q="邮政") == [post]
    first = (await anonymous.get("/managed-stations", params={"limit": 2}, headers=OWNER)).json()
    assert [s["code"] for s in first["items"]] == sorted(bank)[:2]
    rest = await listed(OWNER, after=first["next_after"])
    assert rest == sorted(bank)[2:]
    assert first["items"][0]["status_label"] and first["items"][0]["compliant"] is True
    refused = await anonymous.get("/managed-stations", headers=WORKER)
    assert refused.status_code == 403


async def test_area_refusals_say_why_in_chinese_and_english(
    anonymous: httpx.AsyncClient,
) -> None:
    code, _ = await _station_with_subsidy(anonymous)
    refused = await anonymous.post(f"/stations/{code}/suspend", json=STEP, headers=XIAMEN_ADMIN)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        f"不在您管辖的区域 / station {code} (350102) is outside your area 350200"
    )
    station = await anonymous.get(f"/stations/{code}")
    assert station.json()["status"] == "active"


async def test_a_partner_without_a_department_operates_no_station(
    anonymous: httpx.AsyncClient,
) -> None:
    union_run = await _active_station(anonymous, external_ref="FZ-UNION-1", operator=None)
    nobody = bearer(Role.PARTNER, sub="stray")
    refused = await anonymous.post(f"/stations/{union_run}/suspend", json=STEP, headers=nobody)
    assert refused.status_code == 403 and NOT_OURS in refused.json()["detail"]


async def test_the_actor_recorded_is_the_caller_not_the_body(
    anonymous: httpx.AsyncClient,
) -> None:
    code, _ = await _station_with_subsidy(anonymous)
    assessed = await anonymous.post(
        f"/stations/{code}/assessments",
        json={**ASSESSMENT, "assessor": "冒名者"},
        headers=FUZHOU_ADMIN,
    )
    assert assessed.status_code == 201
    suspended = await anonymous.post(
        f"/stations/{code}/suspend", json={**STEP, "actor": "冒名者"}, headers=OWNER
    )
    assert suspended.status_code == 200
    history = (await anonymous.get(f"/stations/{code}/history", headers=SUPERVISOR)).json()
    assert [h["actor"] for h in history] == ["福州市总-王", "dept/cib-bank"]
    found = (await anonymous.get(f"/stations/{code}/assessments", headers=OWNER)).json()
    assert [a["assessor"] for a in found] == ["福州市总-王", "福州市总-王"]


async def test_lists_show_only_the_callers_stations(anonymous: httpx.AsyncClient) -> None:
    ours, _ = await _station_with_subsidy(anonymous)
    other = await _active_station(anonymous, external_ref="POST-FZ-1", operator="fj-post")
    applied = await anonymous.post(
        f"/stations/{other}/subsidies",
        json={"purpose": "示范点改造", "requested_fen": 100},
        headers=OTHER_PARTNER,
    )
    assert applied.status_code == 201
    seen = {
        name: {s["code"] for s in (await anonymous.get("/subsidies", headers=who)).json()}
        for name, who in [
            ("owner", OWNER),
            ("other", OTHER_PARTNER),
            ("fuzhou", FUZHOU_ADMIN),
            ("xiamen", XIAMEN_ADMIN),
        ]
    }
    assert seen == {"owner": {ours}, "other": {other}, "fuzhou": {ours, other}, "xiamen": set()}


async def _active_station(http: httpx.AsyncClient, **overrides: Any) -> str:
    """A Gulou (350102) station run by cib-bank, assessed and activated by Fuzhou staff."""
    body = {**station_data(), "operator": "cib-bank", **overrides}
    registered = await http.post("/stations", json=body, headers=FUZHOU_ADMIN)
    assert registered.status_code == 201, registered.text
    code = registered.json()["code"]
    for step, json in [
        ("assessments", ASSESSMENT),
        ("activate", {"reason": "六有达标"}),
    ]:
        answer = await http.post(f"/stations/{code}/{step}", json=json, headers=FUZHOU_ADMIN)
        assert answer.status_code in (200, 201), answer.text
    return code


async def _station_with_subsidy(http: httpx.AsyncClient) -> tuple[str, str]:
    """An active station of cib-bank with one subsidy application."""
    code = await _active_station(http)
    applied = await http.post(
        f"/stations/{code}/subsidies",
        json={"purpose": "示范点改造", "requested_fen": 100},
        headers=OWNER,
    )
    assert applied.status_code == 201, applied.text
    return code, applied.json()["id"]
