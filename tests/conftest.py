"""Fixtures shared by every test: real Redis, real databases, a key prefix per test."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from gonghui.shared.connections import redis_client
from gonghui.shared.privacy import MaskingFilter, leaks
from gonghui.shared.streams import StreamKeys
from tests.support.cluster import LocalCluster, local_cluster
from tests.support.servers import (
    delete_keys,
    personal_numbers_in_streams,
    postgres_server,
    redis_server,
    scratch_postgres_database,
)

os.environ.setdefault(
    "GONGHUI_AUTH_SECRET", "a-secret-only-the-test-suite-uses-" + uuid.uuid4().hex
)


@pytest.fixture(autouse=True)
def no_personal_numbers_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every log line passes the masking filter; none may show a phone or an ID number."""
    caplog.handler.addFilter(MaskingFilter())
    yield
    leaked = leaks(caplog.text)
    assert not leaked, f"unmasked personal numbers in log lines: {leaked}"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The Redis every test shares (each under its own key prefix)."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[LocalCluster]:
    """A Redis Cluster (3 primaries, 3 replicas) the test run starts once and stops at the end."""
    with local_cluster() as cluster:
        yield cluster


@pytest.fixture
def bus_mode() -> str:
    """GONGHUI_REDIS_MODE of the bus a test runs on; modules run on both override it."""
    return "single"


@pytest.fixture
def bus_url(request: pytest.FixtureRequest, bus_mode: str, redis_url: str) -> str:
    """REDIS_URL of the bus: the shared Redis, or any node of the test run's cluster."""
    if bus_mode == "cluster":
        return request.getfixturevalue("redis_cluster").url
    return redis_url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A PostgreSQL server to create scratch databases on, or None."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def prefix() -> str:
    """A key prefix no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}:"


@pytest.fixture
def keys(prefix: str) -> StreamKeys:
    """Stream keys under this test's prefix."""
    return StreamKeys(prefix)


@pytest.fixture
async def redis(bus_url: str, bus_mode: str, prefix: str) -> AsyncIterator[Redis]:
    """A client of the bus; whatever the test wrote under its prefix is removed after."""
    client = redis_client(bus_url, mode=bus_mode)
    try:
        yield client
        leaked = await personal_numbers_in_streams(client, prefix)
        assert not leaked, f"unmasked personal numbers on streams: {leaked}"
    finally:
        await delete_keys(client, prefix)
        await client.aclose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def new_database(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None
) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Empty databases of each backend in turn: each test runs on SQLite and PostgreSQL."""
    if request.param == "postgresql" and postgres_url is None:
        pytest.skip("no PostgreSQL: set DATABASE_URL or run a Docker engine")
    async with contextlib.AsyncExitStack() as stack:
        made = 0

        async def make() -> str:
            nonlocal made
            made += 1
            if request.param == "sqlite":
                return f"sqlite:///{tmp_path / f'db{made}.sqlite'}"
            return await stack.enter_async_context(scratch_postgres_database(postgres_url))

        yield make


@pytest.fixture
async def database_url(new_database: Callable[[], Awaitable[str]]) -> str:
    """One empty database of each backend in turn."""
    return await new_database()
