"""The HTTP API: 409 with the reason on an invalid move, 404 on unknown ids, the whole timeline."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest
from sqlalchemy.engine import make_url

from gonghui.shared.auth import Role
from tests.support.auth import bearer

pytestmark = pytest.mark.usefixtures("units")

CASE = {
    "kind": "proposal",
    "title": "关于建设货车司机之家的提案",
    "body": "货车司机缺少休息场所，建议建设共享司机之家。",
    "category": "transport",
    "area_code": "330482",
    "submitted_by": "rep-shen",
}
REP = bearer(Role.REPRESENTATIVE, sub="rep-shen")
GROUP = bearer(Role.REVIEWER, sub="group-1")
G = bearer(Role.REVIEWER, sub="g")
SUPERVISOR = bearer(Role.SUPERVISOR, sub="supervisor")
ADMIN = bearer(Role.UNION_ADMIN, sub="admin")


async def test_invalid_transition_is_409_with_the_reason(api: httpx.AsyncClient) -> None:
    case = (await api.post("/proposals", json=CASE, headers=REP)).json()
    refused = await api.post(
        f"/proposals/{case['id']}/verify", json={"actor": "supervisor"}, headers=SUPERVISOR
    )
    assert refused.status_code == 409
    assert "cannot verify a case that is submitted" in refused.json()["detail"]
    assert (await api.get(f"/proposals/{case['id']}", headers=REP)).json()["status"] == "submitted"


async def test_unknown_case_is_404(api: httpx.AsyncClient) -> None:
    assert (await api.get("/proposals/NOPE", headers=G)).status_code == 404
    assert (
        await api.post("/proposals/NOPE/accept", json={"actor": "g"}, headers=G)
    ).status_code == 404


async def test_bad_input_is_422(api: httpx.AsyncClient) -> None:
    assert (
        await api.post("/proposals", json={**CASE, "area_code": "12"}, headers=REP)
    ).status_code == 422
    case = (await api.post("/proposals", json=CASE, headers=REP)).json()
    assert (
        await api.post(f"/proposals/{case['id']}/reject", json={"actor": "g"}, headers=G)
    ).status_code == 422


async def test_the_submitter_sees_every_step_with_who_and_when(api: httpx.AsyncClient) -> None:
    case = (await api.post("/proposals", json=CASE, headers=REP)).json()
    pid = case["id"]
    await api.post(
        f"/proposals/{pid}/return",
        json={"actor": "group-1", "reason": "请补充司机数量"},
        headers=GROUP,
    )
    await api.post(
        f"/proposals/{pid}/resubmit",
        json={"actor": "rep-shen", "note": "约 3000 名司机"},
        headers=REP,
    )
    await api.post(
        f"/proposals/{pid}/accept", json={"actor": "group-1", "note": "立案"}, headers=GROUP
    )
    assigned = await api.post(f"/proposals/{pid}/assign", json={"actor": "group-1"}, headers=GROUP)
    assert assigned.status_code == 200, assigned.text
    seen = (await api.get(f"/proposals/{pid}", headers=REP)).json()
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


async def test_the_list_answers_each_cases_deadlines_as_the_case_itself_does(
    api: httpx.AsyncClient,
) -> None:
    # The desk and the work queue show every open case's deadline from one list request.
    waiting = (await api.post("/proposals", json=CASE, headers=REP)).json()["id"]
    assigned = (await api.post("/proposals", json=CASE, headers=REP)).json()["id"]
    await api.post(f"/proposals/{assigned}/accept", json={"actor": "g"}, headers=G)
    await api.post(f"/proposals/{assigned}/assign", json={"actor": "g"}, headers=G)
    listed = {
        c["id"]: c["deadlines"]
        for c in (await api.get("/proposals", params={"limit": 1000}, headers=G)).json()["items"]
    }
    for case_id in (waiting, assigned):
        single = (await api.get(f"/proposals/{case_id}", headers=G)).json()["deadlines"]
        assert single and listed[case_id] == single
    running = {d["step"] for d in listed[assigned] if d["ended_at"] is None}
    assert running == {"closure", "acceptance"}


async def test_reads_are_answered_while_another_process_holds_the_write_lock(
    api: httpx.AsyncClient, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL readers never wait for writers")
    case = (await api.post("/proposals", json=CASE, headers=REP)).json()
    holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # a consumer's batch in another process, say
        holder.execute("UPDATE proposals SET title = 'x'")
        listed = await asyncio.wait_for(api.get("/proposals", headers=G), timeout=5)
        single = await asyncio.wait_for(api.get(f"/proposals/{case['id']}", headers=G), 5)
        assert listed.status_code == single.status_code == 200
        assert single.json()["title"] == CASE["title"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_merge_and_override_and_routing_admin(api: httpx.AsyncClient) -> None:
    first = (await api.post("/proposals", json=CASE, headers=REP)).json()["id"]
    dup = (await api.post("/proposals", json=CASE, headers=REP)).json()["id"]
    merged = await api.post(
        f"/proposals/{dup}/merge", json={"actor": "g", "into": first}, headers=G
    )
    assert merged.json()["status"] == "merged" and merged.json()["merged_into"] == first
    stored = (await api.get(f"/proposals/{dup}", headers=G)).json()
    assert (stored["status"], stored["merged_into"]) == ("merged", first)
    await api.post(f"/proposals/{first}/accept", json={"actor": "g"}, headers=G)
    chosen = await api.post(
        f"/proposals/{first}/assign", json={"actor": "g", "unit_code": "ph-legal"}, headers=G
    )
    assert chosen.json()["unit_code"] == "ph-legal"
    assert chosen.json()["timeline"][-1]["details"]["override"] is True
    unknown = await api.post(
        "/routing-rules", json={"unit_code": "ghost", "category": "x"}, headers=ADMIN
    )
    assert unknown.status_code == 404
    await api.put("/units/ghost", json={"name": "幽灵单位", "kind": "organisation"}, headers=ADMIN)
    assert (
        await api.post(
            "/routing-rules", json={"unit_code": "ghost", "category": "x"}, headers=ADMIN
        )
    ).status_code == 201
    assert any(
        r["unit_code"] == "ghost"
        for r in (await api.get("/routing-rules", headers=ADMIN)).json()["items"]
    )


async def test_cases_are_listed_by_status_and_unit(api: httpx.AsyncClient) -> None:
    first = (await api.post("/proposals", json=CASE, headers=REP)).json()["id"]
    second = (await api.post("/proposals", json=CASE, headers=REP)).json()["id"]
    await api.post(f"/proposals/{first}/accept", json={"actor": "g"}, headers=G)
    await api.post(f"/proposals/{first}/assign", json={"actor": "g"}, headers=G)
    assigned = (await api.get("/proposals", params={"unit": "dushu-town"}, headers=G)).json()[
        "items"
    ]
    assert [c["id"] for c in assigned] == [first]
    waiting = (await api.get("/proposals", params={"status": "submitted"}, headers=G)).json()[
        "items"
    ]
    assert [c["id"] for c in waiting] == [second]
    everything = (
        await api.get("/proposals", params={"submitted_by": "rep-shen"}, headers=REP)
    ).json()["items"]
    assert [c["id"] for c in everything] == [second, first]
