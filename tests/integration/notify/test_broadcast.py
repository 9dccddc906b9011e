"""A permitted department's broadcast reaches every person in the audience exactly once."""

from __future__ import annotations

import random
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy import insert

from gonghui.notify.adapters.orm import BroadcastRow, RecipientRoleRow, RecipientRow
from gonghui.notify.adapters.repositories import recipient_row
from gonghui.notify.application.broadcast import BroadcastWorker
from gonghui.notify.application.handlers import record_station
from gonghui.notify.application.policy import DeliveryPolicy
from gonghui.notify.domain.geo import NearestIndex, Place, distance_m
from gonghui.notify.domain.model import Recipient
from gonghui.notify.entrypoints.consumers import department_handlers
from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.streams import StreamKeys
from tests.integration.notify.conftest import Uow, drain, inbox, person, webhook
from tests.support.builders import entry
from tests.support.sinks import http_sink
from tests.support.streams import create_group, read_new

STATIONS = [
    ("FZ-1", "五四路驿站", 26.0878, 119.3034, "Mo-Su 08:00-20:00", "active"),
    ("FZ-2", "东街口驿站", 26.0860, 119.2960, "Mo-Su 00:00-24:00", "active"),
    ("FZ-3", "台江驿站", 26.0590, 119.3100, "Mo-Su 07:00-22:00", "active"),
    ("FZ-4", "停用的驿站", 26.0870, 119.3030, "Mo-Su 00:00-24:00", "suspended"),
    ("FZ-5", "夜间驿站", 26.0875, 119.3032, "Mo-Su 20:00-23:00", "active"),
]
OPEN = [s for s in STATIONS if s[0] in ("FZ-1", "FZ-2", "FZ-3")]
HEAT = {
    "broadcast_id": "heat-2026-07-15",
    "title_zh": "高温预警",
    "body_zh": "{{ recipient.name }}，今日高温，最近的开放驿站："
    "{{ nearest_station.name }}（约 {{ nearest_station.distance_m }} 米）。",
    "audience": {"role": "worker", "area_code": "3501", "within_m": 5000},
    "priority": "urgent",
}


async def workers(uow: Uow) -> dict[str, tuple[float, float]]:
    """150 workers around Fuzhou (some far out), plus people outside the audience."""
    rng = random.Random(3)
    people, near = [], {}
    for n in range(150):
        lat, lon = 26.07 + rng.uniform(-0.04, 0.04), 119.30 + rng.uniform(-0.04, 0.04)
        if n % 10 == 0:
            lat += 0.3  # ~33 km north: no open station within 5 km
        people.append(
            Recipient(
                id=f"w{n:04d}",
                name=f"工友{n}",
                roles=["worker"],
                area_code="350102",
                lat=lat,
                lon=lon,
            )
        )
        if min(distance_m(lat, lon, s[2], s[3]) for s in OPEN) <= 5000:
            near[f"w{n:04d}"] = (lat, lon)
    people += [
        Recipient(
            id=f"hz{n}",
            name="杭州工友",
            roles=["worker"],
            area_code="330106",
            lat=26.08,
            lon=119.30,
        )
        for n in range(20)
    ]
    people.append(
        Recipient(
            id="staff-1",
            name="工会干部",
            roles=["union_staff"],
            area_code="3501",
            lat=26.08,
            lon=119.30,
        )
    )
    async with uow() as unit:
        now = unit.clock.now()
        await unit.session.execute(insert(RecipientRow), [recipient_row(p, at=now) for p in people])
        await unit.session.execute(
            insert(RecipientRoleRow),
            [{"role": r, "recipient_id": p.id} for p in people for r in p.roles],
        )
        await unit.commit()
    for code, name, lat, lon, hours, status in STATIONS:
        data = {
            "code": code,
            "name": name,
            "address": "福州",
            "lat": lat,
            "lon": lon,
            "open_hours": hours,
        }
        await record_station(
            "station.registered.v1",
            {**data, "services": ["cooling"], "status": status},
            uow=uow(),
        )
    # A sandbox's rehearsal station amid the workers, always open: never named to them.
    sandbox = {"code": "SB-1", "name": "演练驿站", "address": "福州", "lat": 26.07, "lon": 119.30}
    await record_station(
        "station.registered.v1",
        {**sandbox, "open_hours": "24/7", "services": [], "status": "active", "test_data": True},
        uow=uow(),
    )
    return near


def nearest_open(lat: float, lon: float) -> str:
    return min(OPEN, key=lambda s: distance_m(lat, lon, s[2], s[3]))[1]


async def send(redis: Redis, keys: StreamKeys, uow: Uow, department: str, data: dict) -> None:
    stream = keys.outbox(department)
    await create_group(redis, stream, "notify")
    await redis.xadd(stream, entry(department, "notify.broadcast.v1", data))
    consumer = GroupConsumer(
        stream=stream,
        group="notify",
        consumer="c1",
        service="notify",
        handlers=department_handlers(broadcasters=frozenset({"weather"})),
        uow_factory=uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
    )
    await consumer.process(await read_new(redis, stream, "notify", "c1"))


async def test_heat_alert_reaches_every_worker_once_naming_their_nearest_open_station(
    uow: Uow, redis: Redis, keys: StreamKeys, clock
) -> None:
    near = await workers(uow)
    assert 100 < len(near) < 140
    await send(redis, keys, uow, "weather", HEAT)
    await send(redis, keys, uow, "weather", HEAT)  # the department sent it twice

    small_pages = DeliveryPolicy(broadcast_page=40, lease_s=30)
    first = BroadcastWorker(uow, policy=small_pages)
    # A replica takes the broadcast, does one page, then dies; its lease runs out.
    token, row = await first._claim()
    await first._page(row.id, token, row.spec, _cause(row), _index(), after=None)
    clock.advance(timedelta(seconds=31))
    second = BroadcastWorker(uow, policy=small_pages)
    await second.run_once()
    assert await first._page(row.id, token, row.spec, _cause(row), _index(), after=None) is None

    async with uow() as unit:
        got = await unit.notifications.list(limit=1000)
        progress = await unit.broadcasts.get("weather:heat-2026-07-15")
    assert sorted(n.recipient for n in got) == sorted(near)  # each exactly once, nobody else
    for n in got:
        assert nearest_open(*near[n.recipient]) in n.body, n.body
        assert n.body.startswith(f"工友{int(n.recipient[1:])}，今日高温")
    assert progress.status == "done" and progress.sent == len(near)


async def test_department_without_permission_cannot_broadcast(
    uow: Uow, redis: Redis, keys: StreamKeys
) -> None:
    await send(redis, keys, uow, "cib-bank", HEAT)
    [letter] = await DeadLetters(redis, keys).list(keys.dlq(keys.outbox("cib-bank")))
    assert letter.reason == "department 'cib-bank' is not permitted to broadcast"
    async with uow() as unit:
        assert await unit.broadcasts.get("cib-bank:heat-2026-07-15") is None


def _cause(row: BroadcastRow) -> CloudEvent:
    return CloudEvent(
        id=row.event_id,
        source=row.event_source,
        type="notify.broadcast.v1",
        data={},
        subject=row.id,
    )


def _index() -> NearestIndex:
    return NearestIndex([Place(s[0], s[1], "福州", s[2], s[3]) for s in OPEN])


async def test_broadcast_on_personal_channels_goes_through_the_dispatcher(
    uow: Uow, redis: Redis, keys: StreamKeys, dispatcher
) -> None:
    async with http_sink() as sink:
        await person(uow, "w1", webhook(sink.url("/w1")), roles=["worker"], area_code="350102")
        await person(uow, "w2", roles=["worker"], area_code="350102")  # inbox only
        alert = {**HEAT, "audience": {"role": "worker"}, "channels": ["in_app", "webhook"]}
        alert["body_zh"] = "{{ recipient.name }}：注意防暑。"
        await send(redis, keys, uow, "weather", alert)
        await BroadcastWorker(uow, policy=DeliveryPolicy()).run_once()
        await drain(dispatcher)

    assert [r.json()["data"]["body"] for r in sink.received] == ["w1：注意防暑。"]
    assert [len(await inbox(uow, w)) for w in ("w1", "w2")] == [1, 1]
