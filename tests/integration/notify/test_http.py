"""The HTTP API: inbox, rules an admin edits, recipients, the delivery log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from gonghui.notify.adapters.channels import new_webhook_secret
from gonghui.notify.application.broadcast import BroadcastWorker
from gonghui.notify.application.handlers import apply_rules
from gonghui.notify.application.policy import DeliveryPolicy
from gonghui.notify.entrypoints.http import admin_router, notifications_router
from gonghui.shared.auth import Authenticator, Role, UserDirectory, auth_secret
from gonghui.shared.http import Conflict, NotFound
from gonghui.shared.receivers import ReceiverAddresses
from gonghui.shared.streams import StreamKeys
from tests.integration.notify.conftest import Uow, drain, event
from tests.support.auth import bearer
from tests.support.sinks import http_sink


@pytest.fixture
async def api(uow: Uow, redis: Redis, keys: StreamKeys) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.authenticate = Authenticator(secret=auth_secret(), users=UserDirectory(redis, keys))
    app.include_router(notifications_router(uow))
    anywhere = ReceiverAddresses(anywhere=True)
    app.include_router(admin_router(uow, anywhere, broadcasters=frozenset()))
    app.add_exception_handler(NotFound, lambda _, exc: error(404, exc))
    app.add_exception_handler(Conflict, lambda _, exc: error(409, exc))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://notify",
        headers=bearer(Role.UNION_ADMIN, sub="admin-1"),
    ) as client:
        yield client


def error(status: int, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": str(exc)})


def person(sub: str, role: Role = Role.MEMBER) -> dict[str, str]:
    """The Authorization header of the person who owns inbox `sub`."""
    return bearer(role, sub=sub)


ESCALATE = {
    "event_type": "proposal.stalled.v1",
    "recipients": ["supervisor:$assigned_to", "people:union_staff@$area_code"],
    "channels": ["in_app", "preferred"],
    "title_zh": "停滞：{{ title }}",
    "body_zh": "{{ recipient.name }}，事项 {{ proposal_id }} 已 {{ days }} 天无进展。",
    "title_en": "Stalled: {{ title }}",
    "body_en": "{{ recipient.name }}, case {{ proposal_id }} has not moved for {{ days }} days.",
    "priority": "urgent",
}


async def test_admin_adds_a_rule_for_a_new_event_type_and_people_see_it(
    api: httpx.AsyncClient, uow: Uow, dispatcher
) -> None:
    async with http_sink() as sink:
        hook = {"kind": "webhook", "address": sink.url("/chief"), "secret": new_webhook_secret()}
        assert (
            await api.put("/recipients/handler-1", json={"name": "王办", "supervisor": "chief-1"})
        ).status_code == 200
        chief = await api.put("/recipients/chief-1", json={"name": "李科长", "channels": [hook]})
        assert chief.json()["channels"][0]["secret"] == "whsec_***"
        staff = {"name": "Anna", "roles": ["union_staff"], "area_code": "3304", "locale": "en"}
        assert (await api.put("/recipients/staff-1", json=staff)).status_code == 200
        assert (await api.put("/rules/stalled", json=ESCALATE)).status_code == 200

        stalled = event(
            "proposal.stalled.v1",
            "P-7",
            {
                "proposal_id": "P-7",
                "title": "驿站漏雨",
                "assigned_to": "handler-1",
                "area_code": "330482",
                "days": 10,
            },
        )
        await apply_rules(stalled, stalled.data, uow=uow())
        await drain(dispatcher)
        assert sink.to("/chief")[0].json()["data"]["body"] == "李科长，事项 P-7 已 10 天无进展。"

    inbox = (
        await api.get("/notifications", params={"recipient": "staff-1"}, headers=person("staff-1"))
    ).json()["items"]
    assert [(n["title"], n["body"]) for n in inbox] == [
        ("Stalled: 驿站漏雨", "Anna, case P-7 has not moved for 10 days.")
    ]
    log = (await api.get("/deliveries", params={"event_id": stalled.id})).json()["items"]
    by_key = {(d["recipient"], d["channel"]): d for d in log}
    assert by_key[("chief-1", "preferred")]["status"] == "delivered"
    assert by_key[("chief-1", "preferred")]["log"][0]["ok"] is True
    assert by_key[("staff-1", "preferred")]["status"] == "skipped"


async def cases_submitted_by_rep_1(count: int, uow: Uow) -> None:
    """`P-0`, `P-1`, ... submitted by `rep-1`, each telling them it arrived."""
    for n in range(count):
        submitted = event(
            "proposal.submitted.v1", f"P-{n}", {"title": f"事项{n}", "submitted_by": "rep-1"}
        )
        await apply_rules(submitted, submitted.data, uow=uow())


async def test_inbox_counts_unread_and_marks_read(api: httpx.AsyncClient, uow: Uow) -> None:
    await cases_submitted_by_rep_1(3, uow)
    rep = person("rep-1", Role.REPRESENTATIVE)
    count = lambda: api.get(  # noqa: E731
        "/notifications/unread-count", params={"recipient": "rep-1"}, headers=rep
    )
    assert (await count()).json() == {"recipient": "rep-1", "unread": 3}
    newest = (await api.get("/notifications", params={"recipient": "rep-1"}, headers=rep)).json()[
        "items"
    ][0]
    marked = await api.post(
        "/notifications/read", json={"recipient": "rep-1", "ids": [newest["id"]]}, headers=rep
    )
    assert marked.json() == {"marked": 1}
    assert (await count()).json()["unread"] == 2
    unread = (
        await api.get("/notifications", params={"recipient": "rep-1", "unread": True}, headers=rep)
    ).json()["items"]
    assert newest["id"] not in {n["id"] for n in unread}
    assert (
        await api.post("/notifications/read", json={"recipient": "rep-1"}, headers=rep)
    ).json() == {"marked": 2}


async def test_an_inbox_is_read_page_by_page_newest_first(api: httpx.AsyncClient, uow: Uow) -> None:
    await cases_submitted_by_rep_1(5, uow)
    rep = person("rep-1", Role.REPRESENTATIVE)

    async def page(**params: object) -> list[str]:
        found = await api.get("/notifications", params={"limit": 2, **params}, headers=rep)
        assert found.status_code == 200, found.text
        return [n["subject"] for n in found.json()["items"]]

    first = (await api.get("/notifications", params={"limit": 2}, headers=rep)).json()["items"]
    assert [n["subject"] for n in first] == ["P-4", "P-3"]
    second = (
        await api.get("/notifications", params={"limit": 2, "before": first[-1]["id"]}, headers=rep)
    ).json()["items"]
    assert [n["subject"] for n in second] == ["P-2", "P-1"]
    assert await page(before=second[-1]["id"]) == ["P-0"]
    assert await page(before="no-such-notice") == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"channels": ["pigeon"]}, "unknown channel"),
        ({"recipients": ["bad selector!"]}, "selector"),
        ({"title_zh": "{{ title "}, "template error"),
        ({"event_type": "NotAType"}, "pattern"),
    ],
)
async def test_invalid_rule_is_refused_with_the_reason(
    api: httpx.AsyncClient, change: dict, reason: str
) -> None:
    response = await api.put("/rules/bad", json={**ESCALATE, **change})
    assert response.status_code == 422 and reason in response.text
    assert (await api.get("/rules/bad")).status_code == 404


async def test_recipient_channel_that_cannot_work_is_refused(api: httpx.AsyncClient) -> None:
    unsigned = {"name": "x", "channels": [{"kind": "webhook", "address": "http://127.0.0.1:1/x"}]}
    assert "whsec_" in (await api.put("/recipients/x", json=unsigned)).text
    bogus = {"name": "x", "channels": [{"kind": "sms", "address": "carrier-pigeon://x"}]}
    assert (await api.put("/recipients/x", json=bogus)).status_code == 422


async def test_default_rules_are_listed_and_editable(api: httpx.AsyncClient) -> None:
    rules = {r["id"]: r for r in (await api.get("/rules")).json()}
    assert rules["proposal-overdue-escalation"]["priority"] == "urgent"
    edited = {k: v for k, v in rules["station-registered"].items() if k != "id"} | {
        "enabled": False
    }
    assert (await api.put("/rules/station-registered", json=edited)).json()["enabled"] is False
    assert (await api.delete("/rules/station-registered")).status_code == 204
    assert (await api.delete("/rules/station-registered")).status_code == 404


async def test_rule_id_must_be_a_slug(api: httpx.AsyncClient) -> None:
    assert (await api.put("/rules/Not A Slug", json=ESCALATE)).status_code == 422


async def test_template_that_fails_on_the_data_still_notifies(
    api: httpx.AsyncClient, uow: Uow
) -> None:
    rule = {**ESCALATE, "title_zh": "截止 {{ due | local }}", "recipients": ["$assigned_to"]}
    assert (await api.put("/rules/stalled", json=rule)).status_code == 200
    stalled = event("proposal.stalled.v1", "P-8", {"assigned_to": "h-1", "due": "not a time"})
    await apply_rules(stalled, stalled.data, uow=uow())
    [notice] = (
        await api.get(
            "/notifications", params={"recipient": "h-1"}, headers=person("h-1", Role.HANDLER)
        )
    ).json()["items"]
    assert notice["title"] == "proposal.stalled.v1 P-8"


async def test_preview_shows_who_would_be_told_and_what_without_sending(
    api: httpx.AsyncClient, uow: Uow
) -> None:
    await api.put("/recipients/handler-1", json={"name": "王办", "supervisor": "chief-1"})
    hook = {"kind": "webhook", "address": "http://127.0.0.1:9/x", "secret": new_webhook_secret()}
    await api.put("/recipients/chief-1", json={"name": "李科长", "channels": [hook]})
    sample = {
        "data": {
            "proposal_id": "H-1",
            "title": "欠薪求助",
            "kind": "hotline",
            "step": "handling",
            "due_at": "2026-11-30T01:00:00+00:00",
            "responsible_person": "handler-1",
        },
        "subject": "H-1",
    }
    shown = (await api.post("/rules/proposal-overdue-escalation/preview", json=sample)).json()
    body = (
        "12351 热线事项「欠薪求助」（编号 H-1）的办理落实已超过期限（2026-11-30 09:00 (+08:00)），"
        "责任人：王办。请督促办理。"
    )
    assert shown == [
        {
            "recipient": "chief-1",
            "registered": True,
            "title": "【督办】逾期未办结：欠薪求助",
            "body": body,
            "channels": {"in_app": [], "preferred": ["webhook"]},
            "opted_out": False,
        },
        {
            "recipient": "role:supervisor",
            "registered": False,
            "title": "【督办】逾期未办结：欠薪求助",
            "body": body,
            "channels": {"in_app": [], "preferred": []},
            "opted_out": False,
        },
    ]
    assert (await api.get("/deliveries")).json()["items"] == []
    assert (await api.post("/rules/nope/preview", json=sample)).status_code == 404


async def test_operator_retries_a_failed_delivery_once_the_partner_is_back(
    api: httpx.AsyncClient, uow: Uow, dispatcher, clock
) -> None:
    async with http_sink() as sink:
        sink.fail("/review", *[500] * 3)
        hook = {"kind": "webhook", "address": sink.url("/review"), "secret": new_webhook_secret()}
        await api.put(
            "/recipients/role:review_group", json={"name": "审议小组", "channels": [hook]}
        )
        submitted = event("proposal.submitted.v1", "P-1", {"title": "送清凉"})
        await apply_rules(submitted, submitted.data, uow=uow())
        for _ in range(4):
            await drain(dispatcher)
            clock.advance(timedelta(minutes=5))
        [failed] = (await api.get("/deliveries", params={"status": "failed"})).json()["items"]
        assert (await api.post(f"/deliveries/{failed['id']}/retry")).json()["status"] == "pending"
        assert (await api.post(f"/deliveries/{failed['id']}/retry")).status_code == 409
        await drain(dispatcher)
        assert len(sink.to("/review")) == 4
    [row] = [
        d
        for d in (await api.get("/deliveries", params={"recipient": "role:review_group"})).json()[
            "items"
        ]
        if d["channel"] == "preferred"
    ]
    assert row["status"] == "delivered" and [a["ok"] for a in row["log"]] == [
        False,
        False,
        False,
        True,
    ]


async def test_union_starts_a_broadcast_over_http(api: httpx.AsyncClient, uow: Uow) -> None:
    await api.put(
        "/recipients/w1", json={"name": "工友", "roles": ["worker"], "area_code": "350102"}
    )
    alert = {
        "broadcast_id": "cold-1",
        "title_zh": "寒潮",
        "body_zh": "{{ recipient.name }}注意保暖",
        "audience": {},
    }
    started = await api.post("/broadcasts", json=alert)
    assert started.status_code == 202 and started.json()["status"] == "pending"
    await BroadcastWorker(uow, policy=DeliveryPolicy()).run_once()
    assert (await api.get("/broadcasts/union:cold-1")).json()["sent"] == 1
    [notice] = (
        await api.get("/notifications", params={"recipient": "w1"}, headers=person("w1"))
    ).json()["items"]
    assert notice["body"] == "工友注意保暖" and notice["priority"] == "urgent"
    assert (await api.get("/broadcasts/union:nope")).status_code == 404
