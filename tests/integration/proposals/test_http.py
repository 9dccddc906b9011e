"""The HTTP API: 409 with the reason on an invalid move, 404 on unknown ids, the whole timeline."""

from __future__ import annotations

import httpx
import pytest

from gonghui.proposals.bootstrap import create_app
from gonghui.proposals.settings import ProposalsSettings

pytestmark = pytest.mark.usefixtures("units")

CASE = {
    "kind": "proposal",
    "title": "关于建设货车司机之家的提案",
    "body": "货车司机缺少休息场所，建议建设共享司机之家。",
    "category": "transport",
    "area_code": "330482",
    "submitted_by": "rep-shen",
}


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


async def test_invalid_transition_is_409_with_the_reason(api: httpx.AsyncClient) -> None:
    case = (await api.post("/proposals", json=CASE)).json()
    refused = await api.post(f"/proposals/{case['id']}/verify", json={"actor": "supervisor"})
    assert refused.status_code == 409
    assert "cannot verify a case that is submitted" in refused.json()["detail"]
    assert (await api.get(f"/proposals/{case['id']}")).json()["status"] == "submitted"


async def test_unknown_case_is_404(api: httpx.AsyncClient) -> None:
    assert (await api.get("/proposals/NOPE")).status_code == 404
    assert (await api.post("/proposals/NOPE/accept", json={"actor": "g"})).status_code == 404


async def test_bad_input_is_422(api: httpx.AsyncClient) -> None:
    assert (await api.post("/proposals", json={**CASE, "area_code": "12"})).status_code == 422
    case = (await api.post("/proposals", json=CASE)).json()
    assert (
        await api.post(f"/proposals/{case['id']}/reject", json={"actor": "g"})
    ).status_code == 422


async def test_the_submitter_sees_every_step_with_who_and_when(api: httpx.AsyncClient) -> None:
    case = (await api.post("/proposals", json=CASE)).json()
    pid = case["id"]
    await api.post(
        f"/proposals/{pid}/return", json={"actor": "group-1", "reason": "请补充司机数量"}
    )
    await api.post(
        f"/proposals/{pid}/resubmit", json={"actor": "rep-shen", "note": "约 3000 名司机"}
    )
    await api.post(f"/proposals/{pid}/accept", json={"actor": "group-1", "note": "立案"})
    assigned = await api.post(f"/proposals/{pid}/assign", json={"actor": "group-1"})
    assert assigned.status_code == 200, assigned.text
    seen = (await api.get(f"/proposals/{pid}")).json()
    assert seen["status"] == "assigned" and seen["status_label"] == "已交办"
    assert seen["unit_code"] == "dushu-town"
    assert [(t["action"], t["actor"]) for t in seen["timeline"]] == [
        ("submit", "rep-shen"),
        ("return", "group-1"),
        ("resubmit", "rep-shen"),
        ("accept", "group-1"),
        ("assign", "group-1"),
    ]
    assert seen["timeline"][1]["note"] == "请补充司机数量"
    assert seen["timeline"][0]["at_local"] == "2026-11-28 19:00"
    running = {d["step"]: d["state"] for d in seen["deadlines"] if d["ended_at"] is None}
    assert running == {"closure": "running", "acceptance": "running"}


async def test_merge_and_override_and_routing_admin(api: httpx.AsyncClient) -> None:
    first = (await api.post("/proposals", json=CASE)).json()["id"]
    dup = (await api.post("/proposals", json=CASE)).json()["id"]
    merged = await api.post(f"/proposals/{dup}/merge", json={"actor": "g", "into": first})
    assert merged.json()["status"] == "merged" and merged.json()["merged_into"] == first
    await api.post(f"/proposals/{first}/accept", json={"actor": "g"})
    chosen = await api.post(
        f"/proposals/{first}/assign", json={"actor": "g", "unit_code": "ph-legal"}
    )
    assert chosen.json()["unit_code"] == "ph-legal"
    assert chosen.json()["timeline"][-1]["details"]["override"] is True
    unknown = await api.post("/routing-rules", json={"unit_code": "ghost", "category": "x"})
    assert unknown.status_code == 404
    await api.put("/units/ghost", json={"name": "幽灵单位", "kind": "organisation"})
    assert (
        await api.post("/routing-rules", json={"unit_code": "ghost", "category": "x"})
    ).status_code == 201
    assert any(r["unit_code"] == "ghost" for r in (await api.get("/routing-rules")).json()["items"])


async def test_cases_are_listed_by_status_and_unit(api: httpx.AsyncClient) -> None:
    first = (await api.post("/proposals", json=CASE)).json()["id"]
    second = (await api.post("/proposals", json=CASE)).json()["id"]
    await api.post(f"/proposals/{first}/accept", json={"actor": "g"})
    await api.post(f"/proposals/{first}/assign", json={"actor": "g"})
    assigned = (await api.get("/proposals", params={"unit": "dushu-town"})).json()["items"]
    assert [c["id"] for c in assigned] == [first]
    waiting = (await api.get("/proposals", params={"status": "submitted"})).json()["items"]
    assert [c["id"] for c in waiting] == [second]
    everything = (await api.get("/proposals", params={"submitted_by": "rep-shen"})).json()["items"]
    assert [c["id"] for c in everything] == [second, first]
