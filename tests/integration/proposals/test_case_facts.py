"""Events of a case carry what a rule needs to reach people: number, masked title, priority."""

from __future__ import annotations

import httpx
import pytest

from gonghui.proposals.bootstrap import create_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Role
from tests.integration.proposals.conftest import outbox
from tests.support.auth import bearer

pytestmark = pytest.mark.usefixtures("units")

HOTLINE = {
    "kind": "hotline",
    "title": "环卫工人被拖欠工资 13812345678",
    "body": "12351 热线：环卫工人反映被拖欠三个月工资，联系电话 13812345678，请尽快处理。",
    "category": "legal",
    "area_code": "330482",
}
REP = bearer(Role.REPRESENTATIVE, sub="rep-shen")
GROUP = bearer(Role.REVIEWER, sub="group-1")
ADMIN = bearer(Role.UNION_ADMIN, sub="admin")


@pytest.fixture
async def api(database_url, proposals_engine, prefix, clock, redis_url):
    """The proposals app over ASGI (no stream runtime)."""
    settings = ProposalsSettings(
        database_url=database_url, redis_url=redis_url, stream_prefix=prefix
    )
    app = create_app(settings, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://proposals"
    ) as client:
        yield client
    await app.state.engine.dispose()


async def test_a_hotline_case_is_urgent_and_names_the_units_head_and_the_representative(
    api: httpx.AsyncClient, proposals_uow, keys
) -> None:
    head = {
        "name": "平湖律师服务团",
        "kind": "legal_service",
        "responsible_person": "u-lawyer-head",
        "responsible_person_name": "王主任",
    }
    assert (await api.put("/units/ph-legal", json=head, headers=ADMIN)).status_code == 200
    listed = (await api.get("/units", headers=ADMIN)).json()["items"]
    assert {"code": "ph-legal", "active": True, **head} in listed
    named = await api.put(
        "/representatives/rep-shen", json={"name": "沈代表", "area_code": "330482"}, headers=ADMIN
    )
    assert named.status_code == 200
    found = await api.get("/representatives", params={"area": "3304"}, headers=bearer(Role.WORKER))
    assert found.json()["items"] == [
        {"id": "rep-shen", "name": "沈代表", "area_code": "330482", "active": True}
    ]

    case = (await api.post("/proposals", json=HOTLINE, headers=REP)).json()
    assert case["priority"] == "urgent"
    pid = case["id"]
    await api.post(
        f"/proposals/{pid}/accept", json={"responsible_person": "u-zhang"}, headers=GROUP
    )
    assert (await api.post(f"/proposals/{pid}/assign", json={}, headers=GROUP)).status_code == 200

    events = await outbox(proposals_uow, keys.events("proposals"))
    assigned = next(
        d for t, d in events if t == "proposal.transitioned.v1" and d["action"] == "assign"
    )
    assert assigned["case_no"] == case["case_no"] == "330482-2026-000001"
    assert assigned["title"] == "环卫工人被拖欠工资 138****5678"
    assert assigned["priority"] == "urgent"
    assert assigned["unit_code"] == "ph-legal" and assigned["unit_name"] == "平湖律师服务团"
    assert assigned["unit_responsible_person"] == "u-lawyer-head"
    assert assigned["unit_responsible_person_name"] == "王主任"
    assert assigned["responsible_person"] == "u-zhang"
    assert assigned["submitted_by_name"] == "沈代表"
    assert assigned["area_code"] == "330482"
    submitted = next(d for t, d in events if t == "proposal.submitted.v1")
    assert submitted["priority"] == "urgent" and "13812345678" not in submitted["title"]

    [(kind, work)] = await outbox(proposals_uow, keys.inbox("ph-legal"))
    assert kind == "proposal.assigned.v1"
    assert work["priority"] == "urgent" and work["case_no"] == "330482-2026-000001"
    assert work["unit_responsible_person"] == "u-lawyer-head"
    assert "13812345678" not in work["title"] + work["body"]


async def test_zero_distance_is_high_and_other_kinds_normal(api: httpx.AsyncClient) -> None:
    issue = {**HOTLINE, "kind": "issue", "title": "骑手午休场所不足"}
    report = {**HOTLINE, "kind": "zero_distance", "title": "困难职工家中漏雨"}
    assert (await api.post("/proposals", json=issue, headers=REP)).json()["priority"] == "normal"
    assert (await api.post("/proposals", json=report, headers=REP)).json()["priority"] == "high"
