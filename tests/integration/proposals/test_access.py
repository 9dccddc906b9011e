"""Every proposals endpoint has an access rule: role, area, ownership, audited personal data."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.proposals.bootstrap import create_app
from gonghui.proposals.entrypoints.retention import AuditRetention
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Principal, Role, UserDirectory, auth_secret
from gonghui.shared.streams import StreamKeys
from tests.support.auth import bearer, unguarded_routes

pytestmark = pytest.mark.usefixtures("units")

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/asyncapi"),
}

CASE = {
    "title": "关于建设货车司机之家的提案",
    "body": "货车司机缺少休息场所，建议建设共享司机之家。",
    "category": "transport",
    "area_code": "330482",
}
CONTACT = {"name": "王建国", "phone": "13812345678", "area_code": "330482"}
UNIT = {"name": "某单位", "kind": "organisation"}
RATING = {"score": 5}
REPRESENTATIVE = {"name": "沈代表"}
PROBLEM = {
    "representative_id": "rep-x",
    "title": "没有休息场所",
    "body": "港区货车司机没有地方休息。",
}
ISSUE = {"title": "骑手午休场所", "body": "外卖骑手中午没有地方休息，建议开放驿站。"}

# (method, path, body, a role that passes the guard, a role that gets 403)
RULES = [
    ("POST", "/proposals", CASE, Role.REPRESENTATIVE, Role.MEMBER),
    ("GET", "/proposals", None, Role.WORKER, None),
    ("GET", "/proposals/{proposal_id}", None, Role.HANDLER, None),
    ("GET", "/proposals/by-number/{case_no}", None, Role.WORKER, None),
    ("POST", "/proposals/{proposal_id}/outcome-rating", {"score": 3}, Role.WORKER, Role.HANDLER),
    ("POST", "/problems", PROBLEM, Role.WORKER, Role.REVIEWER),
    ("GET", "/problems", None, Role.MEMBER, Role.HANDLER),
    ("GET", "/problems/{problem_id}", None, Role.REPRESENTATIVE, Role.PARTNER),
    ("POST", "/problems/{problem_id}/adopt", {}, Role.REPRESENTATIVE, Role.MEMBER),
    ("POST", "/problems/{problem_id}/decline", {"reason": "r"}, Role.REPRESENTATIVE, Role.WORKER),
    ("POST", "/proposals/{proposal_id}/photos", None, Role.HANDLER, None),
    ("GET", "/proposals/{proposal_id}/photos", None, Role.REPRESENTATIVE, None),
    ("GET", "/proposals/{proposal_id}/photos/{photo_id}", None, Role.WORKER, None),
    ("POST", "/proposals/{proposal_id}/resubmit", {}, Role.MEMBER, Role.REVIEWER),
    ("POST", "/proposals/{proposal_id}/accept", {}, Role.REVIEWER, Role.SUPERVISOR),
    ("POST", "/proposals/{proposal_id}/reject", {"reason": "r"}, Role.REVIEWER, Role.HANDLER),
    ("POST", "/proposals/{proposal_id}/return", {"reason": "r"}, Role.REVIEWER, Role.MEMBER),
    ("POST", "/proposals/{proposal_id}/merge", {"into": "x"}, Role.REVIEWER, Role.UNION_ADMIN),
    ("POST", "/proposals/{proposal_id}/assign", {}, Role.REVIEWER, Role.SUPERVISOR),
    ("POST", "/proposals/{proposal_id}/offer", {}, Role.REVIEWER, Role.PARTNER),
    ("POST", "/proposals/{proposal_id}/claim", {}, Role.HANDLER, Role.MEMBER),
    ("POST", "/proposals/{proposal_id}/verify", {}, Role.SUPERVISOR, Role.REVIEWER),
    ("POST", "/proposals/{proposal_id}/send-back", {"reason": "r"}, Role.SUPERVISOR, Role.HANDLER),
    ("POST", "/proposals/{proposal_id}/feedback", {"satisfaction": 5}, Role.MEMBER, Role.HANDLER),
    ("POST", "/proposals/{proposal_id}/reopen", {"reason": "r"}, Role.REPRESENTATIVE, Role.WORKER),
    ("PUT", "/units/{code}", UNIT, Role.UNION_ADMIN, Role.REVIEWER),
    ("GET", "/units", None, Role.REVIEWER, Role.MEMBER),
    (
        "PUT",
        "/representatives/{representative_id}",
        {"name": "沈代表"},
        Role.UNION_ADMIN,
        Role.REVIEWER,
    ),
    ("GET", "/representatives", None, Role.WORKER, Role.HANDLER),
    ("POST", "/routing-rules", {"unit_code": "ph-legal"}, Role.UNION_ADMIN, Role.REVIEWER),
    ("GET", "/routing-rules", None, Role.SUPERVISOR, Role.PARTNER),
    ("DELETE", "/routing-rules/{rule_id}", None, Role.UNION_ADMIN, Role.SUPERVISOR),
    ("POST", "/discussions", ISSUE, Role.MEMBER, Role.REVIEWER),
    ("GET", "/discussions", None, Role.MEMBER, Role.WORKER),
    ("GET", "/discussions/{discussion_id}", None, Role.REVIEWER, Role.HANDLER),
    ("POST", "/discussions/{discussion_id}/comments", {"body": "b"}, Role.MEMBER, Role.REVIEWER),
    ("POST", "/discussions/{discussion_id}/supports", None, Role.MEMBER, Role.UNION_ADMIN),
    ("POST", "/discussions/{discussion_id}/convert", {}, Role.REVIEWER, Role.MEMBER),
    ("POST", "/representatives/{representative_id}/ratings", RATING, Role.MEMBER, Role.HANDLER),
    ("GET", "/representatives/{representative_id}/duty-report", None, Role.SUPERVISOR, Role.MEMBER),
    ("POST", "/key-contacts", CONTACT, Role.REPRESENTATIVE, Role.MEMBER),
    ("GET", "/key-contacts", None, Role.UNION_ADMIN, Role.REVIEWER),
    ("GET", "/key-contacts/{contact_id}", None, Role.REPRESENTATIVE, Role.SUPERVISOR),
    ("GET", "/key-contacts/{contact_id}/access-log", None, Role.UNION_ADMIN, Role.REPRESENTATIVE),
    ("GET", "/audit", None, Role.UNION_ADMIN, Role.SUPERVISOR),
    ("POST", "/key-contacts/{contact_id}/visits", {}, Role.REPRESENTATIVE, Role.UNION_ADMIN),
    ("GET", "/stats", None, Role.SUPERVISOR, Role.REVIEWER),
]


@pytest.fixture
def app(database_url, proposals_engine, prefix, clock, redis_url):
    """The proposals app (no stream runtime)."""
    settings = ProposalsSettings(
        database_url=database_url, redis_url=redis_url, stream_prefix=prefix
    )
    return create_app(settings, clock=clock)


@pytest.fixture
async def api(app):
    """The app over ASGI."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://proposals"
    ) as client:
        yield client
    await app.state.engine.dispose()


def concrete(path: str) -> str:
    """A path with every parameter filled in (ids nobody has: 404 past the guard)."""
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_every_route_but_the_public_ones_refuses_an_anonymous_caller(app, api) -> None:
    assert await unguarded_routes(app, public=PUBLIC) == []
    # The same check from the OpenAPI document, which lists routes of included routers too.
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert routes - PUBLIC == {(method, path) for method, path, *_ in RULES}
    for method, path in sorted(routes - PUBLIC):
        answer = await api.request(method, concrete(path), json={})
        assert answer.status_code == 401, (method, path, answer.text)
    spoofed = await api.get("/key-contacts/1", headers={"X-Role": "union_admin"})
    assert spoofed.status_code == 401


async def test_each_endpoint_admits_its_roles_and_refuses_others_with_the_reason(api) -> None:
    wrong = []
    for method, path, body, allowed, denied in RULES:
        url = concrete(path)
        if denied is not None:  # None: every role may call it (the further rules decide)
            refused = await api.request(method, url, json=body, headers=bearer(denied))
            if refused.status_code != 403 or f"role {denied.value} may not" not in refused.text:
                wrong.append(f"{method} {path} as {denied}: {refused.status_code} {refused.text}")
        passed = await api.request(method, url, json=body, headers=bearer(allowed))
        if passed.status_code in (401, 403):
            wrong.append(f"{method} {path} as {allowed}: {passed.status_code} {passed.text}")
    assert wrong == []


async def submitted(api, sub: str = "rep-shen") -> str:
    answer = await api.post(
        "/proposals", json=CASE, headers=bearer(Role.REPRESENTATIVE, sub=sub, area="330482")
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def test_staff_of_another_area_are_refused_with_the_reason(api) -> None:
    pid = await submitted(api)
    beijing = bearer(Role.REVIEWER, sub="bj-group", area="110000")
    refused = await api.post(f"/proposals/{pid}/accept", json={}, headers=beijing)
    assert refused.status_code == 403
    assert "不在您的管辖范围" in refused.json()["detail"]
    assert "area 330482 is outside your area 110000" in refused.json()["detail"]
    assert (await api.get(f"/proposals/{pid}", headers=beijing)).status_code == 403
    assert (await api.get("/proposals", headers=beijing)).json()["items"] == []
    zhejiang = bearer(Role.REVIEWER, sub="zj-group", area="330000")
    accepted = await api.post(f"/proposals/{pid}/accept", json={"actor": "x"}, headers=zhejiang)
    assert accepted.status_code == 200 and accepted.json()["timeline"][-1]["actor"] == "zj-group"
    assert (
        await api.post(
            f"/proposals/{pid}/verify", json={}, headers=bearer(Role.SUPERVISOR, area="110000")
        )
    ).status_code == 403
    elsewhere = bearer(Role.REPRESENTATIVE, sub="rep-bj", area="110000")
    assert (await api.post("/proposals", json=CASE, headers=elsewhere)).status_code == 403


async def test_only_the_submitter_follows_up_and_only_the_assigned_unit_reads(api) -> None:
    pid = await submitted(api)
    other = bearer(Role.REPRESENTATIVE, sub="rep-other")
    assert (await api.get(f"/proposals/{pid}", headers=other)).status_code == 403
    refused = await api.post(f"/proposals/{pid}/reopen", json={"reason": "r"}, headers=other)
    assert refused.status_code == 403 and "only the submitter may do this" in refused.text
    listing = await api.get("/proposals", params={"submitted_by": "rep-shen"}, headers=other)
    assert listing.status_code == 403
    mine = await api.get("/proposals", headers=bearer(Role.REPRESENTATIVE, sub="rep-shen"))
    assert [c["id"] for c in mine.json()["items"]] == [pid]

    group = bearer(Role.REVIEWER, sub="g")
    await api.post(f"/proposals/{pid}/accept", json={}, headers=group)
    await api.post(f"/proposals/{pid}/assign", json={}, headers=group)
    town = bearer(Role.HANDLER, sub="h-1", department="dushu-town")
    assert (await api.get(f"/proposals/{pid}", headers=town)).status_code == 200
    assert [c["id"] for c in (await api.get("/proposals", headers=town)).json()["items"]] == [pid]
    legal = bearer(Role.PARTNER, sub="svc", department="ph-legal")
    assert (await api.get(f"/proposals/{pid}", headers=legal)).status_code == 403
    assert (
        await api.get("/proposals", params={"unit": "dushu-town"}, headers=legal)
    ).status_code == 403


async def test_discussions_ratings_and_duty_reports_act_as_the_caller(api) -> None:
    issue = await api.post("/discussions", json=ISSUE, headers=bearer(Role.MEMBER, sub="m-1"))
    assert issue.json()["opened_by"] == "m-1"
    did = issue.json()["id"]
    await api.post(
        f"/discussions/{did}/comments",
        json={"author": "someone-else", "body": "同意"},
        headers=bearer(Role.MEMBER, sub="m-2"),
    )
    seen = (await api.get(f"/discussions/{did}", headers=bearer(Role.MEMBER))).json()
    assert [c["author"] for c in seen["comments"]] == ["m-2"]
    rep = bearer(Role.REPRESENTATIVE, sub="rep-lu")
    self_rating = await api.post(
        "/representatives/rep-lu/ratings",
        json={"score": 5},
        headers=bearer(Role.MEMBER, sub="rep-lu"),
    )
    assert self_rating.status_code == 403 and "不能给自己评分" in self_rating.text
    assert (await api.get("/representatives/rep-lu/duty-report", headers=rep)).status_code == 200
    others = await api.get("/representatives/rep-zhu/duty-report", headers=rep)
    assert others.status_code == 403 and "your own duty report" in others.text


async def test_full_personal_data_needs_an_allowed_role_and_a_purpose_and_is_audited(
    api, proposals_uow, clock
) -> None:
    zhu = bearer(Role.REPRESENTATIVE, sub="rep-zhu")
    cid = (await api.post("/key-contacts", json=CONTACT, headers=zhu)).json()["id"]
    masked = (await api.get(f"/key-contacts/{cid}", headers=zhu)).json()
    assert masked["masked"] and masked["phone"] == "138****5678"
    full = await api.get(f"/key-contacts/{cid}", params={"purpose": "安排走访"}, headers=zhu)
    assert not full.json()["masked"] and full.json()["phone"] == "13812345678"

    wu = bearer(Role.REPRESENTATIVE, sub="rep-wu")
    assert (await api.get(f"/key-contacts/{cid}", headers=wu)).status_code == 403
    assert (
        await api.get("/key-contacts", params={"representative_id": "rep-zhu"}, headers=wu)
    ).status_code == 403
    assert (await api.post(f"/key-contacts/{cid}/visits", json={}, headers=wu)).status_code == 403
    beijing = bearer(Role.UNION_ADMIN, sub="bj-admin", area="110000")
    refused = await api.get(f"/key-contacts/{cid}", params={"purpose": "x"}, headers=beijing)
    assert refused.status_code == 403 and "outside your area 110000" in refused.text
    assert (await api.get("/key-contacts", headers=beijing)).json()["items"] == []
    pinghu = bearer(Role.UNION_ADMIN, sub="ph-admin", area="330482")
    clock.advance(timedelta(days=2))
    assert (
        await api.get(f"/key-contacts/{cid}", params={"purpose": "核实困难"}, headers=pinghu)
    ).json()["name"] == "王建国"

    admin = bearer(Role.UNION_ADMIN)
    log = (await api.get("/audit", params={"subject": cid}, headers=admin)).json()["items"]
    assert [(e["reader"], e["role"], e["purpose"]) for e in log] == [
        ("ph-admin", "union_admin", "核实困难"),
        ("rep-zhu", "representative", "安排走访"),
    ]
    by_reader = await api.get("/audit", params={"reader": "rep-zhu"}, headers=admin)
    assert [e["subject"] for e in by_reader.json()["items"]] == [cid]
    late = await api.get("/audit", params={"from": "2026-11-30", "to": "2026-11-30"}, headers=admin)
    assert [e["reader"] for e in late.json()["items"]] == ["ph-admin"]

    retention = AuditRetention(proposals_uow, keep=timedelta(days=1), interval=60)
    assert await retention.purge_expired() == 1
    kept = (await api.get("/audit", headers=admin)).json()["items"]
    assert [e["reader"] for e in kept] == ["ph-admin"]


async def test_personal_data_roles_are_configurable(
    database_url, proposals_engine, prefix, clock, redis_url
) -> None:
    settings = ProposalsSettings(
        database_url=database_url,
        redis_url=redis_url,
        stream_prefix=prefix,
        personal_data_roles=[Role.UNION_ADMIN],
    )
    app = create_app(settings, clock=clock)
    zhu = bearer(Role.REPRESENTATIVE, sub="rep-zhu")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://proposals"
    ) as api:
        cid = (await api.post("/key-contacts", json=CONTACT, headers=zhu)).json()["id"]
        read = await api.get(f"/key-contacts/{cid}", params={"purpose": "走访"}, headers=zhu)
        audit = await api.get("/audit", headers=bearer(Role.UNION_ADMIN))
    await app.state.engine.dispose()
    assert read.json()["masked"] and read.json()["phone"] == "138****5678"
    assert audit.json()["items"] == []


async def test_the_assigned_unit_reads_the_names_of_the_people_on_its_case(
    api, redis: Redis, keys: StreamKeys
) -> None:
    admin = bearer(Role.UNION_ADMIN)
    await api.put("/representatives/rep-shen", json={"name": "沈代表"}, headers=admin)
    reviewer = Principal(sub="g", role=Role.REVIEWER)
    await UserDirectory(redis, keys).add(reviewer, secret=auth_secret(), name="陈静（审议小组）")
    pid = await submitted(api)
    group = bearer(Role.REVIEWER, sub="g")
    await api.post(f"/proposals/{pid}/accept", json={}, headers=group)
    await api.post(f"/proposals/{pid}/assign", json={}, headers=group)
    town = bearer(Role.HANDLER, sub="h-1", department="dushu-town")

    case = (await api.get(f"/proposals/{pid}", headers=town)).json()
    (listed,) = (await api.get("/proposals", headers=town)).json()["items"]

    # The representative from the registry, the review group's member from their account.
    assert case["names"] == {"rep-shen": "沈代表", "g": "陈静（审议小组）"}
    assert listed["names"] == {"rep-shen": "沈代表"}  # the work queue reads the list
    assert (await api.get("/representatives", headers=town)).status_code == 403


async def test_a_registered_representative_is_named_in_their_own_header(
    api, redis: Redis, keys: StreamKeys
) -> None:
    rep = Principal(sub="rep-lin", role=Role.REPRESENTATIVE, area="350104")
    accounts = UserDirectory(redis, keys)
    await accounts.add(rep, secret=auth_secret())
    await accounts.set_password(rep, "a-Password-for-lin-1", must_change=False)
    admin = bearer(Role.UNION_ADMIN)
    await api.put("/representatives/rep-lin", json={"name": "林代表"}, headers=admin)
    signed_in = await accounts.check_password("rep-lin", "a-Password-for-lin-1")
    assert signed_in is not None and signed_in.name == "林代表"  # what the header shows
    await api.put("/representatives/rep-lin", json={"name": "林晓代表"}, headers=admin)
    assert await accounts.names({"rep-lin"}) == {"rep-lin": "林晓代表"}
