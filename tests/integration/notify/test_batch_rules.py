"""Notify applies a run of events together: a few statements whatever its size, fresh rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import event as sql_event
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.notify.application.handlers import put_rule
from gonghui.notify.domain.model import Rule
from gonghui.notify.entrypoints.consumers import proposal_event_handlers, station_event_handlers
from gonghui.shared.clock import ManualClock
from gonghui.shared.consumer import GroupConsumer, Handlers
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.streams import StreamKeys
from tests.integration.notify.conftest import Uow, deliveries, event, inbox, outbox, person, webhook
from tests.integration.notify.test_http import api  # noqa: F401 (a fixture)
from tests.support.streams import create_group, pending_count, read_new


def registered(code: str, **overrides: Any) -> CloudEvent:
    """`station.registered.v1` of a station in 鼓楼区 run by a bank, as stations announces it."""
    data = {
        "code": code,
        "external_ref": code,
        "operator": "cib-bank",
        "name": f"驿站{code}",
        "address": "福州市鼓楼区五四路154号",
        "lat": 26.08,
        "lon": 119.30,
        "services": ["rest"],
        "open_hours": "24/7",
        "status": "proposed",
        "registered_at": "2026-11-30T02:00:00Z",
        "area_code": "350102",
        "actor": "staff-1",
        **overrides,
    }
    return event("station.registered.v1", code, data)


async def consume(
    redis: Redis,
    keys: StreamKeys,
    uow: Uow,
    handlers: Handlers,
    *events: CloudEvent,
    service: str = "stations",
) -> None:
    """Put the events on `<service>.events` and let notify's consumer apply them as one batch."""
    stream = keys.events(service)
    await create_group(redis, stream, "notify")
    for each in events:
        await redis.xadd(stream, each.to_fields())
    consumer = GroupConsumer(
        stream=stream,
        group="notify",
        consumer="c1",
        service="notify",
        handlers=handlers,
        uow_factory=uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
        transaction_budget_s=60,  # one transaction for the batch, however slow the machine
    )
    await consumer.process(await read_new(redis, stream, "notify", "c1", count=1000))
    assert await pending_count(redis, stream, "notify") == 0


async def test_a_run_costs_the_same_statements_whatever_its_size(
    redis: Redis, keys: StreamKeys, uow: Uow, notify_engine: AsyncEngine
) -> None:
    await person(
        uow, "admin-a", webhook("https://sink.invalid/a"), roles=["station_admin"], area_code="3501"
    )
    await person(
        uow,
        "admin-b",
        roles=["station_admin"],
        area_code="350102",
        opt_outs=["station.registered.v1"],
    )
    await person(uow, "admin-c", roles=["station_admin"], area_code="350203")  # elsewhere
    await person(uow, "dept:cib-bank", name="兴业银行", kind="department")
    async with uow() as unit:
        # A district's rule replaces the default: with four deliveries an event, 200 events fit
        # in one page of an executemany (SQLAlchemy sends 1,000 rows a statement).
        await unit.rules.delete("station-registered")
        await unit.commit()
    await put_rule(
        Rule(
            id="station-registered-area",
            event_type="station.registered.v1",
            recipients=["people:station_admin@$area_code", "$actor", "dept:$unused"],
            channels=["in_app", "preferred"],
            title_zh="{{ operator_name }}：{{ name }}",
            body_zh="{{ recipient.name }}，请评估 {{ code }}。",
        ),
        uow=uow(),
    )
    handlers = station_event_handlers()
    await consume(redis, keys, uow, handlers, registered("warm-0"))  # the rules are now cached

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sql_event.listen(notify_engine.sync_engine, "before_cursor_execute", count)
    try:
        spent = []
        for prefix, n in (("few", 5), ("many", 200)):
            statements.clear()
            await consume(
                redis, keys, uow, handlers, *[registered(f"{prefix}-{i}") for i in range(n)]
            )
            spent.append(len(statements))
    finally:
        sql_event.remove(notify_engine.sync_engine, "before_cursor_execute", count)
    assert spent[0] == spent[1], f"5 events cost {spent[0]} statements, 200 cost {spent[1]}"
    assert spent[1] <= 12, statements

    stations = 1 + 5 + 200
    notices = await inbox(uow, "admin-a")
    assert len(notices) == stations
    assert {n.title for n in notices if n.subject == "many-7"} == {"兴业银行：驿站many-7"}
    assert await inbox(uow, "admin-b") == []  # opted out
    assert await inbox(uow, "admin-c") == []  # another district
    assert await inbox(uow, "staff-1") == []  # nobody is told of what they did themselves
    assert len(await outbox(uow, "notification.delivered.v1")) == stations
    made = await deliveries(uow, recipient="admin-a")
    assert sorted((d.channel, d.status) for d, _ in made if d.subject == "few-3") == [
        ("in_app", "delivered"),
        ("preferred", "pending"),
    ]
    assert {d.note for d, _ in await deliveries(uow, recipient="admin-b")} == {"opted out"}


async def test_a_sandbox_departments_stations_tell_no_one(
    redis: Redis, keys: StreamKeys, uow: Uow
) -> None:
    def complaint(code: str) -> CloudEvent:
        data = {"code": code, "name": f"驿站{code}", "category": "hygiene", "text": "没有热水"}
        return event("station.complaint_received.v1", code, data)

    handlers = station_event_handlers()
    rehearsal = registered("SB-1", operator="cib-bank-test", test_data=True)
    await consume(redis, keys, uow, handlers, registered("REAL-1"), rehearsal)
    # A later event about the rehearsal station carries no flag of its own: notify's copy knows.
    await consume(redis, keys, uow, handlers, complaint("SB-1"), complaint("REAL-1"))

    told = {(n.cause_type, n.subject) for n in await inbox(uow, "role:station_admin")}
    assert told == {
        ("station.registered.v1", "REAL-1"),
        ("station.complaint_received.v1", "REAL-1"),
    }
    assert {d.subject for d, _ in await deliveries(uow)} == {"REAL-1"}
    async with uow() as unit:
        copy = await unit.stations.rows({"SB-1"})
    assert copy["SB-1"]["test_data"] is True  # kept, and never named to workers


async def test_a_rule_put_over_http_takes_effect_for_the_next_batch(
    api: httpx.AsyncClient,  # noqa: F811
    redis: Redis,
    keys: StreamKeys,
    uow: Uow,
) -> None:
    handlers = station_event_handlers()  # one cache of the rules across the batches
    await consume(redis, keys, uow, handlers, registered("S-1"))
    rule = {k: v for k, v in (await api.get("/rules/station-registered")).json().items()}
    rule.pop("id")
    changed = {**rule, "title_zh": "请评估：{{ name }}"}
    assert (await api.put("/rules/station-registered", json=changed)).status_code == 200
    await consume(redis, keys, uow, handlers, registered("S-2"))
    assert (
        await api.put("/rules/station-registered", json={**changed, "enabled": False})
    ).status_code == 200
    await consume(redis, keys, uow, handlers, registered("S-3"))

    titles = {n.subject: n.title for n in await inbox(uow, "role:station_admin")}
    assert titles == {"S-1": "新站点登记：驿站S-1", "S-2": "请评估：驿站S-2"}


async def test_a_later_event_of_a_run_cancels_the_reminders_an_earlier_one_scheduled(
    redis: Redis, keys: StreamKeys, uow: Uow, clock: ManualClock
) -> None:
    await put_rule(
        Rule(
            id="handling-reminder",
            event_type="case.due.v1",
            recipients=["dept:$unit_code"],
            channels=["preferred"],
            title_zh="即将到期：{{ proposal_id }}",
            body_zh="{{ due_at }}",
            remind_before_minutes=[120],
            due_field="due_at",
            cancel_on=["case.due.v1"],  # a new deadline replaces the reminders of the old one
        ),
        uow=uow(),
    )
    await person(uow, "dept:water", webhook("https://sink.invalid/water"), kind="department")

    def due(case: str, n: int, days: int) -> CloudEvent:
        data = {
            "proposal_id": case,
            "unit_code": "water",
            "due_at": (clock.now() + timedelta(days=days)).isoformat(),
        }
        return event("case.due.v1", case, data, event_id=f"{case}-due-{n}")

    await consume(
        redis,
        keys,
        uow,
        proposal_event_handlers(),
        due("P-1", 1, days=2),
        due("P-2", 1, days=2),
        due("P-1", 2, days=3),
        service="proposals",
    )
    statuses = {d.event_id: d.status for d, _ in await deliveries(uow, recipient="dept:water")}
    assert statuses == {"P-1-due-1": "cancelled", "P-2-due-1": "pending", "P-1-due-2": "pending"}
