"""Where the tests find Redis and PostgreSQL, and how they get a database of their own."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from gonghui.cli import embedded_redis
from gonghui.shared.contracts import CATALOGUE
from gonghui.shared.db import async_url
from gonghui.shared.departments import DepartmentDirectory
from gonghui.shared.privacy import leaks_in_entry
from gonghui.shared.streams import StreamKeys


def docker_available() -> bool:
    """Whether a Docker engine answers (testcontainers needs one).

    With GONGHUI_TESTS_REQUIRE_DOCKER set (CI's testcontainers step), no engine is an error
    instead of a quiet fall-back, so that step cannot pass without exercising testcontainers.
    """
    try:
        import docker

        return bool(docker.from_env(timeout=10).ping())
    except Exception as exc:
        if os.environ.get("GONGHUI_TESTS_REQUIRE_DOCKER"):
            raise RuntimeError(
                f"GONGHUI_TESTS_REQUIRE_DOCKER is set but no Docker engine answers "
                f"(DOCKER_HOST={os.environ.get('DOCKER_HOST', '-')}): {exc}"
            ) from exc
        return False


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """REDIS_URL if set; else a testcontainers Redis; else an embedded server of our own."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    if docker_available():
        from testcontainers.redis import RedisContainer

        with RedisContainer("redis:7") as container:
            host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
            yield f"redis://{host}:{port}/0"
        return
    with own_redis_server() as url:
        yield url


@contextlib.contextmanager
def own_redis_server(*, appendonly: bool = False) -> Iterator[str]:
    """An embedded Redis-compatible server this test run owns (and may kill)."""
    with tempfile.TemporaryDirectory(prefix="gonghui-redis-") as data:
        port = embedded_redis.free_port()
        process = embedded_redis.start(Path(data), port=port, appendonly=appendonly)
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.kill()
            process.wait()


@contextlib.contextmanager
def postgres_server() -> Iterator[str | None]:
    """DATABASE_URL (a PostgreSQL server) if set; else a testcontainers PostgreSQL; else None."""
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as container:
            yield container.get_connection_url()
        return
    yield None


@contextlib.asynccontextmanager
async def scratch_postgres_database(server_url: str) -> AsyncIterator[str]:
    """A PostgreSQL database created for one test and dropped after it."""
    name = f"gh_test_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(async_url(server_url)).set(database="postgres")
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def delete_keys(redis: Redis, prefix: str) -> None:
    """Remove every key and department user this test created under its own prefix."""
    async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
        await redis.delete(key)
    user_prefix = "".join(ch if ch.isalnum() else "_" for ch in prefix)
    directory = DepartmentDirectory(redis, StreamKeys(prefix))
    users = await directory.every_node("ACL", "USERS")
    for name in {u.decode() if isinstance(u, bytes) else u for node in users for u in node}:
        if name.startswith(user_prefix):
            await directory.every_node("ACL", "DELUSER", name)


def disclosed_on(stream: str, fields: dict[bytes, bytes], *, prefix: str) -> frozenset[str]:
    """The fields an entry may carry in full on this stream: its contract's named recipient's."""
    keys = StreamKeys(prefix)
    department = keys.department_of(stream)
    contract = CATALOGUE.get(fields.get(b"type", b"").decode())
    if department is None or stream != keys.inbox(department) or contract is None:
        return frozenset()
    return getattr(contract, "disclosed_to_recipient", frozenset())


async def personal_numbers_in_streams(redis: Redis, prefix: str) -> dict[str, list[str]]:
    """Unmasked phone and ID numbers in any stream entry under `prefix`, by stream.

    A work item's disclosed fields on its own department's inbox are allowed (and audited).
    """
    found: dict[str, list[str]] = {}
    async for key in redis.scan_iter(match=f"{prefix}*", count=1000, _type="stream"):
        stream = key.decode()
        for _, fields in await redis.xrange(key):
            disclosed = disclosed_on(stream, fields, prefix=prefix)
            if leaked := leaks_in_entry(fields, disclosed=disclosed):
                found.setdefault(stream, []).extend(leaked)
    return found


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `gonghui ...` as a user would, in a process of its own."""
    import sys

    return subprocess.run(
        [sys.executable, "-m", "gonghui.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,  # a loaded 2-core machine was seen taking 30 s just to import
    )
