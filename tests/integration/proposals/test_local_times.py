"""Times people read carry +08:00 in every answer; the bus keeps UTC."""

from __future__ import annotations

import httpx
import pytest

from gonghui.proposals.bootstrap import create_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Role
from tests.integration.proposals.conftest import outbox
from tests.support.auth import bearer

pytestmark = pytest.mark.usefixtures("units")

REP = bearer(Role.REPRESENTATIVE, sub="rep-shen")
ADMIN = bearer(Role.UNION_ADMIN, sub="admin")
WORKER = bearer(Role.WORKER, sub="w-1")
CASE = {
    "title": "关于建设货车司机之家的提案",
    "body": "货车司机缺少休息场所，建议建设共享司机之家。",
    "category": "transport",
    "area_code": "330482",
}


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


async def test_answers_show_beijing_time_and_the_bus_keeps_utc(
    api: httpx.AsyncClient, proposals_uow, keys
) -> None:
    case = (await api.post("/proposals", json=CASE, headers=REP)).json()
    assert case["submitted_at"] == "2026-11-28T19:00:00+08:00"
    read = (await api.get(f"/proposals/{case['id']}", headers=REP)).json()
    assert read["timeline"][0]["at"] == "2026-11-28T19:00:00+08:00"
    assert all(d["due_at"].endswith("+08:00") for d in read["deadlines"])
    problem = (
        await api.post("/problems", json={"representative_id": "rep-shen", **CASE}, headers=WORKER)
    ).json()
    assert problem["raised_at"] == "2026-11-28T19:00:00+08:00"
    talk = (await api.post("/discussions", json=CASE, headers=REP)).json()
    assert talk["opened_at"].endswith("+08:00")
    contact = (
        await api.post("/key-contacts", json={"name": "王建国", "area_code": "330482"}, headers=REP)
    ).json()
    assert contact["created_at"].endswith("+08:00")
    visit = (await api.post(f"/key-contacts/{contact['id']}/visits", json={}, headers=REP)).json()
    assert visit["visited_at"] == "2026-11-28T19:00:00+08:00"
    stats = (await api.get("/stats", params={"from": "2026-11-01"}, headers=ADMIN)).json()
    assert stats["from"] == "2026-11-01T00:00:00+08:00"

    [(_, submitted)] = [
        e
        for e in await outbox(proposals_uow, keys.events("proposals"))
        if e[0] == "proposal.submitted.v1"
    ]
    assert submitted["submitted_at"] in ("2026-11-28T11:00:00Z", "2026-11-28T11:00:00+00:00")
