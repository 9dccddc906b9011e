"""Consuming department outboxes: validate, dedupe, persist, dead-letter, reclaim."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from gonghui.shared.consumer import GroupConsumer, Handlers, Incoming
from gonghui.shared.contracts.stations import RegisterStation
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.errors import ChangedMeanwhile, Conflict, NotFound
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.orm import StationRow
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import register_station
from gonghui.stations.entrypoints.consumers import department_handlers
from tests.support.builders import entry, station_data
from tests.support.streams import create_group, pending_count, read_new

DEPT = "cib-bank"


@pytest.fixture(params=["single", "cluster"])
def bus_mode(request: pytest.FixtureRequest) -> str:
    """Each test on one Redis node and on a Redis Cluster."""
    return request.param


def consumer_for(
    redis: Redis,
    keys: StreamKeys,
    uow: Callable[[], StationsUnitOfWork],
    *,
    handlers: Handlers | None = None,
    name: str = "c1",
    max_deliveries: int = 5,
) -> GroupConsumer:
    return GroupConsumer(
        stream=keys.outbox(DEPT),
        group="stations",
        consumer=name,
        service="stations",
        handlers=handlers or department_handlers(worker_id_secret="test-secret"),
        uow_factory=uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
        max_deliveries=max_deliveries,
    )


async def station_count(uow: Callable[[], StationsUnitOfWork]) -> int:
    async with uow() as unit:
        return await unit.session.scalar(select(func.count()).select_from(StationRow))


async def deliver(redis: Redis, consumer: GroupConsumer, *entries: dict[str, str]) -> None:
    await create_group(redis, consumer.stream, consumer.group)
    for fields in entries:
        await redis.xadd(consumer.stream, fields)
    await consumer.process(
        await read_new(redis, consumer.stream, consumer.group, consumer.consumer)
    )


async def test_registration_is_stored_and_announced(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    consumer = consumer_for(redis, keys, stations_uow)
    await deliver(redis, consumer, entry(DEPT))
    async with stations_uow() as uow:
        station = await uow.stations.by_external_ref(DEPT, "CIB-FZ-0001")
    assert station is not None and station.code == "350102-0001"
    assert station.operator == DEPT
    assert await pending_count(redis, consumer.stream, "stations") == 0


async def test_duplicate_entry_changes_nothing(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    consumer = consumer_for(redis, keys, stations_uow)
    first = entry(DEPT, event_id="evt-1")
    await deliver(redis, consumer, first, first)
    await deliver(redis, consumer, first)
    assert await station_count(stations_uow) == 1
    assert await DeadLetters(redis, keys).list() == []
    assert await pending_count(redis, consumer.stream, "stations") == 0


async def test_a_batch_holding_an_entry_applied_before_applies_the_others_once(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    applied: list[str] = []
    handlers = Handlers()

    @handlers.on(RegisterStation)
    async def count(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        applied.append(msg.envelope.id)

    consumer = consumer_for(redis, keys, stations_uow, handlers=handlers)
    first, second, third = (entry(DEPT, event_id=f"evt-{n}") for n in (1, 2, 3))
    await deliver(redis, consumer, first)
    await deliver(redis, consumer, second, first, third)
    await deliver(redis, consumer, third, second)
    assert applied == ["evt-1", "evt-2", "evt-3"]
    assert await DeadLetters(redis, keys).list() == []
    assert await pending_count(redis, consumer.stream, "stations") == 0


async def test_an_id_reused_for_different_content_is_refused_with_its_own_reason(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    consumer = consumer_for(redis, keys, stations_uow)
    first = entry(DEPT, event_id="evt-1")
    renamed = entry(DEPT, data=station_data(name="改了名字的驿站"), event_id="evt-1")
    await deliver(redis, consumer, first, renamed)
    await deliver(redis, consumer, renamed)
    await deliver(redis, consumer, first)
    async with stations_uow() as uow:
        station = await uow.stations.by_external_ref(DEPT, "CIB-FZ-0001")
    assert station.name == "兴业银行鼓楼支行爱心驿站"
    reasons = [letter.reason for letter in await DeadLetters(redis, keys).list()]
    assert len(reasons) == 2
    assert "'evt-1' of dept/cib-bank was already used for different content" in reasons[0]
    assert "in the same batch" in reasons[0] and "applied earlier" in reasons[1]
    assert await pending_count(redis, consumer.stream, "stations") == 0


async def test_a_dead_letter_keeps_its_id_and_its_replay_is_judged_on_its_own_content(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    consumer = consumer_for(redis, keys, stations_uow)
    letters = DeadLetters(redis, keys)
    dlq = keys.dlq(keys.outbox(DEPT))
    update = entry(
        DEPT,
        "station.update.v1",
        data={"external_ref": "CIB-FZ-0001", "name": "新名字驿站"},
        event_id="evt-7",
    )
    await deliver(redis, consumer, update)
    [early] = await letters.list(dlq)
    assert "CIB-FZ-0001" in early.reason

    await deliver(redis, consumer, entry(DEPT, event_id="evt-7"))
    [_, reused] = await letters.list(dlq)
    assert "'evt-7' of dept/cib-bank was already used" in reused.reason
    assert "dead-lettered earlier" in reused.reason
    assert await station_count(stations_uow) == 0

    await deliver(redis, consumer, entry(DEPT, event_id="evt-8"))
    await letters.replay(dlq, early.id)
    await consumer.process(await read_new(redis, consumer.stream, "stations", "c1"))
    async with stations_uow() as uow:
        station = await uow.stations.by_external_ref(DEPT, "CIB-FZ-0001")
    assert station.name == "新名字驿站"
    assert [letter.id for letter in await letters.list(dlq)] == [reused.id]


async def test_a_malformed_entry_is_dead_lettered_alone_at_once_and_its_neighbours_apply(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    malformed = {
        "nested too deep": entry(DEPT, data=f'{{"external_ref": "X", "n": {deep}}}'),
        "NUL in data": entry(DEPT, data=station_data(external_ref="N\u0000UL")),
        "unpaired surrogate": entry(DEPT, data=json.dumps(station_data(external_ref="S\ud800"))),
        "empty specversion": entry(DEPT, specversion=""),
        "badly named attribute": entry(DEPT, Bad_Attr="1"),
        "control character": entry(DEPT, subject="CIB\x00"),
        "id too long": entry(DEPT, event_id="x" * 500),
    }
    consumer = consumer_for(redis, keys, stations_uow)
    good = [entry(DEPT, data=station_data(external_ref=f"G{i}")) for i in range(3)]
    await deliver(redis, consumer, good[0], *malformed.values(), good[1], good[2])

    letters = await DeadLetters(redis, keys).list()
    assert len(letters) == len(malformed)
    assert all(letter.deliveries == 1 for letter in letters)
    reasons = dict(zip(malformed, [letter.reason for letter in letters], strict=True))
    assert "nested deeper than 32 levels" in reasons["nested too deep"]
    assert "NUL" in reasons["NUL in data"]
    assert "unpaired surrogate" in reasons["unpaired surrogate"]
    assert "missing CloudEvents attribute(s): specversion" in reasons["empty specversion"]
    assert "'Bad_Attr' break the CloudEvents naming rule" in reasons["badly named attribute"]
    assert "control characters" in reasons["control character"]
    assert "id" in reasons["id too long"]
    assert await station_count(stations_uow) == 3
    assert await pending_count(redis, consumer.stream, "stations") == 0


async def test_an_untyped_consumer_is_never_handed_text_that_is_not_unicode(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    """An unpaired surrogate cannot be stored or sent on: its event is buried at once, with why."""
    handed: list[dict[str, object]] = []
    handlers = Handlers()

    @handlers.otherwise
    async def keep(msg: Incoming[dict[str, object]], uow: StationsUnitOfWork) -> None:
        handed.append(msg.data)

    consumer = GroupConsumer(
        stream=keys.events("proposals"),
        group="notify",
        consumer="c1",
        service="notify",
        handlers=handlers,
        uow_factory=stations_uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
    )
    alone, paired = '{"note": "\\ud800 alone"}', '{"note": "\\ud83d\\ude00 paired"}'
    await deliver(
        redis,
        consumer,
        entry(DEPT, "proposal.noted.v1", data=alone, source="gonghui/proposals"),
        entry(DEPT, "proposal.noted.v1", data=paired, source="gonghui/proposals"),
    )
    assert handed == [{"note": "\U0001f600 paired"}]
    [letter] = await DeadLetters(redis, keys).list()
    assert letter.deliveries == 1
    assert "unpaired surrogate" in letter.reason


async def test_whichever_replica_gives_up_states_the_last_error(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    handlers = Handlers()

    @handlers.on(RegisterStation)
    async def failing(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        raise RuntimeError("the registry's disk is full")

    first = consumer_for(redis, keys, stations_uow, handlers=handlers, max_deliveries=1)
    await deliver(redis, first, entry(DEPT))
    other = consumer_for(redis, keys, stations_uow, handlers=handlers, name="c2", max_deliveries=1)
    await other.reclaim(min_idle_ms=0)
    [letter] = await DeadLetters(redis, keys).list()
    assert "gave up after 2 deliveries" in letter.reason
    assert "RuntimeError: the registry's disk is full" in letter.reason
    assert (
        await redis.exists(f"{consumer_for(redis, keys, stations_uow).stream}.errors.stations") == 0
    )


async def test_bad_entries_are_dead_lettered_with_a_reason_and_neighbours_still_apply(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    consumer = consumer_for(redis, keys, stations_uow)
    missing_field = station_data(external_ref="B")
    del missing_field["manager_phone"]
    await deliver(
        redis,
        consumer,
        entry(DEPT, data=station_data(external_ref="A")),
        entry(DEPT, data="{not json"),
        entry(DEPT, "station.teleport.v1", data={}),
        entry(DEPT, data=missing_field),
        entry(DEPT, data=station_data(external_ref="C"), source="dept/police"),
        {"type": "station.register.v1", "data": "{}"},
        entry(DEPT, data=station_data(external_ref="D", manager_phone="12345")),
        entry(DEPT, data=station_data(external_ref="E")),
    )
    letters = await DeadLetters(redis, keys).list(keys.dlq(keys.outbox(DEPT)))
    reasons = [letter.reason for letter in letters]
    assert len(reasons) == 6
    assert "data is not JSON" in reasons[0]
    assert "unknown type 'station.teleport.v1'" in reasons[1]
    assert "manager_phone: Field required" in reasons[2]
    assert "source 'dept/police' does not match" in reasons[3]
    assert "missing CloudEvents attribute(s): specversion, id, source" in reasons[4]
    assert "manager_phone" in reasons[5] and "mainland" in reasons[5]
    assert all(letter.group == "stations" and letter.deliveries == 1 for letter in letters)
    assert letters[0].original["data"] == "{not json"
    assert await station_count(stations_uow) == 2
    assert await pending_count(redis, consumer.stream, "stations") == 0


async def test_other_services_commands_are_left_to_them(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    consumer = consumer_for(redis, keys, stations_uow)
    await deliver(redis, consumer, entry(DEPT, "notification.delivered.v1", data={}))
    assert await DeadLetters(redis, keys).list() == []
    assert await pending_count(redis, consumer.stream, "stations") == 0


async def test_poison_entry_goes_to_dlq_after_max_deliveries_and_others_are_unaffected(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    handlers = Handlers()

    @handlers.on(RegisterStation)
    async def fragile(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        if msg.data.external_ref == "POISON":
            raise RuntimeError("the handler trips over this one every time")
        await register_station(msg.data, operator=msg.department, uow=uow)

    consumer = consumer_for(redis, keys, stations_uow, handlers=handlers, max_deliveries=3)
    await deliver(
        redis,
        consumer,
        entry(DEPT, data=station_data(external_ref="A")),
        entry(DEPT, data=station_data(external_ref="POISON")),
        entry(DEPT, data=station_data(external_ref="B")),
    )
    assert await station_count(stations_uow) == 2
    assert await pending_count(redis, consumer.stream, "stations") == 1

    for _ in range(3):
        await consumer.reclaim(min_idle_ms=0)

    letters = await DeadLetters(redis, keys).list()
    assert len(letters) == 1
    assert letters[0].deliveries == 4
    assert "gave up after 4 deliveries" in letters[0].reason
    assert "the handler trips over this one every time" in letters[0].reason
    assert await pending_count(redis, consumer.stream, "stations") == 0
    assert await station_count(stations_uow) == 2


async def test_reclaim_retries_an_entry_whose_first_attempt_failed(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    attempts = []
    handlers = Handlers()

    @handlers.on(RegisterStation)
    async def flaky(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        attempts.append(msg.envelope.id)
        if len(attempts) == 1:
            raise ConnectionError("database briefly away")
        await register_station(msg.data, operator=msg.department, uow=uow)

    consumer = consumer_for(redis, keys, stations_uow, handlers=handlers)
    await deliver(redis, consumer, entry(DEPT))
    assert await station_count(stations_uow) == 0
    await consumer_for(redis, keys, stations_uow, handlers=handlers, name="c2").reclaim(
        min_idle_ms=0
    )
    assert await station_count(stations_uow) == 1
    assert await pending_count(redis, consumer.stream, "stations") == 0


@pytest.mark.parametrize("count", [250])
async def test_a_large_batch_applies_in_one_pass(
    redis: Redis, keys: StreamKeys, stations_uow, count: int
) -> None:
    consumer = consumer_for(redis, keys, stations_uow)
    await create_group(redis, consumer.stream, "stations")
    for i in range(count):
        await redis.xadd(consumer.stream, entry(DEPT, data=station_data(external_ref=f"R{i}")))
    await consumer.process(await read_new(redis, consumer.stream, "stations", "c1", count=count))
    assert await station_count(stations_uow) == count


async def test_shared_refusals_are_dead_lettered_and_a_race_is_retried(
    redis: Redis, keys: StreamKeys, stations_uow
) -> None:
    handlers = Handlers()

    @handlers.on(RegisterStation)
    async def refusing(msg: Incoming[RegisterStation], uow: StationsUnitOfWork) -> None:
        refusal = {
            "C": Conflict("站点已退出 (station has exited)"),
            "N": NotFound("no station 'X'"),
        }
        if msg.data.external_ref in refusal:
            raise refusal[msg.data.external_ref]
        raise ChangedMeanwhile("changed meanwhile; retry")

    consumer = consumer_for(redis, keys, stations_uow, handlers=handlers)
    await deliver(
        redis,
        consumer,
        entry(DEPT, data=station_data(external_ref="C")),
        entry(DEPT, data=station_data(external_ref="N")),
        entry(DEPT, data=station_data(external_ref="R")),
    )
    reasons = [letter.reason for letter in await DeadLetters(redis, keys).list()]
    assert reasons == ["站点已退出 (station has exited)", "no station 'X'"]
    assert await pending_count(redis, consumer.stream, "stations") == 1
