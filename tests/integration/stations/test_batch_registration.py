"""A batch of partner registrations is applied together, with the outcome of one at a time."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.db import OutboxRow, ProcessedEvent
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.entrypoints.consumers import department_handlers
from tests.integration.stations.test_partner_commands import cmd, dead_reasons, send
from tests.support.builders import entry, station_data
from tests.support.streams import create_group, pending_count, read_new


async def test_a_batch_is_numbered_in_order_and_a_bad_entry_is_refused_alone(
    redis: Redis, keys: StreamKeys, stations_uow: Callable[[], StationsUnitOfWork]
) -> None:
    dept = "cib-bank"
    await send(
        redis,
        keys,
        stations_uow,
        dept,
        entry(dept, data=station_data(external_ref="A"), event_id="a1"),
        entry(dept, data=station_data(external_ref="B", area_code="999999"), event_id="b1"),
        entry(dept, data=station_data(external_ref="C"), event_id="c1"),
        entry(dept, data=station_data(external_ref="A", name="兴业鼓楼驿站"), event_id="a2"),
        cmd(dept, "update", "u1", external_ref="C", open_hours="24/7"),
        entry(dept, data=station_data(external_ref="D"), event_id="d1"),
    )

    async with stations_uow() as uow:
        codes = {
            ref: (await uow.stations.by_external_ref(dept, ref)) for ref in ("A", "B", "C", "D")
        }
        outcomes = {
            event_id: outcome
            for event_id, outcome in await uow.session.execute(
                select(ProcessedEvent.event_id, ProcessedEvent.outcome)
            )
        }
        events = [
            (row.fields["type"], row.fields.get("subject"))
            for row in await uow.session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        ]
    assert codes["B"] is None
    assert [codes[ref].code for ref in ("A", "C", "D")] == [
        "350102-0001",
        "350102-0002",
        "350102-0003",
    ]
    assert codes["A"].name == "兴业鼓楼驿站"  # the repeat updated what the first created
    assert codes["C"].open_hours == "24/7"  # the update after the registrations saw them
    assert "unknown area code 999999" in (await dead_reasons(redis, keys, dept))["b1"]
    assert outcomes["b1"] == "dead"  # a replay after the area exists is applied, not skipped
    assert outcomes["a1"] == outcomes["a2"] == outcomes["d1"] == "applied"
    assert events == [
        ("station.registered.v1", "350102-0001"),
        ("station.registered.v1", "350102-0002"),
        ("station.updated.v1", "350102-0001"),
        ("station.updated.v1", "350102-0002"),
        ("station.registered.v1", "350102-0003"),
    ]


async def test_a_batch_costs_the_same_statements_whatever_its_size(
    redis: Redis,
    keys: StreamKeys,
    stations_engine: AsyncEngine,
    stations_uow: Callable[[], StationsUnitOfWork],
) -> None:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(stations_engine.sync_engine, "before_cursor_execute", count)
    try:
        spent = []
        for dept, n in (("few", 5), ("many", 200)):
            statements.clear()
            await send(
                redis,
                keys,
                stations_uow,
                dept,
                *[entry(dept, data=station_data(external_ref=f"{dept}{i}")) for i in range(n)],
            )
            spent.append(len(statements))
    finally:
        event.remove(stations_engine.sync_engine, "before_cursor_execute", count)
    assert spent[0] == spent[1], f"5 entries cost {spent[0]} statements, 200 cost {spent[1]}"
    assert spent[1] <= 12, statements


async def test_an_overlong_transaction_makes_the_next_ones_smaller_and_nothing_is_lost(
    redis: Redis,
    keys: StreamKeys,
    stations_engine: AsyncEngine,
    stations_uow: Callable[[], StationsUnitOfWork],
) -> None:
    dept = "slow-bank"
    consumer = GroupConsumer(
        stream=keys.outbox(dept),
        group="stations",
        consumer="c1",
        service="stations",
        handlers=department_handlers(worker_id_secret="test-secret"),
        uow_factory=stations_uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
        transaction_budget_s=1e-9,  # every transaction is overlong
    )
    await create_group(redis, consumer.stream, consumer.group)
    commits: list[int] = []
    listener = lambda _conn: commits.append(1)  # noqa: E731
    event.listen(stations_engine.sync_engine, "commit", listener)
    try:
        for batch in range(2):
            for i in range(80):
                await redis.xadd(
                    consumer.stream, entry(dept, data=station_data(external_ref=f"S{batch}-{i}"))
                )
            commits.clear()
            await consumer.process(
                await read_new(redis, consumer.stream, consumer.group, consumer.consumer)
            )
            if batch == 0:
                assert len(commits) == 1, "the first batch is one transaction"
    finally:
        event.remove(stations_engine.sync_engine, "commit", listener)
    assert len(commits) > 1, "the second batch was not split after an overlong transaction"
    assert await pending_count(redis, consumer.stream, consumer.group) == 0
    async with stations_uow() as uow:
        codes = [
            (await uow.stations.by_external_ref(dept, f"S{b}-{i}")).code
            for b in range(2)
            for i in range(80)
        ]
    assert codes == [f"350102-{n:04d}" for n in range(1, 161)], "numbered in order, none lost"
