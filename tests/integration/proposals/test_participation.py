"""Discussions, ratings, key contacts and audited reads, duty records from events, stats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from gonghui.proposals.application import handlers as cases
from gonghui.proposals.entrypoints.consumers import own_event_handlers
from gonghui.shared.auth import Role
from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.contracts.proposals import AcceptAssignment, CompleteCase
from gonghui.shared.db import session_factory
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.outbox import OutboxRelay
from tests.integration.proposals.conftest import outbox
from tests.support.auth import bearer
from tests.support.streams import create_group, read_new

pytestmark = pytest.mark.usefixtures("units")

LIVESTREAM = {
    "title": "直播带货从业人员缺少技能培训",
    "body": "不少新就业形态劳动者转做直播带货，但缺少选品、话术和合规方面的技能。",
    "category": "skills",
    "area_code": "330482",
    "opened_by": "rep-lu",
}
REP_LU = bearer(Role.REPRESENTATIVE, sub="rep-lu")
REP_ZHU = bearer(Role.REPRESENTATIVE, sub="rep-zhu")
REP_1 = bearer(Role.REPRESENTATIVE, sub="rep-1")
G = bearer(Role.REVIEWER, sub="g")
GROUP = bearer(Role.REVIEWER, sub="group-1")
S = bearer(Role.SUPERVISOR, sub="s")
ADMIN = bearer(Role.UNION_ADMIN, sub="admin")


def as_member(sub: str) -> dict[str, str]:
    """A member's Authorization header."""
    return bearer(Role.MEMBER, sub=sub)


async def derive_duty_records(redis: Redis, keys, proposals_engine, proposals_uow) -> None:
    """Relay the outbox and let the service's own consumer of `proposals.events` run once."""
    stream = keys.events("proposals")
    await create_group(redis, stream, "proposals")
    await OutboxRelay(
        session_factory(proposals_engine), redis, service="proposals", keys=keys
    ).relay_once()
    consumer = GroupConsumer(
        stream=stream,
        group="proposals",
        consumer="c1",
        service="proposals",
        handlers=own_event_handlers(),
        uow_factory=proposals_uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
    )
    await consumer.process(await read_new(redis, stream, "proposals", "c1", count=1000))


async def test_discussion_collects_support_once_per_member_and_becomes_a_proposal(api) -> None:
    issue = (await api.post("/discussions", json=LIVESTREAM, headers=REP_LU)).json()
    quiet = (
        await api.post("/discussions", json={**LIVESTREAM, "title": "另一个议题"}, headers=REP_LU)
    ).json()
    for member in ["m1", "m2", "m3"]:
        assert (
            await api.post(
                f"/discussions/{issue['id']}/supports",
                json={"member_id": member},
                headers=as_member(member),
            )
        ).status_code == 200
    again = await api.post(
        f"/discussions/{issue['id']}/supports", json={"member_id": "m1"}, headers=as_member("m1")
    )
    assert again.status_code == 409
    await api.post(
        f"/discussions/{issue['id']}/comments",
        json={"author": "rep-wu", "body": "可以请企业工会结对办培训"},
        headers=bearer(Role.REPRESENTATIVE, sub="rep-wu"),
    )
    ranked = (await api.get("/discussions", params={"sort": "support"}, headers=REP_LU)).json()[
        "items"
    ]
    assert [d["id"] for d in ranked] == [issue["id"], quiet["id"]]
    assert ranked[0]["support_count"] == 3

    proposal = await api.post(
        f"/discussions/{issue['id']}/convert", json={"actor": "group-1"}, headers=GROUP
    )
    assert proposal.status_code == 201
    case = proposal.json()
    assert case["submitted_by"] == "rep-lu" and case["discussion_id"] == issue["id"]
    assert "3 人支持" in case["body"] and "企业工会结对" in case["body"]
    converted = (await api.get(f"/discussions/{issue['id']}", headers=REP_LU)).json()
    assert converted["status"] == "converted" and converted["proposal_id"] == case["id"]
    assert (
        await api.post(f"/discussions/{issue['id']}/convert", json={"actor": "g"}, headers=G)
    ).status_code == 409
    assert (
        await api.post(
            f"/discussions/{issue['id']}/comments",
            json={"author": "x", "body": "晚了"},
            headers=as_member("x"),
        )
    ).status_code == 409


async def test_a_member_rates_a_representative_once_per_period(api, clock) -> None:
    first = await api.post(
        "/representatives/rep-lu/ratings",
        json={"member_id": "m1", "score": 5, "comment": "很负责"},
        headers=as_member("m1"),
    )
    assert first.status_code == 201 and first.json()["period"] == "2026-Q4"
    assert (
        await api.post(
            "/representatives/rep-lu/ratings",
            json={"member_id": "m1", "score": 1},
            headers=as_member("m1"),
        )
    ).status_code == 409
    assert (
        await api.post(
            "/representatives/rep-lu/ratings",
            json={"member_id": "m1", "score": 9},
            headers=as_member("m1"),
        )
    ).status_code == 422
    clock.advance(timedelta(days=40))
    assert (
        await api.post(
            "/representatives/rep-lu/ratings",
            json={"member_id": "m1", "score": 4},
            headers=as_member("m1"),
        )
    ).status_code == 201


async def test_key_contact_data_is_masked_unless_the_role_allows_and_every_full_read_is_audited(
    api, proposals_uow, keys
) -> None:
    contact = (
        await api.post(
            "/key-contacts",
            json={
                "name": "王建国",
                "phone": "13812345678",
                "address": "平湖市当湖街道东湖路88号3幢",
                "situation": "独居，腿脚不便",
                "area_code": "330482",
                "representative_id": "rep-zhu",
            },
            headers=REP_ZHU,
        )
    ).json()
    assert contact["name"] == "王**" and contact["phone"] == "138****5678" and contact["masked"]
    masked = (await api.get(f"/key-contacts/{contact['id']}", headers=REP_ZHU)).json()
    assert masked["masked"] and masked["situation"] is None and "88号" not in masked["address"]
    full = await api.get(
        f"/key-contacts/{contact['id']}",
        headers=bearer(Role.UNION_ADMIN, sub="officer-1"),
        params={"purpose": "安排上门维修"},
    )
    assert full.json()["name"] == "王建国" and full.json()["phone"] == "13812345678"
    log = (await api.get(f"/key-contacts/{contact['id']}/access-log", headers=ADMIN)).json()
    assert [(e["reader"], e["purpose"]) for e in log["items"]] == [("officer-1", "安排上门维修")]

    visit = await api.post(
        f"/key-contacts/{contact['id']}/visits",
        json={
            "representative_id": "rep-zhu",
            "note": "屋顶漏雨",
            "report": {
                "title": "困难职工住房漏雨需修缮",
                "body": "走访发现屋顶漏雨、墙体开裂，需要尽快修缮。",
                "category": "housing",
            },
        },
        headers=REP_ZHU,
    )
    report = visit.json()["report"]
    assert report["kind"] == "zero_distance" and report["status"] == "offered"
    everything = str(await outbox(proposals_uow, keys.events("proposals"))) + str(
        await outbox(proposals_uow, keys.inbox("lvdi-property"))
    )
    assert (
        "王建国" not in everything
        and "13812345678" not in everything
        and "东湖路" not in everything
    )
    assert "138****5678" in everything
    (listed,) = (await api.get("/key-contacts", headers=REP_ZHU)).json()["items"]
    assert listed["visits"] == 1 and listed["last_visit_at"] is not None  # the register counts


async def test_duty_report_writes_itself_from_events(
    api, redis, keys, proposals_engine, proposals_uow, clock
) -> None:
    case = (
        await api.post(
            "/proposals",
            json={
                "title": "环卫工人午休场所",
                "body": "环卫工人中午没有休息的地方，建议开放驿站。",
                "submitted_by": "rep-lu",
            },
            headers=REP_LU,
        )
    ).json()
    issue = (await api.post("/discussions", json=LIVESTREAM, headers=REP_LU)).json()
    await api.post(
        f"/discussions/{issue['id']}/comments",
        json={"author": "rep-lu", "body": "补充：需要合规培训"},
        headers=REP_LU,
    )
    await api.post(
        "/representatives/rep-lu/ratings",
        json={"member_id": "m9", "score": 4},
        headers=as_member("m9"),
    )
    await api.post(
        f"/proposals/{case['id']}/return", json={"actor": "g", "reason": "请补充地点"}, headers=G
    )
    await api.post(
        f"/proposals/{case['id']}/resubmit",
        json={"actor": "rep-lu", "note": "城东片区"},
        headers=REP_LU,
    )
    await derive_duty_records(redis, keys, proposals_engine, proposals_uow)
    await derive_duty_records(redis, keys, proposals_engine, proposals_uow)  # nothing twice

    report = (
        await api.get(
            "/representatives/rep-lu/duty-report",
            params={"from": "2026-11-01", "to": "2026-11-30"},
            headers=REP_LU,
        )
    ).json()
    assert report["counts"] == {"submission": 1, "follow_up": 1, "discussion": 2, "home_visit": 0}
    assert report["ratings"]["count"] == 1 and report["ratings"]["average"] == 4
    assert report["cases"] == {"submitted": 1, "closed": 0, "closure_rate": 0.0}
    assert len(report["timeline"]) == 4
    empty = (
        await api.get(
            "/representatives/rep-lu/duty-report",
            params={"from": "2026-12-01", "to": "2026-12-31"},
            headers=ADMIN,
        )
    ).json()
    assert sum(empty["counts"].values()) == 0
    printable = await api.get(
        "/representatives/rep-lu/duty-report", params={"format": "html"}, headers=REP_LU
    )
    assert printable.headers["content-type"].startswith("text/html")
    assert "会员代表履职报告" in printable.text and "发起议题" in printable.text


async def test_stats_count_submitted_accepted_closed_and_rates(
    api, clock, proposals_uow, policy
) -> None:
    body = {"body": "这是一条用于统计的测试提案内容。", "submitted_by": "rep-1"}
    ids = [
        (
            await api.post("/proposals", json={**body, "title": f"提案{i}号测试"}, headers=REP_1)
        ).json()["id"]
        for i in range(3)
    ]
    await api.post(f"/proposals/{ids[2]}/reject", json={"actor": "g", "reason": "重复"}, headers=G)
    for pid in ids[:2]:
        await api.post(f"/proposals/{pid}/accept", json={"actor": "g"}, headers=G)
        await api.post(
            f"/proposals/{pid}/assign", json={"actor": "g", "unit_code": "jx-transport"}, headers=G
        )
    # One closes in time; the unit never answers on the other.
    pid, unit = ids[0], "jx-transport"
    clock.advance(timedelta(hours=10))
    await cases.accept_assignment(
        AcceptAssignment(proposal_id=pid), unit=unit, uow=proposals_uow(), policy=policy
    )
    clock.advance(timedelta(days=2))
    await cases.complete(
        CompleteCase(proposal_id=pid, result="完成"), unit=unit, uow=proposals_uow(), policy=policy
    )
    await api.post(f"/proposals/{pid}/verify", json={"actor": "s"}, headers=S)
    await api.post(
        f"/proposals/{pid}/feedback", json={"actor": "rep-1", "satisfaction": 5}, headers=REP_1
    )

    stats = (
        await api.get(
            "/stats", params=[("by", "unit"), ("by", "kind"), ("by", "period")], headers=ADMIN
        )
    ).json()
    total = stats["total"]
    assert (total["submitted"], total["accepted"], total["closed"]) == (3, 2, 1)
    assert total["closure_rate"] == 0.5 and total["on_time_rate"] == 1.0
    assert total["avg_hours_per_step"]["handling"] == 48.0
    assert stats["by"]["unit"]["jx-transport"]["submitted"] == 2
    assert stats["by"]["period"]["2026-11"]["submitted"] == 3
    assert (await api.get("/stats", params={"by": "colour"}, headers=ADMIN)).status_code == 400
