"""The stations app over ASGI on a migrated database of each backend, with a clock we move."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.notify.entrypoints.consumers import station_event_handlers
from gonghui.shared.auth import Role
from gonghui.shared.clock import ManualClock
from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.db import OutboxRow, create_engine, session_factory
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.outbox import OutboxRelay
from gonghui.shared.streams import StreamKeys
from gonghui.stations.bootstrap import create_app
from gonghui.stations.settings import StationsSettings
from tests.support.auth import bearer
from tests.support.builders import station_data
from tests.support.streams import create_group, read_new

STAFF = "省总工会-陈敏"
SIX_PASS = {
    c: {"passed": True, "note": "现场核查通过"}
    for c in ("sign", "layout", "facilities", "services", "rules", "map_info")
}


@pytest.fixture
def clock() -> ManualClock:
    """Saturday 2026-11-28 10:00 in Shanghai."""
    return ManualClock(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))


@pytest.fixture
async def client(
    stations_engine: AsyncEngine, database_url: str, redis_url: str, prefix: str, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP into the app as province-wide union staff (no lifespan: no stream runtime needed)."""
    settings = StationsSettings(
        database_url=database_url,
        redis_url=redis_url,
        stream_prefix=prefix,
        worker_id_secret="test-secret",
    )
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://stations", headers=bearer(Role.UNION_ADMIN, sub=STAFF)
    ) as http:
        yield http
    await app.state.engine.dispose()


async def register(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """Register a station as union staff; fail loudly if refused."""
    body = {**station_data(), "actor": STAFF, **overrides}
    response = await client.post("/stations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def activate(client: httpx.AsyncClient, code: str) -> None:
    """Pass the six-point gate and hang the plaque."""
    assessed = await client.post(
        f"/stations/{code}/assessments",
        json={"assessor": "市总工会-李审", "criteria": SIX_PASS, "map_verified_on": "2026-11-20"},
    )
    assert assessed.status_code == 201, assessed.text
    response = await client.post(
        f"/stations/{code}/activate", json={"actor": STAFF, "reason": "六有达标"}
    )
    assert response.status_code == 200, response.text


async def emitted(engine: AsyncEngine) -> list[tuple[str, str]]:
    """(type, subject) of every event written to the outbox, in order."""
    async with session_factory(engine)() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        return [(r.fields["type"], r.fields.get("subject", "")) for r in rows]


@pytest.fixture
def engine_for(database_url: str):  # type: ignore[no-untyped-def]
    """A second engine on the same database: another replica."""
    return lambda: create_engine(database_url)


async def notify_reads_stations_events(
    stations_engine: AsyncEngine, notify_uow: Any, redis: Redis, keys: StreamKeys
) -> None:
    """Relay what stations emitted and let notify's consumer apply all of it."""
    relay = OutboxRelay(session_factory(stations_engine), redis, service="stations", keys=keys)
    while await relay.relay_once():
        pass
    stream = keys.events("stations")
    await create_group(redis, stream, "notify")
    consumer = GroupConsumer(
        stream=stream,
        group="notify",
        consumer="c1",
        service="notify",
        handlers=station_event_handlers(),
        uow_factory=notify_uow,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
    )
    while batch := await read_new(redis, stream, "notify", "c1"):
        await consumer.process(batch)
