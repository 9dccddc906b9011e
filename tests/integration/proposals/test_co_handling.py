"""协办: a lead unit and co-handling units, each with its own work item and its own reports."""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.proposals.bootstrap import create_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Role
from tests.integration.proposals.conftest import department_consumer, outbox
from tests.support.auth import bearer
from tests.support.builders import entry
from tests.support.streams import create_group, read_new

pytestmark = pytest.mark.usefixtures("units")

CASE = {
    "kind": "proposal",
    "title": "关于建设货车司机之家的提案",
    "body": "货车司机缺少休息场所，建议建设共享司机之家，并解决司机子女入学。",
    "category": "transport",
    "area_code": "330482",
}
REP = bearer(Role.REPRESENTATIVE, sub="rep-shen")
GROUP = bearer(Role.REVIEWER, sub="group-1")
LEAD, CO, OTHER_CO = "dushu-town", "jx-transport", "ph-legal"


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


async def test_each_unit_reports_its_own_part_and_the_lead_completes_the_case(
    api: httpx.AsyncClient, redis: Redis, keys, proposals_uow, policy
) -> None:
    pid = (await api.post("/proposals", json=CASE, headers=REP)).json()["id"]
    await api.post(f"/proposals/{pid}/accept", json={}, headers=GROUP)
    assigned = await api.post(
        f"/proposals/{pid}/assign",
        json={"unit_code": LEAD, "co_unit_codes": [CO, OTHER_CO], "note": "镇政府牵头"},
        headers=GROUP,
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["unit_code"] == LEAD
    assert [c["unit_code"] for c in assigned.json()["co_handling"]] == [CO, OTHER_CO]
    for unit, role in ((LEAD, "lead"), (CO, "co"), (OTHER_CO, "co")):
        [(kind, item)] = await outbox(proposals_uow, keys.inbox(unit))
        assert kind == "proposal.assigned.v1" and item["role"] == role
        assert item["co_units"] == [CO, OTHER_CO]
        if role == "co":
            assert item["reason"] == "co_assigned" and item["lead_unit"] == LEAD
    co_reader = bearer(Role.HANDLER, sub="u-jx", department=CO)
    assert (await api.get(f"/proposals/{pid}", headers=co_reader)).status_code == 200
    listed = (await api.get("/proposals", params={"unit": CO}, headers=co_reader)).json()
    assert [c["id"] for c in listed["items"]] == [pid]

    async def answer(unit: str, type_: str, **data) -> None:
        consumer = department_consumer(redis, keys, proposals_uow, unit, policy=policy)
        await create_group(redis, consumer.stream, consumer.group)
        await redis.xadd(consumer.stream, entry(unit, type_, {"proposal_id": pid, **data}))
        await consumer.process(await read_new(redis, consumer.stream, consumer.group, "c1"))

    await answer(CO, "proposal.accept_assignment.v1", handler="交通局李科长")
    await answer(CO, "proposal.progress.v1", percent=50, milestone="选址完成")
    await answer(OTHER_CO, "proposal.decline.v1", reason="不涉及法律服务")
    await answer(LEAD, "proposal.accept_assignment.v1")
    await answer(CO, "proposal.complete.v1", result="运输公司提供场地")
    case = (await api.get(f"/proposals/{pid}", headers=GROUP)).json()
    assert case["status"] == "in_progress", "a co-handling unit's result does not complete it"
    await answer(LEAD, "proposal.complete.v1", result="司机之家已开放")
    await answer(OTHER_CO, "proposal.progress.v1", percent=10)  # declined already: refused

    case = (await api.get(f"/proposals/{pid}", headers=GROUP)).json()
    assert case["status"] == "completed" and case["result"] == "司机之家已开放"
    parts = {c["unit_code"]: c for c in case["co_handling"]}
    assert parts[CO]["status"] == "completed" and parts[CO]["result"] == "运输公司提供场地"
    assert parts[CO]["handler"] == "交通局李科长"
    assert parts[OTHER_CO]["status"] == "declined"
    reports = [
        (t["action"], t["actor"], t["details"].get("co_unit"))
        for t in case["timeline"]
        if t["action"].startswith("co_")
    ]
    assert reports == [
        ("co_accept", f"dept:{CO}", CO),
        ("co_progress", f"dept:{CO}", CO),
        ("co_decline", f"dept:{OTHER_CO}", OTHER_CO),
        ("co_complete", f"dept:{CO}", CO),
    ]
    assert (
        next(t for t in case["timeline"] if t["action"] == "co_progress")["details"]["milestone"]
        == "选址完成"
    )
    dead = await redis.xrange(keys.dlq(keys.outbox(OTHER_CO)))
    assert len(dead) == 1 and b"co-handling is declined" in dead[0][1][b"reason"]


async def test_a_reassignment_withdraws_units_no_longer_named(
    api: httpx.AsyncClient, keys, proposals_uow
) -> None:
    pid = (await api.post("/proposals", json=CASE, headers=REP)).json()["id"]
    await api.post(f"/proposals/{pid}/accept", json={}, headers=GROUP)
    await api.post(
        f"/proposals/{pid}/assign", json={"unit_code": LEAD, "co_unit_codes": [CO]}, headers=GROUP
    )
    both = await api.post(
        f"/proposals/{pid}/assign", json={"unit_code": CO, "co_unit_codes": [CO]}, headers=GROUP
    )
    assert both.status_code == 409 and "lead cannot also co-handle" in both.json()["detail"]
    moved = await api.post(
        f"/proposals/{pid}/assign",
        json={"unit_code": OTHER_CO, "co_unit_codes": [LEAD]},
        headers=GROUP,
    )
    assert moved.status_code == 200, moved.text
    assert [t for t, _ in await outbox(proposals_uow, keys.inbox(CO))] == [
        "proposal.assigned.v1",
        "proposal.withdrawn.v1",
    ]
    lead_items = await outbox(proposals_uow, keys.inbox(LEAD))
    assert [(t, d.get("role")) for t, d in lead_items] == [
        ("proposal.assigned.v1", "lead"),
        ("proposal.assigned.v1", "co"),
    ]
    [(_, new_lead)] = await outbox(proposals_uow, keys.inbox(OTHER_CO))
    assert new_lead["role"] == "lead" and new_lead["reason"] == "reassigned"
