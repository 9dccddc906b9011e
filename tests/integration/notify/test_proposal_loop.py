"""A proposal's five steps notify each participant once, on their channel, even when redelivered."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

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


def five_steps(due_at: str) -> list:
    """线上提交—小组审议—办理落实—执行督查—总结反馈, as proposals announces them."""
    base = {
        "proposal_id": CASE,
        "title": "货车司机之家",
        "kind": "proposal",
        "submitted_by": "rep-001",
    }
    return [
        event("proposal.submitted.v1", CASE, {**base, "area_code": "330482"}),
        event("proposal.accepted.v1", CASE, base),
        event(
            "proposal.assigned.v1",
            CASE,
            {**base, "assigned_to": "handler-007", "department": "transport", "due_at": due_at},
        ),
        event("proposal.progress.v1", CASE, {**base, "supervisor": "sup-01", "note": "选址完成"}),
        event(
            "proposal.completed.v1",
            CASE,
            {
                **base,
                "assigned_to": "handler-007",
                "supervisor": "sup-01",
                "result": "司机之家已开放",
            },
        ),
    ]


async def test_each_participant_is_told_once_per_step_on_their_channel(
    uow: Uow, dispatcher, redis: Redis, keys: StreamKeys, clock
) -> None:
    async with http_sink() as sink:
        secrets = {}
        for rid, path in [
            ("rep-001", "/rep"),
            ("role:review_group", "/review"),
            ("handler-007", "/handler"),
            ("dept:transport", "/transport"),
            ("sup-01", "/sup"),
        ]:
            target = webhook(sink.url(path))
            secrets[path] = target.secret
            await person(uow, rid, target)

        stream = keys.events("proposals")
        consumer = GroupConsumer(
            stream=stream, group="notify", consumer="c1", service="notify",
            handlers=proposal_event_handlers(), uow_factory=uow, redis=redis, keys=keys,
            dead_letters=DeadLetters(redis, keys),
        )  # fmt: skip
        await create_group(redis, stream, "notify")
        steps = five_steps((clock.now() + timedelta(days=3)).isoformat())
        for _ in range(2):  # every event arrives twice (redelivery after a producer retry)
            for step in steps:
                await redis.xadd(stream, step.to_fields())
            await consumer.process(await read_new(redis, stream, "notify", "c1"))
        assert await pending_count(redis, stream, "notify") == 0
        # Even past the consumer's dedupe, the delivery key holds: applying again adds nothing.
        assert await apply_rules(steps[2], steps[2].data, uow=uow()) == 0

        await drain(dispatcher)

        expected = {"/rep": 5, "/review": 1, "/handler": 2, "/transport": 1, "/sup": 2}
        assert Counter(r.path for r in sink.received) == expected
        for request in sink.received:
            Webhook(secrets[request.path]).verify(request.body, request.headers)
        assert len({r.headers["webhook-id"] for r in sink.received}) == len(sink.received)
        titles = [r.json()["data"]["title"] for r in sink.to("/rep")]
        assert titles[0] == "已提交：货车司机之家" and titles[-1] == "已办结：货车司机之家"

        for rid, count in [
            ("rep-001", 5),
            ("role:review_group", 1),
            ("handler-007", 2),
            ("sup-01", 2),
        ]:
            assert len(await inbox(uow, rid)) == count
        delivered = await outbox(uow, "notification.delivered.v1")
        assert Counter(d["channel"] for d in delivered) == {"in_app": 11, "webhook": 11}

        # Completion cancelled the deadline reminders that had not gone out.
        reminders = [d for d, _ in await deliveries(uow) if d.purpose.startswith("remind-")]
        assert reminders and {d.status for d in reminders} == {"cancelled"}


async def test_delivery_log_shows_each_delivery_of_an_event(uow: Uow, dispatcher) -> None:
    async with http_sink() as sink:
        await person(uow, "role:review_group", webhook(sink.url("/review")))
        submitted = five_steps("2026-12-05T00:00:00+00:00")[0]
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
