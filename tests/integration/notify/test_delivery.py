"""Retries with backoff against a failing sink, failover, dead letters, quiet hours, opt-outs."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy import event as sql_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.notify.adapters.channels import Channels
from gonghui.notify.application.dispatch import Dispatcher, delivery_dlq_stream
from gonghui.notify.application.handlers import apply_rules
from gonghui.notify.domain.model import Target
from gonghui.shared.db import OutboxRow
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.receivers import ReceiverAddresses
from gonghui.shared.streams import StreamKeys
from tests.integration.notify.conftest import (
    POLICY,
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

SUBMITTED = event(
    "proposal.submitted.v1",
    "P-1",
    {"proposal_id": "P-1", "title": "夏季送清凉", "kind": "issue", "submitted_by": "rep-001"},
)
OVERDUE = event(
    "proposal.overdue.v1",
    "P-9",
    {
        "proposal_id": "P-9",
        "title": "热线求助",
        "kind": "hotline",
        "step": "handling",
        "due_at": "2026-11-30T10:00:00+00:00",
        "responsible_person": "handler-1",
    },
)


async def only_delivery(uow: Uow, recipient: str):
    [(row, attempts)] = [
        (d, a) for d, a in await deliveries(uow, recipient=recipient) if d.channel == "preferred"
    ]
    return row, attempts


async def test_failing_sink_is_retried_with_growing_jittered_delays_until_it_answers(
    uow: Uow, dispatcher, clock
) -> None:
    async with http_sink() as sink:
        sink.fail("/review", 503, 503)
        await person(uow, "role:review_group", webhook(sink.url("/review")))
        await apply_rules(SUBMITTED, SUBMITTED.data, uow=uow())

        delays = []
        for _ in range(2):
            await drain(dispatcher)
            row, _ = await only_delivery(uow, "role:review_group")
            assert row.status == "pending"
            delays.append((row.next_attempt_at - clock.now()).total_seconds())
            assert await drain(dispatcher) == 0  # nothing is due before the delay has passed
            clock.advance(timedelta(seconds=delays[-1]))
        await drain(dispatcher)

    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20  # 10 s then 20 s steps, half jitter
    row, attempts = await only_delivery(uow, "role:review_group")
    assert row.status == "delivered" and row.delivered_via == "webhook"
    assert [a.ok for a in attempts] == [False, False, True]
    assert attempts[0].error.startswith("HTTP 503")
    assert len(sink.to("/review")) == 3
    assert len({r.headers["webhook-id"] for r in sink.to("/review")}) == 1  # same id on retries


async def test_person_fails_over_to_the_next_channel_in_their_order(uow: Uow, dispatcher) -> None:
    async with http_sink() as sink:
        sink.fail("/gone", 410)
        sms_gateway = Target("sms", f"json://127.0.0.1:{sink.port}/sms-gateway")
        await person(uow, "role:review_group", webhook(sink.url("/gone")), sms_gateway)
        await apply_rules(SUBMITTED, SUBMITTED.data, uow=uow())
        await drain(dispatcher)

    row, attempts = await only_delivery(uow, "role:review_group")
    assert row.status == "delivered" and row.delivered_via == "sms"
    assert [(a.channel, a.ok) for a in attempts] == [("webhook", False), ("sms", True)]
    assert sink.to("/sms-gateway")[0].json()["title"] == "待审议：夏季送清凉"
    assert [d["channel"] for d in await outbox(uow, "notification.delivered.v1")] == [
        "in_app",
        "in_app",
        "sms",
    ]


async def test_permanent_failure_is_dead_lettered_and_announced(
    uow: Uow, dispatcher, clock, redis: Redis, keys: StreamKeys
) -> None:
    async with http_sink() as sink:
        sink.fail("/down", *[500] * 10)
        await person(uow, "role:review_group", webhook(sink.url("/down")))
        await apply_rules(SUBMITTED, SUBMITTED.data, uow=uow())
        for _ in range(5):
            await drain(dispatcher)
            clock.advance(timedelta(minutes=5))

    row, attempts = await only_delivery(uow, "role:review_group")
    assert row.status == "failed" and len(attempts) == 3  # attempts_per_channel
    [failed] = await outbox(uow, "notification.failed.v1")
    assert failed["delivery_id"] == row.id and failed["attempts"] == 3
    assert "HTTP 500" in failed["reason"]
    [letter] = await DeadLetters(redis, keys).list(keys.dlq(delivery_dlq_stream(keys)))
    assert letter.entry_id == row.id and "gave up after 3 attempts" in letter.reason
    assert letter.original["event_id"] == SUBMITTED.id


async def test_quiet_hours_hold_normal_messages_until_morning_but_not_urgent_ones(
    uow: Uow, dispatcher, clock
) -> None:
    clock.advance(timedelta(hours=13))  # 23:00 in Shanghai
    async with http_sink() as sink:
        quiet = {"quiet_start": "22:00", "quiet_end": "07:30"}
        await person(uow, "role:review_group", webhook(sink.url("/review")), **quiet)
        await person(uow, "handler-1", supervisor="sup-1", **quiet)
        await person(uow, "sup-1", webhook(sink.url("/sup")), **quiet)
        await apply_rules(SUBMITTED, SUBMITTED.data, uow=uow())
        await apply_rules(OVERDUE, OVERDUE.data, uow=uow())
        await drain(dispatcher)
        assert [r.path for r in sink.received] == ["/sup"]  # urgent went through at night
        row, _ = await only_delivery(uow, "role:review_group")
        assert row.status == "pending" and row.note == "held for quiet hours until 07:30"
        assert len(await inbox(uow, "role:review_group")) == 1  # the inbox is never held

        clock.advance(timedelta(hours=8, minutes=29))  # 07:29
        assert await drain(dispatcher) == 0
        clock.advance(timedelta(minutes=1))
        await drain(dispatcher)
        assert [r.path for r in sink.received] == ["/sup", "/review"]


async def test_opt_out_silences_all_but_critical_messages(uow: Uow, dispatcher) -> None:
    async with http_sink() as sink:
        await person(
            uow,
            "role:review_group",
            webhook(sink.url("/review")),
            opt_outs=["proposal.submitted.v1"],
        )
        await apply_rules(SUBMITTED, SUBMITTED.data, uow=uow())
        async with uow() as unit:
            rule = await unit.rules.get("proposal-submitted-review")
            rule.priority = "critical"
            await unit.rules.put(rule, at=unit.clock.now())
            await unit.commit()
        again = event("proposal.submitted.v1", "P-2", {**SUBMITTED.data, "proposal_id": "P-2"})
        await apply_rules(again, again.data, uow=uow())
        await drain(dispatcher)

    assert [r.json()["data"]["subject"] for r in sink.received] == ["P-2"]
    skipped = [
        d
        for d, _ in await deliveries(uow, event_id=SUBMITTED.id)
        if d.recipient == "role:review_group"
    ]
    assert {(d.status, d.note) for d in skipped} == {("skipped", "opted out")}
    assert [n.subject for n in await inbox(uow, "role:review_group")] == ["P-2"]


async def test_two_dispatchers_never_send_the_same_delivery(
    uow: Uow, redis: Redis, keys: StreamKeys
) -> None:
    async with http_sink() as sink:
        await person(uow, "role:review_group", webhook(sink.url("/review")))
        for n in range(60):
            submitted = event("proposal.submitted.v1", f"P-{n}", {"title": f"事项{n}"})
            await apply_rules(submitted, submitted.data, uow=uow())
        channels = Channels(ReceiverAddresses(anywhere=True))
        small = dataclasses.replace(POLICY, batch_size=7)
        replicas = [
            Dispatcher(
                uow,
                channels=channels,
                dead_letters=DeadLetters(redis, keys),
                keys=keys,
                policy=small,
            )
            for _ in range(3)
        ]
        while sum(await asyncio.gather(*(r.run_once() for r in replicas))):
            pass
        await channels.aclose()

    subjects = [r.json()["data"]["subject"] for r in sink.received]
    assert sorted(subjects) == sorted(f"P-{n}" for n in range(60))


async def test_department_is_told_on_its_own_inbox_stream(
    uow: Uow, dispatcher, keys: StreamKeys
) -> None:
    await person(uow, "dept:transport", Target("inbox", "transport"), kind="department")
    complaint = event(
        "station.complaint_received.v1",
        "350102-0001",
        {
            "code": "350102-0001",
            "name": "五四路驿站",
            "area_code": "350102",
            "area_name": "福建省福州市鼓楼区",
            "operator": "transport",
            "category_label": "未按时开放",
            "text": "中午没开门",
            "complaints_in_window": 1,
        },
    )
    await apply_rules(complaint, complaint.data, uow=uow())
    await drain(dispatcher)

    [(row, _)] = [
        (d, a)
        for d, a in await deliveries(uow, recipient="dept:transport")
        if d.channel == "preferred"
    ]
    async with uow() as unit:
        rows = await unit.session.scalars(
            select(OutboxRow).where(OutboxRow.stream == keys.inbox("transport"))
        )
        [posted] = [CloudEvent.from_fields(r.fields) for r in rows]
    assert posted.type == "notification.posted.v1" and posted.id == row.id
    assert posted.source == "gonghui/notify" and posted.subject == "350102-0001"
    assert posted.data["title"] == "站点投诉：五四路驿站（未按时开放）"
    assert posted.data["cause_event_id"] == complaint.id
    assert row.delivered_via == "inbox"


async def test_a_department_gets_one_notice_per_assignment_its_work_item(
    uow: Uow, dispatcher, keys: StreamKeys
) -> None:
    """The work item from proposals is on its inbox already: no notification.posted.v1 too."""
    await person(uow, "dept:transport", Target("inbox", "transport"), kind="department")
    for n, action in enumerate(["assign", "reassign", "send_back", "reopen"]):
        assigned = event(
            "proposal.transitioned.v1",
            f"P-{n}",
            {
                "proposal_id": f"P-{n}",
                "kind": "proposal",
                "action": action,
                "unit_code": "transport",
            },
        )
        await apply_rules(assigned, assigned.data, uow=uow())
    await drain(dispatcher)

    async with uow() as unit:
        rows = await unit.session.scalars(
            select(OutboxRow).where(OutboxRow.stream == keys.inbox("transport"))
        )
        assert list(rows) == []
    skipped = [d for d, _ in await deliveries(uow, recipient="dept:transport")]
    assert {d.status for d in skipped if d.channel == "preferred"} == {"skipped"}
    assert all("not via inbox" in (d.note or "") for d in skipped if d.channel == "preferred")


async def test_retry_that_would_fall_in_quiet_hours_waits_for_the_morning(
    uow: Uow, dispatcher, clock
) -> None:
    clock.advance(timedelta(hours=11, minutes=59, seconds=55))  # 21:59:55 in Shanghai
    async with http_sink() as sink:
        sink.fail("/review", 503)
        quiet = {"quiet_start": "22:00", "quiet_end": "07:00"}
        await person(uow, "role:review_group", webhook(sink.url("/review")), **quiet)
        await apply_rules(SUBMITTED, SUBMITTED.data, uow=uow())
        await drain(dispatcher)
        row, _ = await only_delivery(uow, "role:review_group")
        assert row.note == "retry held for quiet hours until 07:00"
        clock.advance(timedelta(hours=9))  # 06:59:55
        assert await drain(dispatcher) == 0
        clock.advance(timedelta(seconds=5))
        await drain(dispatcher)
    row, attempts = await only_delivery(uow, "role:review_group")
    assert row.status == "delivered" and [a.ok for a in attempts] == [False, True]


async def test_a_hotline_case_reaches_its_unit_and_its_responsible_person_at_once(
    uow: Uow, dispatcher, clock
) -> None:
    """12351: urgent through quiet hours and digests; the named person is told in person."""
    clock.advance(timedelta(hours=13))  # 23:00 in Shanghai
    async with http_sink() as sink:
        await person(
            uow,
            "dept:ph-legal",
            webhook(sink.url("/unit")),
            kind="department",
            name="平湖律师服务团",
            quiet_start="22:00",
            quiet_end="08:00",
            digest=True,
        )
        await person(
            uow,
            "li-director",
            webhook(sink.url("/li")),
            name="李主任",
            quiet_start="22:00",
            quiet_end="08:00",
        )
        for kind, case in (("hotline", "H-1"), ("proposal", "P-1")):
            assigned = event(
                "proposal.transitioned.v1",
                case,
                {
                    "proposal_id": case,
                    "case_no": f"330482-2026-00000{case[-1]}",
                    "kind": kind,
                    "title": "欠薪求助" if kind == "hotline" else "货车司机之家",
                    "action": "assign",
                    "step": "assignment",
                    "actor": "group-1",
                    "unit_code": "ph-legal",
                    "responsible_person": "li-director",
                    "submitted_by": "hotline-desk",
                },
                event_id=f"assign-{case}",
            )
            await apply_rules(assigned, assigned.data, uow=uow())
        await drain(dispatcher)

    by_path = {r.path: r.json()["data"] for r in sink.received}
    assert sorted(by_path) == ["/li", "/unit"]  # the ordinary proposal waits for the morning
    unit = by_path["/unit"]
    assert unit["priority"] == "urgent" and unit["subject"] == "H-1"
    assert unit["title"] == "【12351 加急】交办：欠薪求助（编号 330482-2026-000001）"
    assert "责任人：李主任" in unit["body"]
    li = by_path["/li"]
    assert li["priority"] == "urgent" and li["body"].startswith("李主任：您负责的 12351 热线事项")
    held = [d for d, _ in await deliveries(uow, recipient="dept:ph-legal") if d.subject == "P-1"]
    assert {d.status for d in held if d.channel == "preferred"} == {"digest"}


async def test_the_dispatchers_look_ups_use_the_indexes_of_waiting_rows(
    uow: Uow, dispatcher, notify_engine: AsyncEngine
) -> None:
    # Those indexes hold only waiting and claimed rows (most rows are written finished): the
    # queries a dispatch round makes must still be able to use them.
    looked_up: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("SELECT") and "FROM deliveries" in statement:
            looked_up.append((statement, parameters))

    async with http_sink() as sink:
        await person(uow, "role:review_group", webhook(sink.url("/review")))
        await apply_rules(SUBMITTED, SUBMITTED.data, uow=uow())
        sql_event.listen(notify_engine.sync_engine, "before_cursor_execute", keep)
        try:
            assert await drain(dispatcher) == 1
        finally:
            sql_event.remove(notify_engine.sync_engine, "before_cursor_execute", keep)

    postgres = notify_engine.dialect.name == "postgresql"
    plans = []
    async with notify_engine.connect() as connection:
        if postgres:
            await connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in looked_up:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = await connection.exec_driver_sql(explain + statement, parameters)
            plans.append(" ".join(str(row[-1]) for row in rows))
    conditions = [statement.partition("WHERE")[2] for statement, _ in looked_up]
    due = [p for p, where in zip(plans, conditions, strict=True) if "next_attempt_at" in where]
    claimed = [p for p, where in zip(plans, conditions, strict=True) if "claim_token =" in where]
    assert due and claimed, looked_up
    assert all("ix_deliveries_due" in plan for plan in due), due
    assert all("ix_deliveries_claim" in plan for plan in claimed), claimed
    partial = {"ix_deliveries_claim", *(["ix_deliveries_due"] if postgres else [])}
    defined = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'deliveries'"
        if postgres
        else "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'deliveries'"
    )
    async with notify_engine.connect() as connection:
        definitions = dict((await connection.exec_driver_sql(defined)).all())
    assert all(" WHERE " in definitions[name] for name in partial), definitions
