"""Who may call which notify endpoint: roles from the bearer token, inboxes, areas, departments."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.notify.application.handlers import apply_rules, record_station
from gonghui.notify.bootstrap import create_app
from gonghui.notify.settings import NotifySettings
from gonghui.shared.auth import Principal, Role, UserDirectory, auth_secret
from gonghui.shared.streams import StreamKeys
from tests.integration.notify.conftest import Uow, event
from tests.support.auth import bearer, unguarded_routes

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/asyncapi"),
}
"""The only notify routes open to anonymous callers: the operations endpoints."""

ADMIN = bearer(Role.UNION_ADMIN, sub="admin-1")
FUJIAN_ADMIN = bearer(Role.UNION_ADMIN, sub="admin-fj", area="350000")
XIAMEN_ADMIN = bearer(Role.UNION_ADMIN, sub="admin-xm", area="350200")
WEATHER = bearer(Role.PARTNER, sub="svc-weather", department="weather")
TRANSPORT = bearer(Role.PARTNER, sub="svc-transport", department="transport")

RULE = {
    "event_type": "proposal.stalled.v1",
    "recipients": ["role:supervisor"],
    "channels": ["in_app"],
    "title_zh": "停滞",
    "body_zh": "事项已停滞",
}
ALERT = {"broadcast_id": "b-1", "title_zh": "高温", "body_zh": "注意防暑", "audience": {}}


@pytest.fixture
async def app(
    notify_engine: AsyncEngine, redis_url: str, keys: StreamKeys
) -> AsyncIterator[FastAPI]:
    """The notify app as deployed (its lifespan not started: no consumers, no dispatcher)."""
    settings = NotifySettings(
        database_url=notify_engine.url.render_as_string(hide_password=False),
        redis_url=redis_url,
        stream_prefix=keys.prefix,
        broadcast_departments="weather",
    )
    app = create_app(settings)
    yield app
    await app.state.engine.dispose()
    await app.state.runtime.redis.aclose()


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://notify"
    ) as client:
        yield client


async def test_every_notify_endpoint_but_operations_needs_a_token(app: FastAPI) -> None:
    assert await unguarded_routes(app, public=PUBLIC) == []


async def test_openapi_shows_the_bearer_scheme(api: httpx.AsyncClient) -> None:
    schemes = (await api.get("/openapi.json")).json()["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"


EVERYONE = [role for role in Role]
ADMINS = [Role.UNION_ADMIN]

GUARDED = [
    ("GET", "/rules", None, ADMINS),
    ("GET", "/rules/stalled", None, ADMINS),
    ("PUT", "/rules/stalled", RULE, ADMINS),
    ("POST", "/rules/stalled/preview", {"data": {}}, ADMINS),
    ("DELETE", "/rules/stalled", None, ADMINS),
    ("GET", "/recipients/p-1", None, ADMINS),
    ("PUT", "/recipients/p-1", {"name": "工友"}, ADMINS),
    ("DELETE", "/recipients/p-1", None, ADMINS),
    ("GET", "/deliveries", None, ADMINS),
    ("POST", "/deliveries/d-1/retry", None, ADMINS),
    ("POST", "/broadcasts", ALERT, [Role.UNION_ADMIN, Role.PARTNER]),
    ("GET", "/broadcasts/weather:b-1", None, [Role.UNION_ADMIN, Role.PARTNER]),
    ("GET", "/notifications", None, EVERYONE),
    ("GET", "/notifications/unread-count", None, EVERYONE),
    ("POST", "/notifications/read", {}, EVERYONE),
    ("GET", "/me/preferences", None, EVERYONE),
    ("PUT", "/me/preferences", {}, EVERYONE),
]


async def test_each_endpoint_admits_its_roles_and_refuses_the_others_with_the_reason(
    api: httpx.AsyncClient,
) -> None:
    for method, path, body, allowed in GUARDED:
        for role in Role:
            headers = bearer(role, sub=f"u-{role.value}", department="weather")
            response = await api.request(method, path, json=body, headers=headers)
            seen = (method, path, role.value, response.status_code, response.text)
            if role in allowed:
                assert response.status_code not in (401, 403), seen
            else:
                assert response.status_code == 403, seen
                assert f"role {role.value} may not do this" in response.json()["detail"], seen


async def test_a_revoked_or_forged_token_is_refused(
    api: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    forged = {"Authorization": "Bearer not.a.token"}
    response = await api.get("/notifications", headers=forged)
    assert response.status_code == 401 and "invalid token" in response.json()["detail"]
    users = UserDirectory(redis, keys)
    token = await users.add(Principal(sub="rep-9", role=Role.REPRESENTATIVE), secret=auth_secret())
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.get("/notifications", headers=headers)).status_code == 200
    await users.revoke("rep-9")
    response = await api.get("/notifications", headers=headers)
    assert response.status_code == 401 and response.json()["detail"] == "token revoked"


async def test_a_person_reads_and_marks_only_their_own_inbox_or_their_groups(
    api: httpx.AsyncClient,
) -> None:
    rep = bearer(Role.REPRESENTATIVE, sub="rep-1")
    for recipient in ("rep-1", "role:representative"):
        own = await api.get("/notifications", params={"recipient": recipient}, headers=rep)
        assert own.status_code == 200
    assert (await api.get("/notifications", headers=rep)).status_code == 200
    for call in (
        api.get("/notifications", params={"recipient": "rep-2"}, headers=rep),
        api.get("/notifications/unread-count", params={"recipient": "rep-2"}, headers=rep),
        api.post("/notifications/read", json={"recipient": "rep-2"}, headers=rep),
        api.get("/notifications", params={"recipient": "role:supervisor"}, headers=rep),
    ):
        response = await call
        assert response.status_code == 403
        assert "只能查看本人" in response.json()["detail"]
        assert "only your own inbox" in response.json()["detail"]


async def test_group_inboxes_follow_the_role_and_the_unit(api: httpx.AsyncClient) -> None:
    reads = [
        (Role.REVIEWER, None, "role:review_group"),
        (Role.UNION_ADMIN, None, "role:station_admin"),
        (Role.HANDLER, "transport", "dept:transport"),
    ]
    for role, department, inbox in reads:
        headers = bearer(role, sub="u-1", department=department)
        response = await api.get("/notifications", params={"recipient": inbox}, headers=headers)
        assert response.status_code == 200, (role, inbox)
    other_unit = bearer(Role.HANDLER, sub="u-1", department="water")
    response = await api.get(
        "/notifications", params={"recipient": "dept:transport"}, headers=other_unit
    )
    assert response.status_code == 403


async def test_an_admin_manages_recipients_of_their_own_area_only(api: httpx.AsyncClient) -> None:
    xiamen = {"name": "工友", "area_code": "350203"}
    fuzhou = {"name": "工友", "area_code": "350102"}
    assert (await api.put("/recipients/w-xm", json=xiamen, headers=XIAMEN_ADMIN)).status_code == 200
    refused = await api.put("/recipients/w-fz", json=fuzhou, headers=XIAMEN_ADMIN)
    assert refused.status_code == 403
    assert "不在您的辖区" in refused.json()["detail"]
    assert "outside your area 350200" in refused.json()["detail"]
    assert (await api.put("/recipients/w-fz", json=fuzhou, headers=FUJIAN_ADMIN)).status_code == 200
    for method in ("GET", "DELETE"):
        other = await api.request(method, "/recipients/w-fz", headers=XIAMEN_ADMIN)
        assert other.status_code == 403
    moved = await api.put("/recipients/w-fz", json=xiamen, headers=XIAMEN_ADMIN)
    assert moved.status_code == 403
    unscoped = await api.put("/recipients/role:x", json={"name": "组"}, headers=XIAMEN_ADMIN)
    assert unscoped.status_code == 403
    assert (await api.delete("/recipients/w-fz", headers=FUJIAN_ADMIN)).status_code == 204


async def test_a_district_admin_changes_only_rules_of_their_own_area(
    api: httpx.AsyncClient,
) -> None:
    refused = await api.put("/rules/stalled", json=RULE, headers=FUJIAN_ADMIN)
    assert refused.status_code == 403 and "every area" in refused.json()["detail"]
    assert (await api.put("/rules/stalled", json=RULE, headers=ADMIN)).status_code == 200
    assert (await api.delete("/rules/stalled", headers=FUJIAN_ADMIN)).status_code == 403
    taken = await api.put(
        "/rules/stalled", json={**RULE, "area_code": "3502"}, headers=XIAMEN_ADMIN
    )
    assert taken.status_code == 403
    assert (await api.get("/rules", headers=FUJIAN_ADMIN)).status_code == 200

    siming = {**RULE, "area_code": "350203"}
    own = await api.put("/rules/siming-stalled", json=siming, headers=XIAMEN_ADMIN)
    assert own.status_code == 200 and own.json()["area_code"] == "350203"
    gulou = {**RULE, "area_code": "350102"}
    outside = await api.put("/rules/gulou-stalled", json=gulou, headers=XIAMEN_ADMIN)
    assert outside.status_code == 403 and "outside your area" in outside.json()["detail"]
    assert (await api.delete("/rules/siming-stalled", headers=FUJIAN_ADMIN)).status_code == 204
    assert (await api.delete("/rules/stalled", headers=ADMIN)).status_code == 204


async def test_broadcasts_stay_inside_the_admins_area_and_the_partners_department(
    api: httpx.AsyncClient,
) -> None:
    everyone = await api.post("/broadcasts", json=ALERT, headers=XIAMEN_ADMIN)
    assert everyone.status_code == 403 and "outside your area" in everyone.json()["detail"]
    local = {**ALERT, "audience": {"area_code": "350203"}}
    started = await api.post("/broadcasts", json=local, headers=XIAMEN_ADMIN)
    assert started.status_code == 202 and started.json()["department"] == "union"

    refused = await api.post("/broadcasts", json=ALERT, headers=TRANSPORT)
    assert refused.status_code == 403 and "not permitted to broadcast" in refused.json()["detail"]
    by_partner = await api.post("/broadcasts", json=ALERT, headers=WEATHER)
    assert by_partner.status_code == 202 and by_partner.json()["id"] == "weather:b-1"
    assert (await api.get("/broadcasts/weather:b-1", headers=WEATHER)).status_code == 200
    other = await api.get("/broadcasts/union:b-1", headers=WEATHER)
    assert other.status_code == 403 and "your department's" in other.json()["detail"]


async def test_a_person_edits_only_their_own_preferences(api: httpx.AsyncClient) -> None:
    worker = bearer(Role.WORKER, sub="w-1")
    assert (await api.get("/me/preferences", headers=worker)).status_code == 404
    person = {"name": "工友", "roles": ["worker"], "area_code": "350203"}
    await api.put("/recipients/w-1", json=person, headers=ADMIN)
    mine = {"locale": "en", "quiet_start": "22:00", "quiet_end": "07:00", "opt_outs": ["*"]}
    stored = (await api.put("/me/preferences", json=mine, headers=worker)).json()
    assert stored["id"] == "w-1" and stored["locale"] == "en" and stored["opt_outs"] == ["*"]
    assert stored["roles"] == ["worker"] and stored["area_code"] == "350203"
    assert (await api.get("/recipients/w-1", headers=ADMIN)).json()["quiet_start"] == "22:00"
    bad = await api.put("/me/preferences", json={"quiet_start": "25:99"}, headers=worker)
    assert bad.status_code == 422


async def test_an_inbox_without_a_recipient_is_the_callers_own_and_their_groups(
    api: httpx.AsyncClient, uow: Uow
) -> None:
    submitted = event("proposal.submitted.v1", "P-1", {"title": "驿站漏雨", "submitted_by": "rv-1"})
    registered = event("station.registered.v1", "GH-1", {"code": "GH-1", "name": "驿站"})
    for cause in (submitted, registered):
        await apply_rules(cause, cause.data, uow=uow())
    reviewer = bearer(Role.REVIEWER, sub="rv-1")
    seen = (await api.get("/notifications", headers=reviewer)).json()["items"]
    assert {n["recipient"] for n in seen} == {"rv-1", "role:review_group"}
    other = bearer(Role.REVIEWER, sub="rv-2")
    seen = (await api.get("/notifications", headers=other)).json()["items"]
    assert {n["recipient"] for n in seen} == {"role:review_group"}


async def test_a_group_notice_read_by_one_member_stays_unread_for_the_others(
    api: httpx.AsyncClient, uow: Uow
) -> None:
    for case in ("P-1", "P-2"):
        cause = event("proposal.submitted.v1", case, {"title": "驿站漏雨", "submitted_by": "rep-9"})
        await apply_rules(cause, cause.data, uow=uow())
    first, second = bearer(Role.REVIEWER, sub="rv-1"), bearer(Role.REVIEWER, sub="rv-2")
    group = {"recipient": "role:review_group"}

    async def unread(headers: dict[str, str]) -> int:
        count = await api.get("/notifications/unread-count", params=group, headers=headers)
        return count.json()["unread"]

    assert (await unread(first), await unread(second)) == (2, 2)
    notices = (await api.get("/notifications", params=group, headers=first)).json()["items"]
    one = {**group, "ids": [notices[0]["id"]]}
    assert (await api.post("/notifications/read", json=one, headers=first)).json()["marked"] == 1
    assert (await api.post("/notifications/read", json=one, headers=first)).json()["marked"] == 0
    assert (await unread(first), await unread(second)) == (1, 2)
    assert (await api.post("/notifications/read", json=group, headers=first)).json()["marked"] == 1
    assert (await unread(first), await unread(second)) == (0, 2)

    seen_by_first = (await api.get("/notifications", params=group, headers=first)).json()
    assert all(n["read_at"] for n in seen_by_first["items"])
    still = await api.get("/notifications", params={**group, "unread": True}, headers=second)
    assert len(still.json()["items"]) == 2
    assert all(n["read_at"] is None for n in still.json()["items"])
    everything = await api.get("/notifications/unread-count", headers=second)
    assert everything.json() == {"recipient": None, "unread": 2}
    capped = await api.get("/notifications/unread-count", params={"most": 1}, headers=second)
    assert capped.json()["unread"] == 1
    assert (await api.post("/notifications/read", json=group, headers=second)).json()["marked"] == 2
    assert await unread(second) == 0


async def test_group_inboxes_show_each_reader_only_their_own_area(
    api: httpx.AsyncClient, uow: Uow
) -> None:
    causes = [
        event("station.registered.v1", "350102-0001", _station("350102-0001", "350102", "鼓楼")),
        event("station.registered.v1", "350203-0001", _station("350203-0001", "350203", "思明")),
        event(
            "station.complaint_received.v1",
            "350203-0001",
            {"code": "350203-0001", "name": "思明驿站", "area_code": "350203", "text": "没开门"},
            event_id="complaint-1",
        ),
        event(
            "station.exited.v1",
            "350203-0001",
            {"code": "350203-0001", "to_status": "exited", "reason": "撤并"},
        ),
        event("proposal.submitted.v1", "P-BJ", _case("P-BJ", "110105")),
        event("proposal.submitted.v1", "P-PH", _case("P-PH", "330482")),
    ]
    for cause in causes:
        await record_station(cause.type, cause.data, uow=uow())
        await apply_rules(cause, cause.data, uow=uow())

    async def group(headers: dict[str, str], recipient: str) -> set[str]:
        page = await api.get("/notifications", params={"recipient": recipient}, headers=headers)
        assert page.status_code == 200, page.text
        return {n["subject"] for n in page.json()["items"]}

    fuzhou = bearer(Role.UNION_ADMIN, sub="admin-fz", area="350100")
    assert await group(fuzhou, "role:station_admin") == {"350102-0001"}
    xiamen = await group(XIAMEN_ADMIN, "role:station_admin")
    assert xiamen == {"350203-0001"}
    assert await group(FUJIAN_ADMIN, "role:station_admin") == {"350102-0001", "350203-0001"}
    count = await api.get(
        "/notifications/unread-count", params={"recipient": "role:station_admin"}, headers=fuzhou
    )
    assert count.json()["unread"] == 1
    # An exit carries no area of its own: notify's copy of the station supplies it.
    read_all = await api.post(
        "/notifications/read", json={"recipient": "role:station_admin"}, headers=fuzhou
    )
    assert read_all.json()["marked"] == 1
    still = await api.get(
        "/notifications/unread-count",
        params={"recipient": "role:station_admin"},
        headers=XIAMEN_ADMIN,
    )
    assert still.json()["unread"] == 3

    beijing = bearer(Role.REVIEWER, sub="rv-bj", area="110000")
    pinghu = bearer(Role.REVIEWER, sub="rv-ph", area="330482")
    assert await group(beijing, "role:review_group") == {"P-BJ"}
    assert await group(pinghu, "role:review_group") == {"P-PH"}


def _station(code: str, area: str, district: str) -> dict[str, object]:
    return {
        "code": code,
        "name": f"{district}驿站",
        "address": f"{district}区",
        "lat": 26.0,
        "lon": 119.0,
        "open_hours": "24/7",
        "status": "proposed",
        "area_code": area,
    }


def _case(case_id: str, area: str) -> dict[str, object]:
    return {"proposal_id": case_id, "title": "驿站漏雨", "submitted_by": "rep-1", "area_code": area}
