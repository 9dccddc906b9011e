"""The five-step loop as a state machine: every allowed move, every refused one with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gonghui.proposals.domain.model import (
    RULES,
    Action,
    Case,
    CaseKind,
    CaseStatus,
    CoHandling,
    InvalidTransition,
    Step,
)

T0 = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
UNIT = "jx-transport"


def new_case(kind: CaseKind = CaseKind.PROPOSAL, **kw) -> Case:
    return Case.submit(
        id="C1",
        kind=kind,
        title="货车司机之家",
        body="货车司机缺少休息场所，子女入学困难。",
        submitted_by="rep-1",
        at=T0,
        category="transport",
        area_code="330482",
        **kw,
    )


def in_status(status: CaseStatus, kind: CaseKind = CaseKind.PROPOSAL) -> Case:
    case = new_case(kind)
    case.status = status
    case.unit_code = UNIT
    case.offered_to = [UNIT]
    case.responsible_person = "p-1"
    case.new_transitions.clear()
    return case


def other() -> Case:
    target = new_case()
    target.id = "C2"
    return target


def act(case: Case, action: Action) -> None:
    at = T0 + timedelta(hours=1)
    match action:
        case Action.RESUBMIT:
            case.resubmit(by="rep-1", at=at, note="补充材料")
        case Action.ACCEPT:
            case.accept(by="reviewer", at=at)
        case Action.REJECT:
            case.reject(by="reviewer", at=at, reason="不属于工会职责")
        case Action.MERGE:
            case.merge_into(other(), by="reviewer", at=at)
        case Action.RETURN:
            case.return_for_information(by="reviewer", at=at, note="请补充地点")
        case Action.OFFER:
            case.offer([UNIT], by="system", at=at)
        case Action.CLAIM:
            case.claim(UNIT, at=at)
        case Action.ASSIGN | Action.REASSIGN:
            case.assign("another-unit", by="reviewer", at=at)
        case Action.ACCEPT_ASSIGNMENT:
            case.accept_assignment(UNIT, at=at)
        case Action.DECLINE:
            case.decline(UNIT, at=at, reason="不属本单位")
        case Action.PROGRESS:
            case.report_progress(UNIT, at=at, percent=50)
        case Action.COMPLETE:
            case.complete(UNIT, at=at, result="已办结")
        case Action.VERIFY:
            case.verify(by="supervisor", at=at)
        case Action.SEND_BACK:
            case.send_back(by="supervisor", at=at, note="未落实")
        case Action.FEEDBACK:
            case.give_feedback(by="rep-1", at=at, satisfaction=5)
        case Action.REOPEN:
            case.reopen(by="rep-1", at=at, reason="问题反复")
        case Action.CO_ACCEPT:
            with_co_unit(case).accept_assignment(CO_UNIT, at=at)
        case Action.CO_PROGRESS:
            with_co_unit(case).report_progress(CO_UNIT, at=at, percent=30)
        case Action.CO_COMPLETE:
            with_co_unit(case).complete(CO_UNIT, at=at, result="协办部分已完成")
        case Action.CO_DECLINE:
            with_co_unit(case).decline(CO_UNIT, at=at, reason="不属本单位")


CO_UNIT = "co-unit"


def with_co_unit(case: Case) -> Case:
    """The case with a co-handling unit whose part is just assigned."""
    case.co_handling = [CoHandling(CO_UNIT)]
    return case


def kind_for(action: Action) -> CaseKind:
    return CaseKind.ZERO_DISTANCE if action in (Action.OFFER, Action.CLAIM) else CaseKind.PROPOSAL


# `assign` is one entry point: from accepted it assigns, from assigned/in progress it re-assigns.
ASSIGNABLE = RULES[Action.ASSIGN][0] | RULES[Action.REASSIGN][0]
INVALID = [
    (action, status)
    for action, (allowed, _, _) in RULES.items()
    for status in CaseStatus
    if status not in (ASSIGNABLE if action in (Action.ASSIGN, Action.REASSIGN) else allowed)
]
VALID = [(action, status) for action, (allowed, _, _) in RULES.items() for status in allowed]


@pytest.mark.parametrize(("action", "status"), INVALID, ids=[f"{a}-from-{s}" for a, s in INVALID])
def test_invalid_transition_is_refused_with_reason(action: Action, status: CaseStatus) -> None:
    case = in_status(status, kind_for(action))
    with pytest.raises(InvalidTransition) as refused:
        act(case, action)
    assert status.value in str(refused.value) or "不能" in str(refused.value)
    assert case.status is status
    assert case.new_transitions == []


@pytest.mark.parametrize(("action", "status"), VALID, ids=[f"{a}-from-{s}" for a, s in VALID])
def test_allowed_transition_is_recorded_with_actor_time_and_note(
    action: Action, status: CaseStatus
) -> None:
    case = in_status(status, kind_for(action))
    act(case, action)
    (transition,) = case.new_transitions
    assert transition.from_status is status
    assert transition.to_status is case.status
    assert transition.actor and transition.at == T0 + timedelta(hours=1)
    expected = RULES[action][1] or status
    assert case.status is expected


def test_a_unit_may_act_only_on_cases_assigned_to_it() -> None:
    case = in_status(CaseStatus.ASSIGNED)
    with pytest.raises(InvalidTransition, match="not assigned to police"):
        case.accept_assignment("police", at=T0)


def test_a_claim_from_a_unit_not_offered_the_report_is_refused() -> None:
    case = in_status(CaseStatus.OFFERED, CaseKind.ZERO_DISTANCE)
    with pytest.raises(InvalidTransition, match="not offered to bank"):
        case.claim("bank", at=T0)


def test_hotline_case_needs_named_responsible_person_to_be_accepted() -> None:
    case = new_case(CaseKind.HOTLINE)
    with pytest.raises(InvalidTransition, match="responsible person"):
        case.accept(by="reviewer", at=T0)
    case.accept(by="reviewer", at=T0, responsible_person="张主任")
    assert case.responsible_person == "张主任"


def test_a_case_can_be_reopened_only_once() -> None:
    case = in_status(CaseStatus.VERIFIED)
    case.reopen(by="rep-1", at=T0, reason="问题反复")
    case.complete(UNIT, at=T0, result="再次办结")
    case.verify(by="supervisor", at=T0)
    case.give_feedback(by="rep-1", at=T0, satisfaction=4)
    with pytest.raises(InvalidTransition, match="only once"):
        case.reopen(by="rep-1", at=T0, reason="又坏了")


def test_only_the_submitter_gives_feedback() -> None:
    case = in_status(CaseStatus.VERIFIED)
    with pytest.raises(InvalidTransition, match="only the submitter"):
        case.give_feedback(by="someone-else", at=T0, satisfaction=5)


def test_only_reports_can_be_offered_for_claiming() -> None:
    with pytest.raises(InvalidTransition, match="only zero-distance"):
        new_case().offer([UNIT], by="system", at=T0)


def test_merge_into_a_closed_case_is_refused() -> None:
    target = in_status(CaseStatus.CLOSED)
    target.id = "C9"
    with pytest.raises(InvalidTransition, match="target is closed"):
        new_case().merge_into(target, by="reviewer", at=T0)


def test_reassigning_to_the_same_unit_is_refused() -> None:
    case = in_status(CaseStatus.IN_PROGRESS)
    with pytest.raises(InvalidTransition, match="already assigned"):
        case.assign(UNIT, by="reviewer", at=T0)


def test_whole_loop_keeps_a_timeline_of_five_steps() -> None:
    case = new_case()
    case.accept(by="reviewer", at=T0)
    case.assign(UNIT, by="reviewer", at=T0)
    case.accept_assignment(UNIT, at=T0, handler="王科长")
    case.report_progress(UNIT, at=T0, percent=60, milestone="选址完成")
    case.complete(UNIT, at=T0, result="司机之家已开放")
    case.verify(by="supervisor", at=T0)
    case.give_feedback(by="rep-1", at=T0, satisfaction=5, comment="很满意")
    assert case.status is CaseStatus.CLOSED
    assert [t.seq for t in case.timeline] == list(range(1, 9))
    assert {t.step for t in case.timeline} == set(Step)
    assert case.progress_percent == 100 and case.satisfaction == 5
