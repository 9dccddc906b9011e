"""Readable case numbers (330482-2026-000042): per area and Beijing year, unique, searchable."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa

from gonghui.proposals.adapters.orm import ProposalRow
from gonghui.proposals.application import handlers as cases
from gonghui.proposals.bootstrap import MIGRATIONS, create_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Role
from gonghui.shared.clock import ManualClock
from gonghui.shared.db import create_engine
from gonghui.shared.migrations import upgrade
from tests.integration.proposals.conftest import outbox, uow_factory_on
from tests.support.auth import bearer

pytestmark = pytest.mark.usefixtures("units")

PINGHU = {
    "kind": "proposal",
    "title": "关于建设货车司机之家的提案",
    "body": "货车司机缺少休息场所，建议建设共享司机之家。",
    "category": "transport",
    "area_code": "330482",
}
FUZHOU = {**PINGHU, "area_code": "350102", "title": "关于户外劳动者驿站的提案"}
REP = bearer(Role.REPRESENTATIVE, sub="rep-shen")
PINGHU_GROUP = bearer(Role.REVIEWER, sub="group-ph", area="330482")
ADMIN = bearer(Role.UNION_ADMIN, sub="admin")


async def test_numbers_count_per_area_and_beijing_year_and_find_the_case(
    api: httpx.AsyncClient, clock: ManualClock, proposals_uow, keys
) -> None:
    first = (await api.post("/proposals", json=PINGHU, headers=REP)).json()
    second = (await api.post("/proposals", json=PINGHU, headers=REP)).json()
    fuzhou = (await api.post("/proposals", json=FUZHOU, headers=REP)).json()
    assert [first["case_no"], second["case_no"], fuzhou["case_no"]] == [
        "330482-2026-000001",
        "330482-2026-000002",
        "350102-2026-000001",
    ]
    assert first["id"] != first["case_no"]
    # 2026-12-31 16:30 UTC is already 2027 in Beijing: a new year, a new sequence.
    clock.advance(datetime(2026, 12, 31, 16, 30, tzinfo=UTC) - clock.now())
    new_year = (await api.post("/proposals", json=PINGHU, headers=REP)).json()
    assert new_year["case_no"] == "330482-2027-000001"

    found = await api.get("/proposals/by-number/330482-2026-000002", headers=REP)
    assert found.status_code == 200 and found.json()["id"] == second["id"]
    assert found.json()["timeline"][0]["action"] == "submit"
    assert (await api.get("/proposals/330482-2026-000002", headers=REP)).json()["id"] == second[
        "id"
    ]
    listed = await api.get("/proposals", params={"case_no": "350102-2026-000001"}, headers=ADMIN)
    assert [c["id"] for c in listed.json()["items"]] == [fuzhou["id"]]
    assert (
        await api.get("/proposals/by-number/330482-2026-000099", headers=REP)
    ).status_code == 404
    assert (
        await api.get("/proposals", params={"case_no": "not-a-number"}, headers=ADMIN)
    ).status_code == 422

    events = await outbox(proposals_uow, keys.events("proposals"))
    numbered = {(t, d["proposal_id"]): d.get("case_no") for t, d in events}
    assert numbered[("proposal.submitted.v1", first["id"])] == "330482-2026-000001"
    assert numbered[("proposal.transitioned.v1", fuzhou["id"])] == "350102-2026-000001"


async def test_a_move_names_its_case_and_the_case_it_merges_into_by_readable_number(
    api: httpx.AsyncClient,
) -> None:
    first = (await api.post("/proposals", json=PINGHU, headers=REP)).json()
    second = (await api.post("/proposals", json=PINGHU, headers=REP)).json()

    accepted = await api.post(
        f"/proposals/{first['case_no']}/accept", json={"note": "立案"}, headers=PINGHU_GROUP
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    merged = await api.post(
        f"/proposals/{second['case_no']}/merge",
        json={"into": first["case_no"], "note": "重复"},
        headers=PINGHU_GROUP,
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged_into"] == first["id"]
    stored = (await api.get(f"/proposals/{second['case_no']}", headers=PINGHU_GROUP)).json()
    assert (stored["status"], stored["merged_into"]) == ("merged", first["id"])
    unknown = await api.post(
        f"/proposals/{first['case_no']}/merge",
        json={"into": "330482-2026-999999"},
        headers=PINGHU_GROUP,
    )
    assert unknown.status_code == 404 and "330482-2026-999999" in unknown.text


async def test_replicas_numbering_at_once_never_share_a_number(
    database_url, keys, clock, proposals_uow, policy
) -> None:
    other_engine = create_engine(database_url)
    replica = uow_factory_on(other_engine, keys, clock)
    try:
        cmd = cases.SubmitProposal(**PINGHU, submitted_by="rep-shen")
        made = await asyncio.gather(
            *(
                cases.submit_proposal(
                    cmd, uow=(proposals_uow if i % 2 else replica)(), policy=policy
                )
                for i in range(16)
            )
        )
    finally:
        await other_engine.dispose()
    numbers = sorted(c.case_no for c in made)
    assert numbers == [f"330482-2026-{n:06d}" for n in range(1, 17)]


async def test_the_area_filter_applies_before_the_limit(api: httpx.AsyncClient) -> None:
    pinghu = [(await api.post("/proposals", json=PINGHU, headers=REP)).json()["id"] for _ in "ab"]
    for _ in range(12):
        await api.post("/proposals", json=FUZHOU, headers=REP)
    scoped = await api.get("/proposals", params={"limit": 2}, headers=PINGHU_GROUP)
    assert sorted(c["id"] for c in scoped.json()["items"]) == sorted(pinghu)
    asked = await api.get("/proposals", params={"limit": 2, "area": "3304"}, headers=ADMIN)
    assert sorted(c["id"] for c in asked.json()["items"]) == sorted(pinghu)
    outside = await api.get("/proposals", params={"area": "350102"}, headers=PINGHU_GROUP)
    assert outside.status_code == 403 and "outside your area" in outside.json()["detail"]


async def test_cases_stored_before_numbers_get_theirs_in_submission_order(
    new_database, redis_url, prefix
) -> None:
    url = await new_database()
    await upgrade(MIGRATIONS, url, revision="0003")
    engine = create_engine(url)
    rows = [
        ("late", "330482", datetime(2026, 3, 1, tzinfo=UTC)),
        ("early", "330482", datetime(2026, 1, 5, tzinfo=UTC)),
        ("eve", "330482", datetime(2025, 12, 31, 17, 0, tzinfo=UTC)),  # 2026-01-01 in Beijing
        ("nowhere", None, datetime(2026, 2, 1, tzinfo=UTC)),
    ]
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(ProposalRow.__table__).values(
                    [
                        {
                            "id": case_id,
                            "kind": "proposal",
                            "title": "旧事项",
                            "body": "迁移前提交的事项",
                            "area_code": area,
                            "submitted_by": "rep",
                            "submitted_at": at,
                            "status": "submitted",
                        }
                        for case_id, area, at in rows
                    ]
                )
            )
        await upgrade(MIGRATIONS, url)
        async with engine.connect() as connection:
            numbers = dict(
                (await connection.execute(sa.text("SELECT id, case_no FROM proposals"))).all()
            )
    finally:
        await engine.dispose()
    assert numbers == {
        "eve": "330482-2026-000001",
        "early": "330482-2026-000002",
        "late": "330482-2026-000003",
        "nowhere": "000000-2026-000001",
    }
    clock = ManualClock(datetime(2026, 6, 1, tzinfo=UTC))
    app = create_app(
        ProposalsSettings(database_url=url, redis_url=redis_url, stream_prefix=prefix), clock=clock
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://proposals"
    ) as client:
        next_one = (await client.post("/proposals", json=PINGHU, headers=REP)).json()
    await app.state.engine.dispose()
    assert next_one["case_no"] == "330482-2026-000004"
