"""Workers take part: raise a problem, follow the case it becomes, rate its outcome (会员评家)."""

from __future__ import annotations

import httpx
import pytest

from gonghui.proposals.application import handlers as cases
from gonghui.proposals.bootstrap import create_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Role
from gonghui.shared.contracts.proposals import AcceptAssignment, CompleteCase
from tests.integration.proposals.conftest import outbox
from tests.support.auth import bearer

pytestmark = pytest.mark.usefixtures("units")

DRIVER = bearer(Role.WORKER, sub="w-driver")
MEMBER = bearer(Role.MEMBER, sub="m-li")
STRANGER = bearer(Role.MEMBER, sub="m-other")
REP = bearer(Role.REPRESENTATIVE, sub="rep-shen")
OTHER_REP = bearer(Role.REPRESENTATIVE, sub="rep-lu")
GROUP = bearer(Role.REVIEWER, sub="group-1", area="330482")
SUPERVISOR = bearer(Role.SUPERVISOR, sub="sup-1", area="330400")

PROBLEM = {
    "representative_id": "rep-shen",
    "title": "港区货车司机没有休息的地方",
    "body": "我们在港区等货经常一等就是半天，没有地方休息、吃饭，电话 13912345678。",
    "category": "transport",
    "area_code": "330482",
}


@pytest.fixture
async def api(database_url, proposals_engine, prefix, clock, redis_url):
    """The proposals app over ASGI (no stream runtime), low satisfaction at 2 or less."""
    settings = ProposalsSettings(
        database_url=database_url,
        redis_url=redis_url,
        stream_prefix=prefix,
        low_satisfaction_threshold=2,
    )
    app = create_app(settings, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://proposals"
    ) as client:
        yield client
    await app.state.engine.dispose()


async def test_a_worker_raises_a_problem_follows_the_case_and_rates_its_outcome(
    api: httpx.AsyncClient, proposals_uow, keys, policy
) -> None:
    raised = await api.post("/problems", json=PROBLEM, headers=DRIVER)
    assert raised.status_code == 201, raised.text
    problem = raised.json()
    assert problem["status"] == "raised" and problem["member_id"] == "w-driver"
    assert (await api.get("/problems", headers=REP)).json()["items"][0]["id"] == problem["id"]
    assert (await api.get("/problems", headers=OTHER_REP)).json()["items"] == []
    assert (await api.get(f"/problems/{problem['id']}", headers=STRANGER)).status_code == 403
    refused = await api.post(f"/problems/{problem['id']}/adopt", json={}, headers=OTHER_REP)
    assert refused.status_code == 409 and "only the representative" in refused.json()["detail"]

    adopted = await api.post(
        f"/problems/{problem['id']}/adopt",
        json={"kind": "proposal", "note": "已作为提案提交"},
        headers=REP,
    )
    assert adopted.status_code == 201, adopted.text
    case = adopted.json()["case"]
    assert adopted.json()["problem"]["status"] == "adopted"
    assert adopted.json()["problem"]["proposal_id"] == case["id"]
    assert case["members"] == ["w-driver"] and case["submitted_by"] == "rep-shen"
    again = await api.post(f"/problems/{problem['id']}/adopt", json={}, headers=REP)
    assert again.status_code == 409

    pid = case["id"]
    followed = await api.get(f"/proposals/{pid}", headers=DRIVER)
    assert followed.status_code == 200 and followed.json()["timeline"][0]["action"] == "submit"
    mine = (await api.get("/proposals", headers=DRIVER)).json()["items"]
    assert [c["id"] for c in mine] == [pid]
    assert (await api.get(f"/proposals/{pid}", headers=STRANGER)).status_code == 403
    early = await api.post(f"/proposals/{pid}/outcome-rating", json={"score": 5}, headers=DRIVER)
    assert early.status_code == 409 and "no result" in early.json()["detail"]

    await api.post(f"/proposals/{pid}/accept", json={}, headers=GROUP)
    await api.post(f"/proposals/{pid}/assign", json={}, headers=GROUP)
    await cases.accept_assignment(
        AcceptAssignment(proposal_id=pid), unit="dushu-town", uow=proposals_uow(), policy=policy
    )
    await cases.complete(
        CompleteCase(proposal_id=pid, result="司机之家已开放"),
        unit="dushu-town",
        uow=proposals_uow(),
        policy=policy,
    )
    low = await api.post(
        f"/proposals/{pid}/outcome-rating",
        json={"score": 2, "comment": "只开了白天，晚上还是没地方"},
        headers=DRIVER,
    )
    assert low.status_code == 201, low.text
    assert low.json() == {"proposal_id": pid, "member_id": "w-driver", "score": 2, "low": True}
    twice = await api.post(f"/proposals/{pid}/outcome-rating", json={"score": 4}, headers=DRIVER)
    assert twice.status_code == 409 and "one rating per member" in twice.json()["detail"]
    outsider = await api.post(
        f"/proposals/{pid}/outcome-rating", json={"score": 5}, headers=STRANGER
    )
    assert outsider.status_code == 409
    seen = (await api.get(f"/proposals/{pid}", headers=SUPERVISOR)).json()
    assert [(r["member_id"], r["score"]) for r in seen["outcome_ratings"]] == [("w-driver", 2)]

    events = await outbox(proposals_uow, keys.events("proposals"))
    types = [t for t, _ in events]
    assert types[0] == "problem.raised.v1"
    raised_event = events[0][1]
    assert raised_event["representative_id"] == "rep-shen"
    answered = next(d for t, d in events if t == "problem.answered.v1")
    assert answered["outcome"] == "adopted" and answered["case_no"] == case["case_no"]
    assert answered["member_id"] == "w-driver"
    completed = next(
        d for t, d in events if t == "proposal.transitioned.v1" and d["action"] == "complete"
    )
    assert completed["members"] == ["w-driver"]
    flagged = next(d for t, d in events if t == "proposal.low_satisfaction.v1")
    assert flagged["score"] == 2 and flagged["threshold"] == 2 and flagged["low"] is True
    assert flagged["case_no"] == case["case_no"] and flagged["unit_code"] == "dushu-town"
    assert "proposal.outcome_rated.v1" in types


async def test_the_representative_answers_why_not_and_the_member_reads_it(
    api: httpx.AsyncClient, proposals_uow, keys
) -> None:
    problem = (await api.post("/problems", json=PROBLEM, headers=MEMBER)).json()
    empty = await api.post(f"/problems/{problem['id']}/decline", json={"reason": ""}, headers=REP)
    assert empty.status_code == 422
    declined = await api.post(
        f"/problems/{problem['id']}/decline",
        json={"reason": "港区已在建司机之家，年底开放"},
        headers=REP,
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    read = (await api.get(f"/problems/{problem['id']}", headers=MEMBER)).json()
    assert read["answer"] == "港区已在建司机之家，年底开放" and read["status_label"] == "不予立项"
    assert (await api.get("/problems", params={"status": "raised"}, headers=MEMBER)).json()[
        "items"
    ] == []
    scoped = await api.get("/problems", headers=bearer(Role.REVIEWER, area="110000"))
    assert scoped.json()["items"] == []
    answered = [
        d
        for t, d in await outbox(proposals_uow, keys.events("proposals"))
        if t == "problem.answered.v1"
    ]
    assert [(a["outcome"], a["member_id"]) for a in answered] == [("declined", "m-li")]
    own = await api.post("/problems", json={**PROBLEM, "representative_id": "m-li"}, headers=MEMBER)
    assert own.status_code == 403
