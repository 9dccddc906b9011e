"""The stream runtime inside a running service: groups kept alive, departments joined live."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from gonghui.notify.bootstrap import MIGRATIONS as NOTIFY_MIGRATIONS
from gonghui.notify.bootstrap import create_app as create_notify_app
from gonghui.notify.settings import NotifySettings
from gonghui.shared.auth import Role
from gonghui.shared.contracts.stations import StationRegistered
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.migrations import upgrade
from gonghui.shared.runtime import _freeze_what_was_loaded
from gonghui.shared.streams import StreamKeys
from gonghui.stations.bootstrap import MIGRATIONS as STATIONS_MIGRATIONS
from gonghui.stations.bootstrap import create_app as create_stations_app
from gonghui.stations.settings import StationsSettings
from tests.support.auth import bearer
from tests.support.builders import entry


async def poll(
    http: httpx.AsyncClient, path: str, until, timeout: float = 15.0
) -> list[httpx.Response]:
    """GET `path` every 50 ms until `until(responses)` holds; return every response seen."""
    seen: list[httpx.Response] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(await http.get(path))
        if until(seen):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never satisfied the condition; last: {seen[-1].text}")


async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service"
        ) as http,
    ):
        yield http


@pytest.fixture(params=["single", "cluster"])
def bus_mode(request: pytest.FixtureRequest) -> str:
    """Each test on one Redis node and on a Redis Cluster."""
    return request.param


@pytest.fixture
async def notify_http(
    bus_url: str, bus_mode: str, keys: StreamKeys, tmp_path: Path, redis: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    settings = NotifySettings(
        redis_url=bus_url,
        redis_mode=bus_mode,
        stream_prefix=keys.prefix,
        database_url=f"sqlite:///{tmp_path / 'notify.db'}",
        keeper_interval_s=1.0,
    )
    await upgrade(NOTIFY_MIGRATIONS, settings.database_url)
    async for http in serving(create_notify_app(settings)):
        http.headers.update(bearer(Role.UNION_ADMIN, sub="admin-1"))
        yield http


@pytest.fixture
async def stations_http(
    bus_url: str, bus_mode: str, keys: StreamKeys, tmp_path: Path, redis: Redis
) -> AsyncIterator[httpx.AsyncClient]:
    settings = StationsSettings(
        redis_url=bus_url,
        redis_mode=bus_mode,
        stream_prefix=keys.prefix,
        database_url=f"sqlite:///{tmp_path / 'stations.db'}",
        keeper_interval_s=0.2,
    )
    await upgrade(STATIONS_MIGRATIONS, settings.database_url)
    async for http in serving(create_stations_app(settings)):
        yield http


def registered(code: str) -> dict[str, str]:
    event = StationRegistered(
        code=code,
        external_ref="X1",
        operator="cib-bank",
        name="测试驿站",
        address="福州市鼓楼区五四路1号",
        lat=26.08,
        lon=119.30,
        services=["rest"],
        open_hours="24/7",
        status="proposed",
        registered_at="2026-11-29T08:00:00Z",
    )
    return CloudEvent.create(
        source="gonghui/stations", type=event.type_name, data=event, subject=code
    ).to_fields()


async def test_lost_group_turns_readyz_red_until_it_is_recreated(
    notify_http: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    assert (await notify_http.get("/readyz")).status_code == 200
    await redis.xgroup_destroy(keys.events("stations"), "notify")
    await redis.xadd(keys.events("stations"), registered("GH-000001"))

    seen = await poll(
        notify_http,
        "/readyz",
        lambda rs: 503 in [r.status_code for r in rs] and rs[-1].status_code == 200,
    )
    red = next(r for r in seen if r.status_code == 503).json()
    assert red["subscribers"]["stopped"] == [keys.events("stations")]

    # The group came back from 0, so the entry written while it was gone is not lost.
    inbox = await poll(notify_http, "/notifications", lambda rs: len(rs[-1].json()["items"]) == 1)
    assert inbox[-1].json()["items"][0]["subject"] == "GH-000001"


async def test_department_joins_and_leaves_a_running_service(
    stations_http: httpx.AsyncClient, redis: Redis, keys: StreamKeys
) -> None:
    directory = DepartmentDirectory(redis, keys)
    assert (await stations_http.get("/readyz")).json()["subscribers"]["subscribers"] == 0

    await directory.add("post-fz", "中国邮政福州分公司")
    await poll(
        stations_http, "/readyz", lambda rs: rs[-1].json()["subscribers"]["subscribers"] == 1
    )
    await redis.xadd(keys.outbox("post-fz"), entry("post-fz"))
    seen = await poll(stations_http, "/stations/350102-0001", lambda rs: rs[-1].status_code == 200)
    assert seen[-1].json()["operator"] == "post-fz"

    await directory.revoke("post-fz")
    await poll(
        stations_http, "/readyz", lambda rs: rs[-1].json()["subscribers"]["subscribers"] == 0
    )
    assert (await stations_http.get("/readyz")).status_code == 200


async def test_asyncapi_documents_the_contracts_for_partners(
    stations_http: httpx.AsyncClient,
) -> None:
    spec = (await stations_http.get("/asyncapi")).json()
    assert spec["asyncapi"] == "3.0.0"
    schemas = spec["components"]["schemas"]
    assert schemas["RegisterStation"]["properties"]["open_hours"]["description"].startswith(
        "Opening hours"
    )
    published = [c["address"] for c in spec["channels"].values()]
    assert any(address.endswith("stations.events") for address in published)


@pytest.fixture
def thawed() -> None:
    """Nothing frozen yet, as in a process that has just loaded its service."""
    gc.unfreeze()
    _freeze_what_was_loaded.cache_clear()


async def test_what_a_service_loaded_to_start_is_left_out_of_garbage_collection(
    thawed: None, stations_http: httpx.AsyncClient
) -> None:
    # Full collections walking every library object again were a third of a consumer's CPU.
    assert gc.get_freeze_count() > 10_000
    assert (await stations_http.get("/readyz")).status_code == 200
