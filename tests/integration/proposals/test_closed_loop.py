"""The loop on a real database and real streams: review, routing, the unit's answers, the DLQ."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from gonghui.proposals.application import handlers as cases
from gonghui.proposals.domain.model import CaseStatus, InvalidTransition
from gonghui.shared.contracts.proposals import CaseKind
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.streams import StreamKeys
from tests.integration.proposals.conftest import department_consumer, outbox
from tests.support.builders import entry
from tests.support.streams import create_group, read_new

pytestmark = pytest.mark.usefixtures("units")

TRUCK_DRIVERS = cases.SubmitProposal(
    kind=CaseKind.PROPOSAL,
    title="关于建设货车司机之家的提案",
    body="独山港区货车司机多，缺少休息场所，子女入学也有困难，建议建设共享“司机之家”。",
    area_code="330482",
    category="transport",
    submitted_by="rep-shen",
)


async def answer(
    redis: Redis, keys: StreamKeys, uow, policy, code: str, type_name: str, data: dict
) -> None:
    consumer = department_consumer(redis, keys, uow, code, policy=policy)
    await create_group(redis, consumer.stream, consumer.group)
    await redis.xadd(consumer.stream, entry(code, type_name, data))
    await consumer.process(
        await read_new(redis, consumer.stream, consumer.group, consumer.consumer)
    )


async def test_routing_sends_the_case_to_the_most_specific_unit_inbox(
    proposals_uow, policy, keys
) -> None:
    case = await cases.submit_proposal(TRUCK_DRIVERS, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id,
        by="group-1",
        note="立案",
        responsible_person=None,
        uow=proposals_uow(),
        policy=policy,
    )
    assigned = await cases.assign(
        case.id, by="group-1", unit_code=None, note=None, uow=proposals_uow(), policy=policy
    )
    assert assigned.unit_code == "dushu-town"
    (item,) = await outbox(proposals_uow, keys.inbox("dushu-town"))
    assert item[0] == "proposal.assigned.v1"
    assert item[1]["proposal_id"] == case.id and item[1]["reason"] == "assigned"
    assert item[1]["accept_by"] is not None


async def test_department_answers_drive_the_case_to_closure(
    redis, keys, proposals_uow, policy, clock
) -> None:
    case = await cases.submit_proposal(TRUCK_DRIVERS, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id,
        by="group-1",
        note=None,
        responsible_person=None,
        uow=proposals_uow(),
        policy=policy,
    )
    await cases.assign(
        case.id,
        by="group-1",
        unit_code="jx-transport",
        note="请交通局牵头",
        uow=proposals_uow(),
        policy=policy,
    )
    unit = "jx-transport"
    await answer(
        redis,
        keys,
        proposals_uow,
        policy,
        unit,
        "proposal.accept_assignment.v1",
        {"proposal_id": case.id, "handler": "王科长"},
    )
    clock.advance(timedelta(days=3))
    await answer(
        redis,
        keys,
        proposals_uow,
        policy,
        unit,
        "proposal.progress.v1",
        {"proposal_id": case.id, "percent": 40, "milestone": "选址完成"},
    )
    await answer(
        redis,
        keys,
        proposals_uow,
        policy,
        unit,
        "proposal.complete.v1",
        {"proposal_id": case.id, "result": "司机之家已开放"},
    )
    await cases.verify(
        case.id, by="supervisor-1", note="实地核查属实", uow=proposals_uow(), policy=policy
    )
    closed = await cases.give_feedback(
        case.id,
        by="rep-shen",
        satisfaction=5,
        comment="司机们很满意",
        uow=proposals_uow(),
        policy=policy,
    )

    assert closed.status is CaseStatus.CLOSED
    assert [t.action.value for t in closed.timeline] == [
        "submit",
        "accept",
        "assign",
        "accept_assignment",
        "progress",
        "complete",
        "verify",
        "feedback",
    ]
    assert closed.timeline[3].actor == "dept:jx-transport"
    async with proposals_uow() as uow:
        deadlines = await uow.deadlines.of(case.id)
    assert all(d.ended_at is not None for d in deadlines)
    events = [t for t, _ in await outbox(proposals_uow, keys.events("proposals"))]
    assert events.count("proposal.transitioned.v1") == 8 and events[0] == "proposal.submitted.v1"


async def test_decline_sends_the_case_back_to_the_reviewers(
    redis, keys, proposals_uow, policy
) -> None:
    case = await cases.submit_proposal(TRUCK_DRIVERS, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id, by="g", note=None, responsible_person=None, uow=proposals_uow(), policy=policy
    )
    await cases.assign(
        case.id, by="g", unit_code="ph-legal", note=None, uow=proposals_uow(), policy=policy
    )
    await answer(
        redis,
        keys,
        proposals_uow,
        policy,
        "ph-legal",
        "proposal.decline.v1",
        {"proposal_id": case.id, "reason": "不属于法律服务"},
    )
    async with proposals_uow() as uow:
        back = await cases.get_case(uow, case.id)
    assert back.status is CaseStatus.ACCEPTED and back.unit_code is None
    assert back.timeline[-1].note == "不属于法律服务"


async def test_reassignment_withdraws_the_case_from_the_first_unit(
    keys, proposals_uow, policy
) -> None:
    case = await cases.submit_proposal(TRUCK_DRIVERS, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id, by="g", note=None, responsible_person=None, uow=proposals_uow(), policy=policy
    )
    await cases.assign(
        case.id, by="g", unit_code="jx-transport", note=None, uow=proposals_uow(), policy=policy
    )
    await cases.assign(
        case.id,
        by="g",
        unit_code="dushu-town",
        note="改由镇政府牵头",
        uow=proposals_uow(),
        policy=policy,
    )
    assert [t for t, _ in await outbox(proposals_uow, keys.inbox("jx-transport"))] == [
        "proposal.assigned.v1",
        "proposal.withdrawn.v1",
    ]
    ((_, item),) = await outbox(proposals_uow, keys.inbox("dushu-town"))
    assert item["reason"] == "reassigned"


async def test_a_department_acting_on_a_case_not_assigned_to_it_is_dead_lettered(
    redis, keys, proposals_uow, policy
) -> None:
    case = await cases.submit_proposal(TRUCK_DRIVERS, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id, by="g", note=None, responsible_person=None, uow=proposals_uow(), policy=policy
    )
    await cases.assign(
        case.id, by="g", unit_code="jx-transport", note=None, uow=proposals_uow(), policy=policy
    )
    await answer(
        redis,
        keys,
        proposals_uow,
        policy,
        "ph-legal",
        "proposal.complete.v1",
        {"proposal_id": case.id, "result": "办完了"},
    )
    await answer(
        redis,
        keys,
        proposals_uow,
        policy,
        "ph-legal",
        "proposal.progress.v1",
        {"proposal_id": "NOPE", "percent": 5},
    )
    letters = await DeadLetters(redis, keys).list(keys.dlq(keys.outbox("ph-legal")))
    assert len(letters) == 2
    assert "not assigned to ph-legal" in letters[0].reason
    assert "no case NOPE" in letters[1].reason
    async with proposals_uow() as uow:
        assert (await cases.get_case(uow, case.id)).status is CaseStatus.ASSIGNED


async def test_the_same_answer_delivered_twice_is_applied_once(
    redis, keys, proposals_uow, policy
) -> None:
    case = await cases.submit_proposal(TRUCK_DRIVERS, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id, by="g", note=None, responsible_person=None, uow=proposals_uow(), policy=policy
    )
    await cases.assign(
        case.id, by="g", unit_code="jx-transport", note=None, uow=proposals_uow(), policy=policy
    )
    consumer = department_consumer(redis, keys, proposals_uow, "jx-transport", policy=policy)
    await create_group(redis, consumer.stream, consumer.group)
    progress = entry(
        "jx-transport",
        "proposal.progress.v1",
        {"proposal_id": case.id, "percent": 10},
        event_id="p-1",
    )
    accept = entry(
        "jx-transport", "proposal.accept_assignment.v1", {"proposal_id": case.id}, event_id="a-1"
    )
    for fields in (accept, progress, progress):
        await redis.xadd(consumer.stream, fields)
    await consumer.process(
        await read_new(redis, consumer.stream, consumer.group, consumer.consumer)
    )
    async with proposals_uow() as uow:
        done = await cases.get_case(uow, case.id)
    assert [t.action.value for t in done.timeline].count("progress") == 1


async def test_assignment_without_a_matching_rule_asks_for_a_unit(proposals_uow, policy) -> None:
    odd = TRUCK_DRIVERS.model_copy(update={"category": "weather", "area_code": "110105"})
    case = await cases.submit_proposal(odd, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id, by="g", note=None, responsible_person=None, uow=proposals_uow(), policy=policy
    )
    with pytest.raises(InvalidTransition, match="no routing rule matches"):
        await cases.assign(
            case.id, by="g", unit_code=None, note=None, uow=proposals_uow(), policy=policy
        )


async def test_hotline_case_is_high_priority_with_a_named_person(
    keys, proposals_uow, policy
) -> None:
    hotline = TRUCK_DRIVERS.model_copy(
        update={"kind": CaseKind.HOTLINE, "title": "12351 来电：欠薪求助"}
    )
    case = await cases.submit_proposal(hotline, uow=proposals_uow(), policy=policy)
    with pytest.raises(InvalidTransition):
        await cases.accept(
            case.id, by="g", note=None, responsible_person=None, uow=proposals_uow(), policy=policy
        )
    await cases.accept(
        case.id, by="g", note=None, responsible_person="李主任", uow=proposals_uow(), policy=policy
    )
    await cases.assign(
        case.id, by="g", unit_code="ph-legal", note=None, uow=proposals_uow(), policy=policy
    )
    ((_, item),) = await outbox(proposals_uow, keys.inbox("ph-legal"))
    assert item["priority"] == "urgent" and item["responsible_person"] == "李主任"
    submitted = json.loads(
        json.dumps((await outbox(proposals_uow, keys.events("proposals")))[0][1])
    )
    assert submitted["priority"] == "urgent"


async def test_send_back_and_reopen_put_the_case_back_on_the_unit_inbox(
    redis, keys, proposals_uow, policy
) -> None:
    unit = "jx-transport"
    case = await cases.submit_proposal(TRUCK_DRIVERS, uow=proposals_uow(), policy=policy)
    await cases.accept(
        case.id, by="g", note=None, responsible_person=None, uow=proposals_uow(), policy=policy
    )
    await cases.assign(
        case.id, by="g", unit_code=unit, note=None, uow=proposals_uow(), policy=policy
    )

    async def unit_says(type_name: str, **data: object) -> None:
        await answer(
            redis, keys, proposals_uow, policy, unit, type_name, {"proposal_id": case.id, **data}
        )

    await unit_says("proposal.accept_assignment.v1")
    await unit_says("proposal.complete.v1", result="已选址")
    await cases.send_back(case.id, by="s", note="尚未开放", uow=proposals_uow(), policy=policy)
    await unit_says("proposal.complete.v1", result="司机之家已开放")
    await cases.verify(case.id, by="s", note=None, uow=proposals_uow(), policy=policy)
    await cases.reopen(
        case.id, by="rep-shen", reason="夜间未开放", uow=proposals_uow(), policy=policy
    )
    await unit_says("proposal.complete.v1", result="已实行24小时开放")
    await cases.verify(case.id, by="s", note=None, uow=proposals_uow(), policy=policy)
    closed = await cases.give_feedback(
        case.id, by="rep-shen", satisfaction=4, comment=None, uow=proposals_uow(), policy=policy
    )
    assert closed.status is CaseStatus.CLOSED and closed.result == "已实行24小时开放"
    reasons = [d["reason"] for _, d in await outbox(proposals_uow, keys.inbox(unit))]
    assert reasons == ["assigned", "sent_back", "reopened"]
    with pytest.raises(InvalidTransition, match="only once"):
        await cases.reopen(
            case.id, by="rep-shen", reason="again", uow=proposals_uow(), policy=policy
        )
