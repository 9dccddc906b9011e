"""Reading SQLite while writers hold its lock: a read-only snapshot at once, never a wait."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from gonghui.shared.db import create_engine, reads_only

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
