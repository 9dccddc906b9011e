"""零距离 claimed by people over HTTP, by the same first-wins rule as a claim on the bus."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.proposals.application import handlers as cases
from gonghui.proposals.bootstrap import create_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Role
from gonghui.shared.contracts.proposals import CaseKind
from tests.integration.proposals.conftest import department_consumer, outbox
from tests.support.auth import bearer
from tests.support.builders import entry
from tests.support.streams import create_group, read_new

pytestmark = pytest.mark.usefixtures("units")

REPORT = cases.SubmitProposal(
    kind=CaseKind.ZERO_DISTANCE,
    title="重点联系人员需要护理帮助",
    body="走访发现困难职工卧床，家中无人照料，需要上门护理。",
    area_code="330482",
    category="housing",
    submitted_by="rep-zhu",
)
CHAIRMAN = bearer(Role.HANDLER, sub="u-lvdi-chair", department="lvdi-property")
ANJU_REP = bearer(Role.REPRESENTATIVE, sub="rep-anju", department="anju-property")


@pytest.fixture
async def replicas(database_url, proposals_engine, prefix, clock, redis_url):
    """Two replicas of the proposals app (each its own engine) over ASGI."""
    settings = ProposalsSettings(
        database_url=database_url, redis_url=redis_url, stream_prefix=prefix
    )
    apps = [create_app(settings, clock=clock) for _ in range(2)]
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://proposals")
        for app in apps
    ]
    yield clients
    for client, app in zip(clients, apps, strict=True):
        await client.aclose()
        await app.state.engine.dispose()


async def test_people_and_a_system_claiming_at_once_have_exactly_one_winner(
    replicas, redis: Redis, keys, proposals_uow, policy
) -> None:
    first, second = replicas
    bus = department_consumer(redis, keys, proposals_uow, "anju-property", policy=policy)
    await create_group(redis, bus.stream, bus.group)
    reports = [
        await cases.submit_proposal(REPORT, uow=proposals_uow(), policy=policy) for _ in range(3)
    ]
    for report in reports:
        await redis.xadd(
            bus.stream, entry("anju-property", "proposal.claim.v1", {"proposal_id": report.id})
        )
    claims_on_the_bus = await read_new(redis, bus.stream, bus.group, bus.consumer)

    for report, bus_claim in zip(reports, claims_on_the_bus, strict=True):
        chairman, representative, _ = await asyncio.gather(
            first.post(
                f"/proposals/{report.id}/claim", json={"note": "我们公司来处理"}, headers=CHAIRMAN
            ),
            second.post(f"/proposals/{report.id}/claim", json={}, headers=ANJU_REP),
            bus.process([bus_claim]),
        )
        async with proposals_uow() as uow:
            claimed = await cases.get_case(uow, report.id)
        claims = [t for t in claimed.timeline if t.action.value == "claim"]
        assert len(claims) == 1, "exactly one claim wins"
        winner = claimed.claimed_by
        answers = {"lvdi-property": chairman, "anju-property": representative}
        for unit, answer in answers.items():
            if unit == winner:  # their own unit holds it, whether they or its system came first
                assert answer.status_code == 200 and answer.json()["claimed_by"] == unit
            else:
                assert answer.status_code == 409
                assert f"already claimed by {winner}" in answer.json()["detail"]
        assert claims[0].actor in ("u-lvdi-chair", "rep-anju", "dept:anju-property")

    announced = [
        d
        for t, d in await outbox(proposals_uow, keys.events("proposals"))
        if t == "proposal.claimed.v1"
    ]
    assert sorted(d["proposal_id"] for d in announced) == sorted(r.id for r in reports)


async def test_a_person_claims_only_for_a_unit_the_report_was_offered_to(
    replicas, proposals_uow, policy
) -> None:
    api, _ = replicas
    report = await cases.submit_proposal(REPORT, uow=proposals_uow(), policy=policy)
    nobody = await api.post(
        f"/proposals/{report.id}/claim", json={}, headers=bearer(Role.REPRESENTATIVE)
    )
    assert nobody.status_code == 403 and "names none" in nobody.json()["detail"]
    lawyers = bearer(Role.HANDLER, sub="u-law", department="ph-legal")
    refused = await api.post(f"/proposals/{report.id}/claim", json={}, headers=lawyers)
    assert refused.status_code == 409 and "not offered to ph-legal" in refused.json()["detail"]
    won = await api.post(
        f"/proposals/{report.id}/claim", json={"note": "今晚就安排"}, headers=CHAIRMAN
    )
    assert won.status_code == 200
    case = won.json()
    assert case["status"] == "in_progress" and case["claimed_by"] == "lvdi-property"
    assert case["handler"] == "u-lvdi-chair"
    assert case["timeline"][-1]["actor"] == "u-lvdi-chair"
    assert case["timeline"][-1]["note"] == "今晚就安排"
