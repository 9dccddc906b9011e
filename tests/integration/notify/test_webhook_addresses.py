"""Where webhook channels may go: checked when an address is given and on every connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from ipaddress import ip_network

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from gonghui.notify.adapters.channels import Channels, Outgoing, new_webhook_secret
from gonghui.notify.application.handlers import put_recipient
from gonghui.notify.domain.model import Recipient, Target
from gonghui.notify.entrypoints.http import admin_router, preferences_router
from gonghui.shared.auth import Authenticator, Role, UserDirectory, auth_secret
from gonghui.shared.http import answer_refusals
from gonghui.shared.receivers import ReceiverAddresses
from gonghui.shared.streams import StreamKeys
from tests.integration.notify.conftest import Uow
from tests.support.auth import bearer
from tests.support.sinks import http_sink

PUBLIC_ONLY = ReceiverAddresses(anywhere=False, setting="NOTIFY_WEBHOOK_INTERNAL_NETWORKS")
ADMIN = bearer(Role.UNION_ADMIN, sub="admin-1")
WORKER = bearer(Role.WORKER, sub="w-1")
MESSAGE = Outgoing(
    delivery_id="d-1",
    event_type="proposal.submitted.v1",
    subject="P-1",
    recipient="dept:transport",
    title="新事项",
    body="请处理",
    priority="normal",
    sent_at=datetime.now(UTC),
)


@pytest.fixture
async def api(uow: Uow, redis: Redis, keys: StreamKeys) -> AsyncIterator[httpx.AsyncClient]:
    """Notify's recipient and preference routes, webhooks to public addresses only."""
    app = FastAPI()
    app.state.authenticate = Authenticator(secret=auth_secret(), users=UserDirectory(redis, keys))
    app.include_router(preferences_router(uow, PUBLIC_ONLY))
    app.include_router(admin_router(uow, PUBLIC_ONLY, broadcasters=frozenset()))
    answer_refusals(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://notify"
    ) as client:
        yield client


def webhook(url: str) -> dict[str, str]:
    return {"kind": "webhook", "address": url, "secret": new_webhook_secret()}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/stations",  # the deployment's own services
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata address
        "https://10.0.0.7/hook",
        "http://[::1]:6379/",
        "http://localhost:8003/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
async def test_a_webhook_to_an_internal_address_is_refused_when_it_is_given(
    api: httpx.AsyncClient, url: str
) -> None:
    person = {"name": "工友", "area_code": "350203", "channels": [webhook(url)]}
    refused = await api.put("/recipients/w-1", json=person, headers=ADMIN)
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["detail"]
    assert problem["loc"] == ["body", "channels", 0, "address"]
    assert "NOTIFY_WEBHOOK_INTERNAL_NETWORKS" in problem["msg"]

    await api.put("/recipients/w-1", json={"name": "工友", "area_code": "350203"}, headers=ADMIN)
    own = await api.put("/me/preferences", json={"channels": [webhook(url)]}, headers=WORKER)
    assert own.status_code == 422 and "internal" in own.text
    stored = await api.get("/me/preferences", headers=WORKER)
    assert stored.json()["channels"] == []


async def test_a_person_may_not_set_a_gateway_channel_for_themselves(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/recipients/w-1", json={"name": "工友", "area_code": "350203"}, headers=ADMIN)
    for kind in ("sms", "apprise"):
        channel = {"kind": kind, "address": "json://10.0.0.7:8080/sms"}
        own = await api.put("/me/preferences", json={"channels": [channel]}, headers=WORKER)
        assert own.status_code == 422 and "set by a union admin" in own.text
    # A union admin sets the in-house gateway.
    gateway = {"kind": "sms", "address": "json://10.0.0.7:8080/sms"}
    person = {"name": "工友", "area_code": "350203", "channels": [gateway]}
    assert (await api.put("/recipients/w-1", json=person, headers=ADMIN)).status_code == 200


@pytest.mark.parametrize(
    ("kind", "address"),
    [
        ("dingtalk", "json://10.0.0.7:8080/x"),  # another Apprise service under a person's kind
        ("feishu", "xml://127.0.0.1:8001/"),
        ("dingtalk", "dingtalk://token/, json://127.0.0.1:8001/stations"),  # a second URL
        ("email", "mailtos://u:p@example.cn?smtp=8.8.8.8 json://127.0.0.1:8001/"),
    ],
)
async def test_a_channel_of_one_kind_cannot_post_anywhere_else(
    api: httpx.AsyncClient, kind: str, address: str
) -> None:
    await api.put("/recipients/w-1", json={"name": "工友", "area_code": "350203"}, headers=ADMIN)
    channel = {"kind": kind, "address": address}
    own = await api.put("/me/preferences", json={"channels": [channel]}, headers=WORKER)
    assert own.status_code == 422, own.text
    assert "starts with" in own.text or "one Apprise URL" in own.text
    person = {"name": "工友", "area_code": "350203", "channels": [channel]}
    assert (await api.put("/recipients/w-1", json=person, headers=ADMIN)).status_code == 422


async def test_a_persons_own_email_goes_through_a_public_mail_server(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/recipients/w-1", json={"name": "工友", "area_code": "350203"}, headers=ADMIN)
    mail = "mailto://u:p@example.cn?from=w@example.cn&to=w@example.cn&smtp="
    inward = {"kind": "email", "address": mail + "127.0.0.1"}
    own = await api.put("/me/preferences", json={"channels": [inward]}, headers=WORKER)
    assert own.status_code == 422, own.text
    assert own.json()["detail"][0]["loc"] == ["body", "channels", 0, "address"]
    outward = {"kind": "email", "address": mail + "8.8.8.8"}
    own = await api.put("/me/preferences", json={"channels": [outward]}, headers=WORKER)
    assert own.status_code == 200, own.text
    # The union's own mail server is on its network: an admin names it.
    person = {"name": "工友", "area_code": "350203", "channels": [inward]}
    assert (await api.put("/recipients/w-1", json=person, headers=ADMIN)).status_code == 200


async def test_a_channel_on_record_is_not_looked_up_again_on_each_edit(
    api: httpx.AsyncClient, uow: Uow
) -> None:
    # A partner's host that does not resolve today (`.invalid` never does).
    gone = webhook("https://gone.invalid/hook")
    stored = Recipient(id="w-1", name="工友", area_code="350203", channels=[Target(**gone)])
    await put_recipient(stored, uow=uow())
    edit = {"channels": [gone], "quiet_start": "22:00", "quiet_end": "06:00"}
    own = await api.put("/me/preferences", json=edit, headers=WORKER)
    assert own.status_code == 200, own.text
    added = {**edit, "channels": [gone, webhook("https://also-gone.invalid/hook")]}
    own = await api.put("/me/preferences", json=added, headers=WORKER)
    assert own.status_code == 422 and "does not resolve" in own.text
    assert own.json()["detail"][0]["loc"] == ["body", "channels", 1, "address"]


async def test_a_stored_channel_posting_elsewhere_is_refused_when_sent() -> None:
    async with http_sink() as sink:
        # Stored before the rule: a DingTalk channel with a second URL to an internal service.
        target = Target("dingtalk", f"dingtalk://token/, json://{sink.url('/x')[7:]}", None)
        channels = Channels(PUBLIC_ONLY)
        outcome = await channels.send(target, MESSAGE)
        await channels.aclose()
    assert not outcome.ok and outcome.permanent
    assert sink.received == []


async def test_a_webhook_is_dialled_only_at_an_allowed_address() -> None:
    async with http_sink() as sink:
        target = Target("webhook", sink.url("/hook"), new_webhook_secret())
        refusing = Channels(PUBLIC_ONLY)
        refused = await refusing.send(target, MESSAGE)
        await refusing.aclose()
        # A government network the deployment names is reached.
        internal = ReceiverAddresses([ip_network("127.0.0.0/8")], anywhere=False)
        allowing = Channels(internal)
        sent = await allowing.send(target, MESSAGE)
        await allowing.aclose()

    assert not refused.ok and refused.permanent  # no retries against a refused address
    assert "NOTIFY_WEBHOOK_INTERNAL_NETWORKS" in (refused.error or "")
    assert sent.ok
    assert len(sink.received) == 1
