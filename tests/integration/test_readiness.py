"""`/readyz` turns green within seconds once Redis is back, and stays green."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gonghui.cli import embedded_redis
from gonghui.shared.connections import redis_client
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys
from gonghui.stations.bootstrap import MIGRATIONS, create_app
from gonghui.stations.settings import StationsSettings
from tests.support.system import eventually

DEPARTMENTS = ("cib-bank", "post-fz", "city-fz", "power-fz")
BACK_WITHIN_S = 5.0
WATCH_S = 15.0


class OwnRedis:
    """A redis-server of this test's own, stopped and started again on the same port and data."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = embedded_redis.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.data),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_readiness_is_back_within_seconds_of_redis_and_stays(
    own_redis: OwnRedis, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'stations.sqlite'}"
    await upgrade(MIGRATIONS, database_url)
    await _wait_for_redis(own_redis.url)
    admin = redis_client(own_redis.url)
    for code in DEPARTMENTS:
        await DepartmentDirectory(admin, StreamKeys()).add(code, f"合作单位 {code}")
    await admin.aclose()
    settings = StationsSettings(
        database_url=database_url, redis_url=own_redis.url, keeper_interval_s=0.5
    )
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as http,
    ):
        await _until(http, 200, within=10)
        own_redis.stop()
        await _until(http, 503, within=10)
        own_redis.start()
        back = time.monotonic()
        await _until(http, 200, within=BACK_WITHIN_S + 5)
        took = time.monotonic() - back
        assert took < BACK_WITHIN_S, f"ready {took:.1f} s after Redis was back"

        red = []
        watch_until = time.monotonic() + WATCH_S
        while time.monotonic() < watch_until:
            # Probes come together (a balancer and an orchestrator): old pooled connections
            # are handed out only when several commands run at once.
            answers = await asyncio.gather(*(http.get("/readyz") for _ in range(6)))
            red += [a.json() for a in answers if a.status_code != 200]
            await asyncio.sleep(0.1)
        assert not red, f"/readyz went red {len(red)} time(s) after recovery: {red[:3]}"


async def _wait_for_redis(url: str) -> None:
    client = redis_client(url)
    try:
        for _ in range(100):
            try:
                await client.ping()
                return
            except Exception:
                await asyncio.sleep(0.1)
    finally:
        await client.aclose()


async def _until(http: httpx.AsyncClient, status: int, *, within: float) -> None:
    answers: list[httpx.Response] = []

    async def answered() -> bool:
        answers.append(await http.get("/readyz"))
        return answers[-1].status_code == status

    await eventually(
        answered,
        within=within,
        failing=lambda: f"/readyz still {answers[-1].status_code}: {answers[-1].text}",
    )
