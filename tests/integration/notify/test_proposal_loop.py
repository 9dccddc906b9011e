"""A proposal's five steps notify each participant once, on their channel, even when redelivered."""

from __future__ import annotations

from collections import Counter

from redis.asyncio import Redis
from standardwebhooks.webhooks import Webhook

from gonghui.notify.application.handlers import apply_rules
from gonghui.notify.entrypoints.consumers import proposal_event_handlers
from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.streams import StreamKeys
from tests.integration.notify.conftest import (
    Uow,
    deliveries,
    drain,
    event,
    inbox,
    outbox,
    person,
    webhook,
)
from tests.support.sinks import http_sink
from tests.support.streams import create_group, pending_count, read_new

CASE = "P-2026-0042"
BASE = {"proposal_id": CASE, "kind": "proposal", "submitted_by": "rep-001"}


def transition(seq: int, action: str, step: str, to_status: str, **extra: str):
    """One `proposal.transitioned.v1`, as the proposals service announces it."""
    data = {
        **BASE,
        "seq": seq,
        "action": action,
        "step": step,
        "to_status": to_status,
        "actor": extra.pop("actor", "reviewer-1"),
        "at": "2026-11-30T02:00:00+00:00",
        **extra,
    }
    return event("proposal.transitioned.v1", CASE, data, event_id=f"{CASE}:{seq}")


def five_steps() -> list:
    """线上提交—小组审议—办理落实—执行督查—总结反馈, as proposals announces them."""
    submitted = {
        **BASE,
        "title": "货车司机之家",
        "area_code": "330482",
        "submitted_at": "2026-11-30T01:00:00+00:00",
    }
    unit = {"unit_code": "transport"}
    return [
        event("proposal.submitted.v1", CASE, submitted),
        transition(1, "submit", "submission", "submitted", actor="rep-001"),
        transition(2, "accept", "review", "accepted"),
        transition(3, "assign", "assignment", "assigned", **unit),
        transition(
            4, "accept_assignment", "handling", "in_progress", actor="dept:transport", **unit
        ),
        transition(
            5,
            "progress",
            "handling",
            "in_progress",
            actor="dept:transport",
            note="选址完成",
            **unit,
        ),
        transition(
            6, "complete", "handling", "completed", actor="dept:transport", note="已开放", **unit
        ),
        transition(7, "verify", "supervision", "verified", actor="supervisor-1", **unit),
        transition(8, "feedback", "feedback", "closed", actor="rep-001", **unit),
    ]


async def test_each_participant_is_told_once_per_step_on_their_channel(
    uow: Uow, dispatcher, redis: Redis, keys: StreamKeys, clock
) -> None:
    async with http_sink() as sink:
        secrets = {}
        for rid, path, name in [
            ("rep-001", "/rep", "沈代表"),
            ("role:review_group", "/review", "审议小组"),
            ("dept:transport", "/transport", "平湖市交通运输局"),
            ("role:supervisor", "/sup", "督查组"),
        ]:
            target = webhook(sink.url(path))
            secrets[path] = target.secret
            await person(uow, rid, target, name=name)

        stream = keys.events("proposals")
        consumer = GroupConsumer(
            stream=stream,
            group="notify",
            consumer="c1",
            service="notify",
            handlers=proposal_event_handlers(),
            uow_factory=uow,
            redis=redis,
            keys=keys,
            dead_letters=DeadLetters(redis, keys),
        )
        await create_group(redis, stream, "notify")
        steps = five_steps()
        for _ in range(2):  # every event arrives twice (redelivery after a producer retry)
            for step in steps:
                await redis.xadd(stream, step.to_fields())
            await consumer.process(await read_new(redis, stream, "notify", "c1"))
        assert await pending_count(redis, stream, "notify") == 0
        # Even past the consumer's dedupe, the delivery key holds: applying again adds nothing.
        assert await apply_rules(steps[3], steps[3].data, uow=uow()) == 0

        await drain(dispatcher)

        # The submitter: a receipt and every step after it but their own (the feedback);
        # the others: their own step.
        expected = {"/rep": 7, "/review": 1, "/transport": 1, "/sup": 1}
        assert Counter(r.path for r in sink.received) == expected
        for request in sink.received:
            Webhook(secrets[request.path]).verify(request.body, request.headers)
        assert len({r.headers["webhook-id"] for r in sink.received}) == len(sink.received)
        titles = [r.json()["data"]["title"] for r in sink.to("/rep")]
        assert titles[:2] == ["已提交：货车司机之家", "小组审议：已通过小组审议，予以立案"]
        assert titles[-1] == "执行督查：督查通过，请您评价"
        [to_unit] = [r.json()["data"] for r in sink.to("/transport")]
        assert (
            to_unit["body"] == "平湖市交通运输局：提案（编号 P-2026-0042）已交办，请及时接收办理。"
        )
        to_rep = [r.json()["data"]["body"] for r in sink.to("/rep")]
        assert "（承办单位：平湖市交通运输局）" in to_rep[3]
        [to_supervisors] = [r.json()["data"] for r in sink.to("/sup")]
        assert to_supervisors["title"] == "待督查：提案（编号 P-2026-0042）"

        told = [
            ("rep-001", 7),
            ("role:review_group", 1),
            ("dept:transport", 1),
            ("role:supervisor", 1),
        ]
        for rid, count in told:
            assert len(await inbox(uow, rid)) == count
        delivered = await outbox(uow, "notification.delivered.v1")
        assert Counter(d["channel"] for d in delivered) == {"in_app": 10, "webhook": 10}


async def test_delivery_log_shows_each_delivery_of_an_event(uow: Uow, dispatcher) -> None:
    async with http_sink() as sink:
        await person(uow, "role:review_group", webhook(sink.url("/review")))
        submitted = five_steps()[0]
        await apply_rules(submitted, submitted.data, uow=uow())
        await drain(dispatcher)
    log = {
        (d.recipient, d.channel): (d.status, [a.ok for a in attempts])
        for d, attempts in await deliveries(uow, event_id=submitted.id)
    }
    assert log == {
        ("role:review_group", "in_app"): ("delivered", []),
        ("role:review_group", "preferred"): ("delivered", [True]),
        ("rep-001", "in_app"): ("delivered", []),
        ("rep-001", "preferred"): ("skipped", []),
    }
