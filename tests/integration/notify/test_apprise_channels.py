"""DingTalk, WeCom, Feishu, SMS and email go out through Apprise to real sinks on loopback.

Apprise's DingTalk, WeCom and Feishu plugins post to fixed cloud hosts, so the tests point each
plugin's endpoint constant at the local HTTP sink: the real plugin builds, signs and sends the
request; only the host differs. SMSEagle (an on-premises SMS gateway) and SMTP take any host.
"""

from __future__ import annotations

import json
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.wecombot import NotifyWeComBot

from gonghui.notify.application.handlers import apply_rules, put_rule
from gonghui.notify.domain.model import Rule, Target
from tests.integration.notify.conftest import Uow, deliveries, drain, event, person
from tests.support.sinks import http_sink, smtp_sink

KEY = "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"


@pytest.fixture
async def sink(monkeypatch: pytest.MonkeyPatch):
    async with http_sink() as running:
        base = running.url("")
        monkeypatch.setattr(NotifyDingTalk, "notify_url", base + "/robot/send?access_token={token}")
        monkeypatch.setattr(NotifyWeComBot, "notify_url", base + "/cgi-bin/webhook/send?key={key}")
        monkeypatch.setattr(NotifyFeishu, "notify_url", base + "/open-apis/bot/v2/hook/{token}/")
        running.bodies["/jsonrpc/sms"] = b'{"result":{"message_id":1,"status":"ok"}}'
        yield running


async def test_every_apprise_channel_delivers_the_rendered_message(
    uow: Uow, dispatcher, sink
) -> None:
    with smtp_sink() as (smtp_port, mails):
        await person(
            uow,
            "director",
            Target("dingtalk", "dingtalk://SECabc123@abcdef0123456789abcdef/"),
            Target("wecom", f"wecombot://{KEY}"),
            Target("feishu", f"feishu://{KEY}"),
            Target("sms", f"smseagle://tok12345@127.0.0.1:{sink.port}/13800138000"),
            Target(
                "email",
                f"mailto://127.0.0.1:{smtp_port}?from=notify@gonghui.local&to=director@union.cn",
            ),
        )
        await put_rule(
            Rule(
                id="everywhere",
                event_type="proposal.overdue.v1",
                recipients=["director"],
                channels=["dingtalk", "wecom", "feishu", "sms", "email"],
                title_zh="【督办】{{ title }}",
                body_zh="事项 {{ proposal_id }} 已逾期。",
                priority="critical",
            ),
            uow=uow(),
        )
        overdue = event("proposal.overdue.v1", "H-1", {"proposal_id": "H-1", "title": "欠薪求助"})
        await apply_rules(overdue, overdue.data, uow=uow())
        await drain(dispatcher)

        log = {
            d.channel: (d.status, d.last_error)
            for d, _ in await deliveries(uow, recipient="director")
        }
        assert log == {
            c: ("delivered", None) for c in ("dingtalk", "wecom", "feishu", "sms", "email")
        }

        [ding] = sink.to("/robot/send")
        assert "access_token=abcdef0123456789abcdef" in ding.path and "sign=" in ding.path
        assert "事项 H-1 已逾期。" in json.dumps(ding.json(), ensure_ascii=False)
        [wecom] = sink.to("/cgi-bin/webhook/send")
        assert f"key={KEY}" in wecom.path and "事项 H-1 已逾期。" in json.dumps(
            wecom.json(), ensure_ascii=False
        )
        [feishu] = sink.to(f"/open-apis/bot/v2/hook/{KEY}")
        assert "事项 H-1 已逾期。" in json.dumps(feishu.json(), ensure_ascii=False)
        [sms] = sink.to("/jsonrpc/sms")
        assert sms.json()["params"]["to"] == "13800138000"
        assert "事项 H-1 已逾期。" in sms.json()["params"]["message"]
        [mail] = mails
        assert mail.recipients == ["director@union.cn"]
        parsed = message_from_bytes(mail.content)
        assert str(make_header(decode_header(parsed["Subject"]))) == "【督办】欠薪求助"


async def test_unreachable_apprise_channel_is_retried_with_its_error_logged(
    uow: Uow, dispatcher, sink
) -> None:
    sink.fail("/robot/send", 502)
    await person(uow, "role:review_group", Target("dingtalk", "dingtalk://abcdef0123456789abcdef/"))
    submitted = event("proposal.submitted.v1", "P-1", {"proposal_id": "P-1", "title": "送清凉"})
    await apply_rules(submitted, submitted.data, uow=uow())
    await drain(dispatcher)
    [(row, attempts)] = [(d, a) for d, a in await deliveries(uow) if d.channel == "preferred"]
    assert row.status == "pending" and [a.ok for a in attempts] == [False]
    assert "502" in attempts[0].error
