"""A waitlisted worker is told, in person, when a place someone gave up becomes theirs."""

from __future__ import annotations

from datetime import timedelta

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.notify.application.handlers import install_rules, put_recipient
from gonghui.notify.domain.defaults import DEFAULT_RULES
from gonghui.notify.domain.model import Recipient
from gonghui.shared.auth import Role
from gonghui.shared.clock import ManualClock
from gonghui.shared.streams import StreamKeys
from tests.integration.stations.conftest import notify_reads_stations_events
from tests.support.auth import bearer


async def test_a_promoted_worker_is_told_and_the_others_are_not(
    client: httpx.AsyncClient,
    clock: ManualClock,
    stations_engine: AsyncEngine,
    notify_uow,
    redis: Redis,
    keys: StreamKeys,
) -> None:
    await install_rules(DEFAULT_RULES, uow=notify_uow())
    await put_recipient(Recipient(id="w-li", name="李师傅", roles=["worker"]), uow=notify_uow())
    starts = clock.now() + timedelta(days=1)
    activity = await client.post(
        "/activities",
        json={
            "title": "冬日送温暖·骑手健康义诊",
            "place": "鼓楼区五四路驿站",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
            "capacity": 1,
            "actor": "福州市总工会",
            "area_code": "350100",
        },
    )
    aid = activity.json()["id"]
    first = await client.post(f"/activities/{aid}/signups", json={"worker_id": "rider-1"})
    assert first.json()["status"] == "confirmed"
    li = bearer(Role.WORKER, sub="w-li")
    waiting = await client.post(
        f"/activities/{aid}/signups", json={"worker_id": "rider-2"}, headers=li
    )
    assert waiting.json()["status"] == "waitlisted"
    forged = await client.post(
        f"/activities/{aid}/signups",
        json={"worker_id": "rider-3"},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert forged.status_code == 401
    gave_up = await client.post(f"/activities/{aid}/cancellations", json={"worker_id": "rider-1"})
    assert gave_up.json()["confirmed"] == 1

    await notify_reads_stations_events(stations_engine, notify_uow, redis, keys)

    async with notify_uow() as uow:
        [told] = await uow.notifications.list(recipient="w-li")
        everyone = await uow.notifications.list(limit=500)
    assert told.title == "候补成功：冬日送温暖·骑手健康义诊"
    assert told.body.startswith("李师傅，有人退出了「冬日送温暖·骑手健康义诊」")
    assert {n.recipient for n in everyone if n.cause_type.startswith("activity.")} == {"w-li"}
