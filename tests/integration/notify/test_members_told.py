"""Workers take part: members hear of their case's steps, representatives of problems raised to
them, supervisors and the review group of a low outcome rating (default rules)."""

from __future__ import annotations

from gonghui.notify.application.handlers import apply_rules
from tests.integration.notify.conftest import Uow, event, inbox

CASE = {
    "proposal_id": "P-7",
    "case_no": "330482-2026-000007",
    "kind": "proposal",
    "title": "港区货车司机没有休息的地方",
    "area_code": "330482",
    "unit_code": "dushu-town",
    "unit_name": "独山港镇人民政府",
    "submitted_by": "rep-shen",
    "members": ["w-driver", "w-2"],
}


async def test_members_representatives_and_overseers_are_told_what_concerns_them(uow: Uow) -> None:
    raised = event(
        "problem.raised.v1",
        "Q-1",
        {
            "problem_id": "Q-1",
            "member_id": "w-driver",
            "representative_id": "rep-shen",
            "title": "港区货车司机没有休息的地方",
            "raised_at": "2026-11-28T11:00:00Z",
        },
    )
    answered = event(
        "problem.answered.v1",
        "Q-1",
        {
            "problem_id": "Q-1",
            "member_id": "w-driver",
            "representative_id": "rep-shen",
            "title": "港区货车司机没有休息的地方",
            "outcome": "adopted",
            "proposal_id": "P-7",
            "case_no": "330482-2026-000007",
            "at": "2026-11-28T11:05:00Z",
        },
    )
    completed = event(
        "proposal.transitioned.v1",
        "P-7",
        {**CASE, "seq": 6, "action": "complete", "step": "handling", "note": "司机之家已开放"},
        event_id="complete-P-7",
    )
    progress = event(
        "proposal.transitioned.v1",
        "P-7",
        {**CASE, "seq": 5, "action": "progress", "step": "handling", "note": "选址完成"},
        event_id="progress-P-7",
    )
    low = event(
        "proposal.low_satisfaction.v1",
        "P-7",
        {**CASE, "member_id": "w-driver", "score": 2, "threshold": 3, "low": True},
    )
    for each in (raised, answered, progress, completed, low):
        await apply_rules(each, each.data, uow=uow())

    [to_rep] = [n for n in await inbox(uow, "rep-shen") if n.cause_type == "problem.raised.v1"]
    assert to_rep.title == "会员反映问题：港区货车司机没有休息的地方"
    driver = {n.cause_type: n for n in await inbox(uow, "w-driver")}
    assert sorted(driver) == ["problem.answered.v1", "proposal.transitioned.v1"], "not progress"
    assert "已立项（编号 330482-2026-000007）" in driver["problem.answered.v1"].body
    done = driver["proposal.transitioned.v1"]
    assert "330482-2026-000007" in done.body and "司机之家已开放" in done.body
    assert [n.cause_event_id for n in await inbox(uow, "w-2")] == ["complete-P-7"]
    for group in ("role:supervisor", "role:review_group"):
        [flag] = [
            n for n in await inbox(uow, group) if n.cause_type == "proposal.low_satisfaction.v1"
        ]
        assert "评分 2 分" in flag.body and "独山港镇人民政府" in flag.body
        assert flag.area_code == "330482"
