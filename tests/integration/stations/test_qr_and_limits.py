"""A visit proves presence with the station's rotating QR code; public writes are rate-limited
per client and per worker, and the limit holds across replicas (it lives in Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.shared.auth import Role
from gonghui.shared.clock import ManualClock
from gonghui.stations.bootstrap import create_app
from gonghui.stations.settings import StationsSettings
from tests.integration.stations.conftest import activate, register
from tests.support.auth import bearer


async def test_the_qr_code_rotates_and_a_visit_needs_the_current_one(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    code = (await register(client))["code"]
    other = (await register(client, external_ref="Q-2", address="福州市鼓楼区东街1号"))["code"]
    await activate(client, code)
    shown = (await client.get(f"/stations/{code}/qr")).json()
    assert shown["url"] == f"http://127.0.0.1:8000/s/{code}?t={shown['token']}"
    assert shown["valid_until"].endswith("+08:00") and shown["rotation_s"] == 600

    async def visit(token: str, worker: str = "rider-1", station: str = code) -> httpx.Response:
        return await client.post(
            f"/stations/{station}/visits", json={"worker_id": worker, "token": token}
        )

    assert (await visit(shown["token"])).status_code == 201
    missing = await client.post(f"/stations/{code}/visits", json={"worker_id": "rider-1"})
    assert missing.status_code == 422
    forged = await visit(shown["token"][:-2] + "xx")
    assert forged.status_code == 403 and "二维码无效" in forged.json()["detail"]
    elsewhere = await visit(shown["token"], station=other)
    assert elsewhere.status_code == 403 and "not this station's" in elsewhere.json()["detail"]

    clock.advance(timedelta(seconds=600))  # the code rotated; the old one has its grace period
    assert (await client.get(f"/stations/{code}/qr")).json()["token"] != shown["token"]
    assert (await visit(shown["token"], "rider-2")).status_code == 201
    clock.advance(timedelta(seconds=121))
    expired = await visit(shown["token"], "rider-3")
    assert expired.status_code == 403 and "已过期" in expired.json()["detail"]
    days = (await client.get(f"/stations/{code}/visits")).json()
    assert days[0]["visits"] == 2


@pytest.fixture
async def replica(
    stations_engine: AsyncEngine, database_url: str, redis_url: str, prefix: str, clock: ManualClock
) -> AsyncIterator[Callable[..., Any]]:
    """A stations app with small limits; several share one Redis and one database."""
    apps: list[Any] = []

    def make(**limits: int) -> Any:
        settings = StationsSettings(
            database_url=database_url,
            redis_url=redis_url,
            stream_prefix=prefix,
            worker_id_secret="test-secret",
            **limits,
        )
        apps.append(create_app(settings, clock=clock))
        return apps[-1]

    yield make
    for app in apps:
        await app.state.engine.dispose()


@pytest.fixture
async def http_to() -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Clients into an app from a given client address."""
    opened: list[httpx.AsyncClient] = []

    def open_(app: Any, address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        client = httpx.AsyncClient(
            transport=transport, base_url="http://stations", headers=bearer(Role.UNION_ADMIN)
        )
        opened.append(client)
        return client

    yield open_
    for client in opened:
        await client.aclose()


async def test_public_writes_are_limited_per_client_across_replicas(
    client: httpx.AsyncClient, replica, http_to, clock: ManualClock
) -> None:
    code = (await register(client))["code"]
    await activate(client, code)
    token = (await client.get(f"/stations/{code}/qr")).json()["token"]
    one, two = replica(public_client_limit=3), replica(public_client_limit=3)
    a, b = http_to(one, "203.0.113.7"), http_to(two, "203.0.113.7")
    answers = []
    for i, http in enumerate([a, b, a, b]):
        answers.append(
            await http.post(f"/stations/{code}/visits", json={"worker_id": f"w{i}", "token": token})
        )
    assert [r.status_code for r in answers] == [201, 201, 201, 429]
    refused = answers[-1]
    assert "请求过于频繁" in refused.json()["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    elsewhere = http_to(one, "198.51.100.9")
    assert (
        await elsewhere.post(f"/stations/{code}/visits", json={"worker_id": "w9", "token": token})
    ).status_code == 201
    clock.advance(timedelta(seconds=int(refused.headers["Retry-After"])))
    token = (await client.get(f"/stations/{code}/qr")).json()["token"]
    assert (
        await a.post(f"/stations/{code}/visits", json={"worker_id": "w5", "token": token})
    ).status_code == 201


async def test_one_worker_id_cannot_be_signed_up_from_many_clients(
    client: httpx.AsyncClient, replica, http_to, clock: ManualClock
) -> None:
    starts = clock.now() + timedelta(days=1)
    activity = await client.post(
        "/activities",
        json={
            "title": "冬日送温暖",
            "place": "驿站门口",
            "area_code": "350100",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "capacity": 50,
        },
    )
    aid = activity.json()["id"]
    app = replica(public_worker_limit=2)
    statuses = []
    for i in range(4):
        http = http_to(app, f"192.0.2.{i + 1}")
        answer = await http.post(f"/activities/{aid}/signups", json={"worker_id": "rider-7"})
        statuses.append(answer.status_code)
    assert statuses == [200, 200, 429, 429]
    assert "该工号" in answer.json()["detail"]
