"""/stats is counted by the database, scoped to the caller's area, with what the seed counts."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from gonghui.proposals.application import handlers as cases
from gonghui.shared.auth import Role
from gonghui.shared.contracts.proposals import AcceptAssignment, CompleteCase
from tests.support.auth import bearer

pytestmark = pytest.mark.usefixtures("units")

REP = bearer(Role.REPRESENTATIVE, sub="rep-1")
BJ_REP = bearer(Role.REPRESENTATIVE, sub="rep-bj")
GROUP = bearer(Role.REVIEWER, sub="g")
SUP = bearer(Role.SUPERVISOR, sub="s")
PINGHU_SUP = bearer(Role.SUPERVISOR, sub="s-ph", area="330400")
ADMIN = bearer(Role.UNION_ADMIN, sub="admin")
WORKER = bearer(Role.WORKER, sub="w-1")
PINGHU = {
    "title": "提案测试标题",
    "body": "这是一条用于统计的测试提案内容。",
    "area_code": "330482",
}
BEIJING = {**PINGHU, "area_code": "110105", "kind": "hotline"}


async def close(api, clock, proposals_uow, policy, pid: str, *, handling_days: int) -> None:
    """Accept, assign, handle for `handling_days`, verify and give feedback."""
    clock.advance(timedelta(hours=2))
    await api.post(f"/proposals/{pid}/accept", json={}, headers=GROUP)
    await api.post(f"/proposals/{pid}/assign", json={"unit_code": "jx-transport"}, headers=GROUP)
    await cases.accept_assignment(
        AcceptAssignment(proposal_id=pid), unit="jx-transport", uow=proposals_uow(), policy=policy
    )
    clock.advance(timedelta(days=handling_days))
    await cases.complete(
        CompleteCase(proposal_id=pid, result="完成"),
        unit="jx-transport",
        uow=proposals_uow(),
        policy=policy,
    )
    await api.post(f"/proposals/{pid}/verify", json={}, headers=SUP)
    await api.post(f"/proposals/{pid}/feedback", json={"satisfaction": 4}, headers=REP)
    clock.advance(-timedelta(days=handling_days, hours=2))


async def test_figures_of_the_loop_and_of_the_representatives_work_in_the_callers_area(
    api: httpx.AsyncClient, clock, proposals_uow, policy
) -> None:
    fast, slow, _waiting = [
        (await api.post("/proposals", json={**PINGHU, "members": ["w-1"]}, headers=REP)).json()[
            "id"
        ]
        for _ in range(3)
    ]
    await close(api, clock, proposals_uow, policy, fast, handling_days=1)
    await close(
        api, clock, proposals_uow, policy, slow, handling_days=70
    )  # past the 60-day closure
    for _ in range(5):
        await api.post("/proposals", json=BEIJING, headers=BJ_REP)
    rated = await api.post(f"/proposals/{fast}/outcome-rating", json={"score": 2}, headers=WORKER)
    assert rated.status_code == 201
    await api.post(f"/proposals/{slow}/outcome-rating", json={"score": 5}, headers=WORKER)
    for area, visits in (("330482", 3), ("330482", 1), ("110105", 2)):
        contact = await api.post(
            "/key-contacts", json={"name": "王建国", "area_code": area}, headers=REP
        )
        for _ in range(visits):
            await api.post(f"/key-contacts/{contact.json()['id']}/visits", json={}, headers=REP)
    await api.post(
        "/problems",
        json={"representative_id": "rep-1", **PINGHU, "title": "没有休息的地方"},
        headers=WORKER,
    )

    pinghu = (await api.get("/stats", params={"by": "kind"}, headers=PINGHU_SUP)).json()
    total = pinghu["total"]
    assert (total["submitted"], total["accepted"], total["closed"]) == (3, 2, 2)
    assert total["closure_rate"] == 1.0 and total["on_time_rate"] == 0.5
    assert total["avg_hours_per_step"]["review"] == 2.0
    assert total["avg_hours_per_step"]["handling"] == 852.0  # (24 + 1680) / 2 hours
    assert pinghu["area"] == "3304"
    assert pinghu["by"]["kind"] == {"proposal": total}
    assert pinghu["cases"]["by_kind"] == {"proposal": 3}
    assert pinghu["cases"]["by_step"] == {"closed": 2, "review": 1}
    assert pinghu["cases"]["by_kind_and_status"] == {"proposal": {"closed": 2, "submitted": 1}}
    assert pinghu["cases"]["overdue_by_kind"] == {}
    assert pinghu["satisfaction"]["feedback"] == {"count": 2, "average": 4.0}
    ratings = pinghu["satisfaction"]["outcome_ratings"]
    assert (ratings["count"], ratings["average"], ratings["low"]) == (2, 3.5, 1)
    assert ratings["threshold"] == 3 and ratings["by_score"]["2"] == 1
    assert pinghu["key_contacts"] == 2
    assert pinghu["home_visits"] == {"visits": 4, "contacts_reached": 2, "reports_raised": 0}
    assert pinghu["problems"] == {"raised": 1, "adopted": 0, "declined": 0}

    everywhere = (await api.get("/stats", params={"by": "area"}, headers=ADMIN)).json()
    assert everywhere["total"]["submitted"] == 8 and everywhere["key_contacts"] == 3
    assert everywhere["by"]["area"]["110105"]["submitted"] == 5
    assert everywhere["cases"]["by_kind"] == {"proposal": 3, "hotline": 5}
    beijing = (await api.get("/stats", params={"area": "11"}, headers=ADMIN)).json()
    assert beijing["total"]["submitted"] == 5 and beijing["home_visits"]["visits"] == 2
    assert beijing["cases"]["by_step"] == {"review": 5}
    clock.advance(timedelta(days=30))  # past every review deadline: all five are overdue
    later = (await api.get("/stats", params={"area": "11"}, headers=ADMIN)).json()
    later_here = (await api.get("/stats", params={"area": "3304"}, headers=ADMIN)).json()
    clock.advance(-timedelta(days=30))
    assert later["cases"]["overdue_by_kind"] == {"hotline": 5}
    # The waiting one; a closed case has no running step.
    assert later_here["cases"]["overdue_by_kind"] == {"proposal": 1}
    outside = await api.get("/stats", params={"area": "110105"}, headers=PINGHU_SUP)
    assert outside.status_code == 403
    period = (await api.get("/stats", params={"from": "2027-01-01"}, headers=ADMIN)).json()
    assert period["total"]["submitted"] == 0 and period["total"]["closure_rate"] is None


async def test_lists_apply_the_area_before_the_limit(api: httpx.AsyncClient) -> None:
    for area in ["110105"] * 8 + ["330482"] * 2:
        await api.post("/key-contacts", json={"name": "王建国", "area_code": area}, headers=REP)
        await api.post(
            "/discussions",
            json={"title": "骑手午休场所", "body": "外卖骑手中午没有地方休息。", "area_code": area},
            headers=REP,
        )
    pinghu_admin = bearer(Role.UNION_ADMIN, sub="a-ph", area="330482")
    contacts = await api.get("/key-contacts", params={"limit": 2}, headers=pinghu_admin)
    assert [c["area_code"] for c in contacts.json()["items"]] == ["330482", "330482"]
    asked = await api.get("/key-contacts", params={"limit": 2, "area": "3304"}, headers=ADMIN)
    assert [c["area_code"] for c in asked.json()["items"]] == ["330482", "330482"]
    talks = await api.get("/discussions", params={"limit": 2, "area": "330482"}, headers=REP)
    assert [d["area_code"] for d in talks.json()["items"]] == ["330482", "330482"]
