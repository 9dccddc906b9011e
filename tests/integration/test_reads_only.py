"""Reading while writers write: on SQLite a read-only snapshot at once, never a wait for the
lock; on PostgreSQL a READ ONLY transaction."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from gonghui.shared.db import create_engine, may_write, reads_only
from tests.support.servers import scratch_postgres_database

COUNT = text("SELECT count(*) FROM visits")
INSERT = text("INSERT INTO visits (station) VALUES ('PH-0001')")


@pytest.fixture
async def engine(tmp_path: Path):
    """A SQLite database with one committed visit."""
    engine = create_engine(f"sqlite:///{tmp_path / 'reads.sqlite'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE visits (id INTEGER PRIMARY KEY, station)"))
        await connection.execute(INSERT)
    yield engine
    await engine.dispose()


async def test_a_reader_sees_the_last_commit_while_a_writer_holds_the_lock(engine) -> None:
    async with engine.begin() as writer:
        await writer.execute(INSERT)
        with reads_only():
            async with engine.connect() as reader:
                # Without reads_only the reader queues for the lock (30 s of busy timeout).
                seen = await asyncio.wait_for(reader.scalar(COUNT), timeout=5)
        assert seen == 1
    async with engine.connect() as reader:
        assert await reader.scalar(COUNT) == 2


async def test_a_write_under_reads_only_is_refused_and_writers_write_after_it(engine) -> None:
    for _ in range(3):  # the pooled connections go from reading to writing and back
        with reads_only(), pytest.raises(OperationalError, match="readonly"):
            async with engine.begin() as connection:
                await connection.execute(INSERT)
        async with engine.begin() as connection:
            await connection.execute(INSERT)
    async with engine.connect() as reader:
        assert await reader.scalar(COUNT) == 4


async def test_a_write_under_reads_only_is_refused_by_postgresql(postgres_url: str | None) -> None:
    if postgres_url is None:
        pytest.skip("no PostgreSQL: set DATABASE_URL or run a Docker engine")
    async with scratch_postgres_database(postgres_url) as url:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE visits (id serial, station text)"))
            for _ in range(3):  # the pooled connections go from reading to writing and back
                with reads_only(), pytest.raises(DBAPIError, match="read-only transaction"):
                    async with engine.begin() as connection:
                        await connection.execute(INSERT)
                with reads_only(), may_write():  # an audited read
                    async with engine.begin() as connection:
                        await connection.execute(INSERT)
            async with engine.connect() as reader:
                assert await reader.scalar(COUNT) == 3
        finally:
            await engine.dispose()
