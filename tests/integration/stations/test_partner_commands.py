"""Partners manage their own stations through their outboxes; anything else goes to the DLQ."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from redis.asyncio import Redis

from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import activate_station, assess_station
from gonghui.stations.domain.model import Criterion, CriterionScore
from gonghui.stations.entrypoints.consumers import department_handlers
from tests.support.builders import entry, station_data
from tests.support.streams import create_group, pending_count, read_new


def consumer(redis: Redis, keys: StreamKeys, uow, dept: str) -> GroupConsumer:  # type: ignore[no-untyped-def]
    return GroupConsumer(
        stream=keys.outbox(dept),
        group="stations",
        consumer="c1",
        service="stations",
        handlers=department_handlers(worker_id_secret="test-secret"),
        uow_factory=uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
    )


async def send(redis: Redis, keys: StreamKeys, uow, dept: str, *entries: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    c = consumer(redis, keys, uow, dept)
    await create_group(redis, c.stream, c.group)
    for fields in entries:
        await redis.xadd(c.stream, fields)
    await c.process(await read_new(redis, c.stream, c.group, c.consumer))
    assert await pending_count(redis, c.stream, c.group) == 0


def cmd(dept: str, kind: str, event_id: str, **data: object) -> dict[str, str]:
    """A command entry of type `station.<kind>.v1` (or a full type name) from `dept`."""
    type_name = kind if "." in kind else f"station.{kind}.v1"
    return entry(dept, type_name, data, event_id=event_id)


async def dead_reasons(redis: Redis, keys: StreamKeys, dept: str) -> dict[str, str]:
    letters = await DeadLetters(redis, keys).list(keys.dlq(keys.outbox(dept)))
    return {letter.original["id"]: letter.reason for letter in letters}


async def test_partner_takes_its_station_through_its_life(
    redis: Redis, keys: StreamKeys, stations_uow: Callable[[], StationsUnitOfWork]
) -> None:
    await send(
        redis,
        keys,
        stations_uow,
        "cib-bank",
        entry("cib-bank", event_id="r1"),
        cmd(
            "cib-bank",
            "update",
            "u1",
            external_ref="CIB-FZ-0001",
            open_hours="24/7",
            actor="网点主任",
        ),
    )
    async with stations_uow() as uow:
        station = await uow.stations.by_external_ref("cib-bank", "CIB-FZ-0001")
    # The union's assessor passes it and staff hang the plaque; partners cannot activate.
    scores = {c: CriterionScore(passed=True) for c in Criterion}
    await assess_station(
        station.code,
        assessor="李审",
        scores=scores,
        map_verified_on=date(2026, 11, 1),
        uow=stations_uow(),
    )
    await activate_station(station.code, actor="陈敏", reason="六有达标", uow=stations_uow())
    code = station.code
    await send(
        redis,
        keys,
        stations_uow,
        "cib-bank",
        cmd(
            "cib-bank",
            "suspend",
            "s1",
            code=code,
            reason="网点装修",
            until="2099-01-01T00:00:00+08:00",
        ),
        cmd("cib-bank", "resume", "s2", external_ref="CIB-FZ-0001", reason="装修完成"),
        cmd("cib-bank", "exit", "s3", code=code, reason="网点撤并", actor="分行办公室"),
    )
    async with stations_uow() as uow:
        after = await uow.stations.get(code)
        history = await uow.stations.transitions(code)
    assert after.open_hours == "24/7"
    assert after.status == "exited"
    assert [(t.to_status, t.actor) for t in history] == [
        ("active", "陈敏"),
        ("suspended", "dept/cib-bank"),
        ("active", "dept/cib-bank"),
        ("exited", "dept/cib-bank:分行办公室"),
    ]
    assert await dead_reasons(redis, keys, "cib-bank") == {}


async def test_partner_cannot_touch_another_partners_station(
    redis: Redis, keys: StreamKeys, stations_uow: Callable[[], StationsUnitOfWork]
) -> None:
    await send(redis, keys, stations_uow, "cib-bank", entry("cib-bank", event_id="r1"))
    async with stations_uow() as uow:
        code = (await uow.stations.by_external_ref("cib-bank", "CIB-FZ-0001")).code
    await send(
        redis,
        keys,
        stations_uow,
        "rcc-bank",
        cmd("rcc-bank", "exit", "x1", code=code, reason="抢先撤站"),
        cmd("rcc-bank", "update", "x2", code=code, name="改名驿站"),
        cmd("rcc-bank", "exit", "x3", external_ref="CIB-FZ-0001", reason="无此站"),
        cmd(
            "rcc-bank",
            "visit.record.v1",
            "x4",
            code=code,
            worker_id="w1",
            visited_at="2026-11-28T10:00:00+08:00",
        ),
    )
    reasons = await dead_reasons(redis, keys, "rcc-bank")
    assert reasons["x1"] == f"rcc-bank does not operate station {code}"
    assert reasons["x2"] == f"rcc-bank does not operate station {code}"
    assert reasons["x3"] == "no station 'CIB-FZ-0001'" or "CIB-FZ-0001" in reasons["x3"]
    assert "does not operate" in reasons["x4"]
    async with stations_uow() as uow:
        station = await uow.stations.get(code)
    assert station.status == "proposed" and station.name == "兴业银行鼓楼支行爱心驿站"


async def test_invalid_step_from_a_partner_is_dead_lettered_with_the_reason(
    redis: Redis, keys: StreamKeys, stations_uow: Callable[[], StationsUnitOfWork]
) -> None:
    await send(
        redis,
        keys,
        stations_uow,
        "cib-bank",
        entry("cib-bank", event_id="r1"),
        cmd(
            "cib-bank",
            "suspend",
            "s1",
            external_ref="CIB-FZ-0001",
            reason="装修",
            until="2099-01-01T00:00:00Z",
        ),
        cmd(
            "cib-bank",
            "suspend",
            "s2",
            external_ref="CIB-FZ-0001",
            reason="装修",
            until="2099-01-01T00:00:00",
        ),
        cmd("cib-bank", "resume", "s3", code="x", external_ref="y"),
    )
    reasons = await dead_reasons(redis, keys, "cib-bank")
    assert "only an active station can be suspended" in reasons["s1"]
    assert "timezone" in reasons["s2"]
    assert "exactly one of `code` or `external_ref`" in reasons["s3"]


async def test_resending_a_registration_updates_instead_of_duplicating(
    redis: Redis, keys: StreamKeys, stations_uow: Callable[[], StationsUnitOfWork]
) -> None:
    await send(
        redis,
        keys,
        stations_uow,
        "cib-bank",
        entry("cib-bank", event_id="r1"),
        entry("cib-bank", data=station_data(manager_name="陈静"), event_id="r2"),
    )
    async with stations_uow() as uow:
        every = await uow.stations.every()
    assert [(s.code, s.manager_name) for s in every] == [("350102-0001", "陈静")]


async def test_partner_visits_are_counted_per_day_with_unique_workers(
    redis: Redis, keys: StreamKeys, stations_uow: Callable[[], StationsUnitOfWork]
) -> None:
    await send(redis, keys, stations_uow, "cib-bank", entry("cib-bank", event_id="r1"))
    visit = "visit.record.v1"
    await send(
        redis,
        keys,
        stations_uow,
        "cib-bank",
        *[
            cmd(
                "cib-bank",
                visit,
                f"v{i}",
                external_ref="CIB-FZ-0001",
                worker_id=worker,
                visited_at=at,
            )
            for i, (worker, at) in enumerate(
                [
                    ("rider-1", "2026-11-28T08:00:00+08:00"),
                    ("rider-1", "2026-11-28T12:00:00+08:00"),
                    ("rider-2", "2026-11-28T23:30:00+08:00"),
                    ("rider-1", "2026-11-29T00:10:00+08:00"),  # next day in Shanghai
                ]
            )
        ],
    )
    async with stations_uow() as uow:
        days = await uow.visits.days("350102-0001", date(2026, 11, 1), date(2026, 12, 1))
    assert [(str(d.day), d.visits, d.unique_workers) for d in days] == [
        ("2026-11-28", 3, 2),
        ("2026-11-29", 1, 1),
    ]
