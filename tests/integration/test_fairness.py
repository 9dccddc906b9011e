"""A flood from one partner does not hold up another partner's commands."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from redis.asyncio import Redis

from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.bootstrap import MIGRATIONS, create_app
from gonghui.stations.settings import StationsSettings
from tests.support.builders import entry, station_data
from tests.support.system import eventually

FLOOD = 900
RATE = 300
BOUND_S = 3.0
"""Measured here: about one batch of the flooder (100 entries) plus a poll, under 2 s."""


async def test_a_flooding_partner_is_slowed_and_the_other_is_served_within_the_bound(
    redis: Redis, redis_url: str, keys: StreamKeys, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip(
            "SQLite has one writer at a time; fairness is measured on the production database"
        )
    settings = StationsSettings(
        redis_url=redis_url,
        stream_prefix=keys.prefix,
        database_url=database_url,
        keeper_interval_s=0.2,
        batch_size=100,
        department_rate=RATE,
        department_burst=RATE,
    )
    await upgrade(MIGRATIONS, settings.database_url)
    directory = DepartmentDirectory(redis, keys)
    await directory.add("flooder", "批量导入的合作单位")
    await directory.add("post-fz", "中国邮政福州分公司")
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(FLOOD):
            pipe.xadd(
                keys.outbox("flooder"), entry("flooder", data=station_data(external_ref=f"F{i}"))
            )
        await pipe.execute()

    app = create_app(settings)
    engine = create_engine(settings.database_url)
    uow = lambda: StationsUnitOfWork(session_factory(engine), service="stations", keys=keys)  # noqa: E731
    async with app.router.lifespan_context(app):
        started = time.monotonic()
        await asyncio.sleep(0.5)  # the flood is being applied
        sent = time.monotonic()
        await redis.xadd(
            keys.outbox("post-fz"), entry("post-fz", data=station_data(external_ref="P1"))
        )
        await eventually(
            lambda: _registered(uow, "post-fz", "P1"),
            within=30,
            every=0.02,
            failing="the other partner was never served",
        )
        latency = time.monotonic() - sent
        await eventually(
            lambda: _all_applied(redis, keys.outbox("flooder"), FLOOD), within=120, every=0.05
        )
        flood_took = time.monotonic() - started
    await engine.dispose()

    print(
        f"fairness: other partner served in {latency:.2f} s "
        f"during a flood of {FLOOD} taking {flood_took:.2f} s"
    )
    assert latency < BOUND_S, f"post-fz waited {latency:.2f} s behind the flood"
    assert flood_took >= (FLOOD - RATE) / RATE * 0.9, (
        f"the flood was not limited: {flood_took:.2f} s"
    )


async def _registered(uow, department: str, external_ref: str) -> bool:
    async with uow() as unit:
        return await unit.stations.by_external_ref(department, external_ref) is not None


async def _all_applied(redis: Redis, stream: str, count: int) -> bool:
    [group] = await redis.xinfo_groups(stream)
    return group["entries-read"] == count and group["pending"] == 0


REPLICAS = 3
SHARED_RATE = 20
SHARED_FLOOD = 200


async def test_replicas_of_a_service_apply_one_department_at_the_documented_rate_together(
    redis: Redis, redis_url: str, keys: StreamKeys, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time; replicas are measured on PostgreSQL")
    await upgrade(MIGRATIONS, database_url)
    directory = DepartmentDirectory(redis, keys)
    await directory.add("flooder", "批量导入的合作单位")
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(SHARED_FLOOD):
            pipe.xadd(
                keys.outbox("flooder"), entry("flooder", data=station_data(external_ref=f"R{i}"))
            )
        await pipe.execute()
    apps = [
        create_app(
            StationsSettings(
                redis_url=redis_url,
                stream_prefix=keys.prefix,
                database_url=database_url,
                consumer_name=f"replica-{n}",
                batch_size=20,
                department_rate=SHARED_RATE,
                department_burst=SHARED_RATE,
            )
        )
        for n in range(REPLICAS)
    ]
    async with contextlib.AsyncExitStack() as stack:
        started = time.monotonic()
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        await eventually(
            lambda: _all_applied(redis, keys.outbox("flooder"), SHARED_FLOOD),
            within=60,
            every=0.05,
            failing="the flood was never applied",
        )
        took = time.monotonic() - started

    allowed = (SHARED_FLOOD - SHARED_RATE) / SHARED_RATE
    print(
        f"{REPLICAS} replicas applied {SHARED_FLOOD} entries in {took:.2f} s (limit: {allowed} s)"
    )
    assert took >= allowed * 0.85, (
        f"{REPLICAS} replicas went past the department's rate: {took:.2f} s"
    )
    assert took <= allowed * 3, f"the replicas applied the flood too slowly: {took:.2f} s"
