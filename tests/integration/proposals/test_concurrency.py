"""Races that must have exactly one winner: two units claiming a report, two replicas escalating."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from gonghui.proposals.application import handlers as cases
from gonghui.proposals.domain.model import CaseStatus
from gonghui.shared.contracts.proposals import CaseKind
from gonghui.shared.db import create_engine
from tests.integration.proposals.conftest import department_consumer, outbox, uow_factory_on
from tests.support.builders import entry
from tests.support.streams import create_group, read_new

pytestmark = pytest.mark.usefixtures("units")

HOUSE_IN_DISREPAIR = cases.SubmitProposal(
    kind=CaseKind.ZERO_DISTANCE,
    title="重点联系人员住房破损",
    body="走访发现困难职工家中屋顶漏雨、墙体开裂，急需修缮。",
    area_code="330482",
    category="housing",
    submitted_by="rep-zhu",
)


@pytest.fixture
async def second_replica(database_url, keys, clock):
    """Units of work on an engine of their own: another replica of the service."""
    engine = create_engine(database_url)
    yield uow_factory_on(engine, keys, clock)
    await engine.dispose()


async def test_two_claims_at_once_have_exactly_one_winner(
    redis: Redis, keys, proposals_uow, second_replica, policy
) -> None:
    reports = [
        await cases.submit_proposal(HOUSE_IN_DISREPAIR, uow=proposals_uow(), policy=policy)
        for _ in range(4)
    ]
    assert all(r.status is CaseStatus.OFFERED for r in reports)
    assert reports[0].offered_to == ["anju-property", "lvdi-property"]
    claimants = {
        "lvdi-property": department_consumer(
            redis, keys, proposals_uow, "lvdi-property", policy=policy
        ),
        "anju-property": department_consumer(
            redis, keys, second_replica, "anju-property", policy=policy, name="c2"
        ),
    }
    for code, consumer in claimants.items():
        await create_group(redis, consumer.stream, consumer.group)
        for report in reports:
            await redis.xadd(
                consumer.stream,
                entry(code, "proposal.claim.v1", {"proposal_id": report.id, "note": "我们来处理"}),
            )

    batches = {
        code: await read_new(redis, c.stream, c.group, c.consumer) for code, c in claimants.items()
    }
    for i in range(len(reports)):
        await asyncio.gather(*(c.process([batches[code][i]]) for code, c in claimants.items()))

    for report in reports:
        async with proposals_uow() as uow:
            claimed = await cases.get_case(uow, report.id)
        claims = [t for t in claimed.timeline if t.action.value == "claim"]
        assert len(claims) == 1, "exactly one claim wins"
        assert claimed.status is CaseStatus.IN_PROGRESS and claimed.unit_code == claims[0].unit_code
    announced = [
        d
        for t, d in await outbox(proposals_uow, keys.events("proposals"))
        if t == "proposal.claimed.v1"
    ]
    assert len(announced) == len(reports)
    for report in reports:
        winner = next(d["claimed_by"] for d in announced if d["proposal_id"] == report.id)
        loser = ({"lvdi-property", "anju-property"} - {winner}).pop()
        told = [
            d
            for t, d in await outbox(proposals_uow, keys.inbox(loser))
            if t == "proposal.claimed.v1"
        ]
        # The loser hears it once from the winner's claim; its own late claim may add one more.
        assert told and all(
            d["claimed_by"] == winner for d in told if d["proposal_id"] == report.id
        )
        assert any(d["proposal_id"] == report.id for d in told)
        yours = [
            d
            for t, d in await outbox(proposals_uow, keys.inbox(winner))
            if t == "proposal.assigned.v1"
        ]
        assert [d["reason"] for d in yours if d["proposal_id"] == report.id] == ["claimed"]


async def test_two_replicas_checking_deadlines_escalate_each_late_step_once(
    keys, proposals_uow, second_replica, policy, clock
) -> None:
    hotline = HOUSE_IN_DISREPAIR.model_copy(
        update={"kind": CaseKind.HOTLINE, "title": "12351 来电：工伤求助", "category": "legal"}
    )
    made = [
        await cases.submit_proposal(hotline, uow=proposals_uow(), policy=policy) for _ in range(12)
    ]
    clock.advance(timedelta(hours=2, minutes=1))  # past the 2-hour acceptance of the green channel

    counts = await asyncio.gather(
        *(
            cases.check_deadlines(uow=factory(), limit=5)
            for factory in [proposals_uow, second_replica] * 4
        )
    )
    assert sum(counts) == len(made)
    overdue = [
        d
        for t, d in await outbox(proposals_uow, keys.events("proposals"))
        if t == "proposal.overdue.v1"
    ]
    assert sorted(d["proposal_id"] for d in overdue) == sorted(c.id for c in made)
    assert {d["step"] for d in overdue} == {"review"}

    clock.advance(
        timedelta(days=3)
    )  # now the 3-day closure is late too; review is not escalated again
    await asyncio.gather(
        *(cases.check_deadlines(uow=f(), limit=50) for f in [proposals_uow, second_replica])
    )
    overdue = [
        d
        for t, d in await outbox(proposals_uow, keys.events("proposals"))
        if t == "proposal.overdue.v1"
    ]
    assert sorted((d["proposal_id"], d["step"]) for d in overdue) == sorted(
        [(c.id, "review") for c in made] + [(c.id, "closure") for c in made]
    )


async def test_a_step_done_in_time_is_never_escalated(proposals_uow, policy, clock, keys) -> None:
    hotline = HOUSE_IN_DISREPAIR.model_copy(update={"kind": CaseKind.HOTLINE, "category": "legal"})
    case = await cases.submit_proposal(hotline, uow=proposals_uow(), policy=policy)
    clock.advance(timedelta(hours=1))
    await cases.accept(
        case.id, by="g", note=None, responsible_person="李主任", uow=proposals_uow(), policy=policy
    )
    clock.advance(timedelta(hours=5))
    assert await cases.check_deadlines(uow=proposals_uow()) == 0
    async with proposals_uow() as uow:
        review = next(d for d in await uow.deadlines.of(case.id) if d.step.value == "review")
    assert review.state(clock.now()) == "met"


async def test_a_declined_report_can_be_offered_again_and_claimed_by_another_unit(
    redis: Redis, keys, proposals_uow, policy
) -> None:
    report = await cases.submit_proposal(HOUSE_IN_DISREPAIR, uow=proposals_uow(), policy=policy)

    async def says(code: str, type_name: str, **data: object) -> None:
        consumer = department_consumer(redis, keys, proposals_uow, code, policy=policy)
        await create_group(redis, consumer.stream, consumer.group)
        await redis.xadd(
            consumer.stream, entry(code, type_name, {"proposal_id": report.id, **data})
        )
        await consumer.process(await read_new(redis, consumer.stream, consumer.group, "c1"))

    await says("lvdi-property", "proposal.claim.v1")
    await says("lvdi-property", "proposal.decline.v1", reason="人手不足")
    again = await cases.offer(
        report.id, by="g", units=None, note="重新发布", uow=proposals_uow(), policy=policy
    )
    assert again.status is CaseStatus.OFFERED and again.claimed_by is None
    await says("anju-property", "proposal.claim.v1")
    async with proposals_uow() as uow:
        claimed = await cases.get_case(uow, report.id)
    assert claimed.claimed_by == "anju-property" and claimed.unit_code == "anju-property"
    offers = [t for t, _ in await outbox(proposals_uow, keys.inbox("anju-property"))]
    assert offers.count("proposal.offered.v1") == 2
