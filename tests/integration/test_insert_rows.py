"""Batch inserts: one statement, rows in order, the same values Core's INSERT would write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gonghui.shared.db import UtcDateTime, create_engine, insert_rows

METADATA = MetaData()
ROWS = Table(
    "rows_in_batches",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(20), unique=True),
    Column("group", String(20)),  # a reserved word, quoted
    Column("services", JSON),
    Column("documents", JSON),
    Column("lat", Float),
    Column("at", UtcDateTime()),
    Column("test_data", Boolean, default=False),
)
REPEATED = Table(
    "repeated_rows",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group", String(20)),
    Column("documents", JSON),
    Column("at", UtcDateTime()),
)
COMPUTED = Table(
    "computed_default",
    METADATA,
    Column("code", String(20), primary_key=True),
    Column("made_at", UtcDateTime(), default=lambda: datetime.now(UTC)),
)


def row(code: str, **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "group": "驿站",
        "services": ["rest", "drinking_water"],
        "documents": {"safety_notice": None, "名称": "爱心驿站"},
        "lat": 26.0878,
        "at": datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
        **overrides,
    }


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    yield engine
    await engine.dispose()


async def stored(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        columns = [c for c in ROWS.c if c.name != "id"]
        return [tuple(r) for r in await connection.execute(select(*columns).order_by(ROWS.c.id))]


async def test_rows_go_in_as_cores_insert_writes_them_in_order(engine: AsyncEngine) -> None:
    given = [
        row("a"),
        row("b", services=[], documents=None, lat=None, at=None),
        row("c", services=[["nested"]], group=None),
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(ROWS), given)
    by_core = await stored(engine)
    async with engine.begin() as connection:
        await connection.execute(ROWS.delete())

    async with AsyncSession(engine) as session, session.begin():
        ids = await insert_rows(session, ROWS, given, returning="id")
    assert await stored(engine) == by_core
    assert ids == sorted(ids) and len(ids) == 3
    assert by_core[0][-1] is False  # the column's default, as Core adds it


async def test_taken_keys_are_skipped_and_only_the_new_ones_returned(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await insert_rows(session, ROWS, [row("a"), row("b")])
        new = await insert_rows(
            session,
            ROWS,
            [row("b", lat=1.0), row("c"), row("a")],
            skip_conflicts=True,
            returning="code",
        )
    assert new == ["c"]
    assert [r[0] for r in await stored(engine)] == ["a", "b", "c"]
    assert (await stored(engine))[1][4] == 26.0878  # b was left as it was


async def test_rows_whose_key_is_taken_overwrite_it_as_cores_upsert_does(
    engine: AsyncEngine,
) -> None:
    first = [row("a"), row("b"), row("c")]
    again = [row("b", lat=1.5, group="站点", documents=None), row("d"), row("a", services=[])]
    async with engine.begin() as connection:
        await connection.execute(insert(ROWS), first)
        upsert = (postgresql if engine.dialect.name == "postgresql" else sqlite).insert(ROWS)
        upsert = upsert.on_conflict_do_update(
            index_elements=["code"],
            set_={name: upsert.excluded[name] for name in again[0] if name != "code"},
        )
        await connection.execute(upsert, again)
    by_core = sorted(await stored(engine))
    async with engine.begin() as connection:
        await connection.execute(ROWS.delete())

    async with AsyncSession(engine) as session, session.begin():
        await insert_rows(session, ROWS, first)
        await insert_rows(session, ROWS, again, update_on=("code",))
    assert sorted(await stored(engine)) == by_core
    assert [r[4] for r in sorted(await stored(engine))] == [26.0878, 1.5, 26.0878, 26.0878]


async def test_a_computed_default_must_be_given(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session, session.begin():
        with pytest.raises(ValueError, match="made_at explicitly"):
            await insert_rows(session, COMPUTED, [{"code": "a"}])
        assert await insert_rows(session, ROWS, []) == []


async def test_values_every_row_shares_go_in_as_cores_insert_writes_them(
    engine: AsyncEngine,
) -> None:
    # Sent once, not as an array (most columns of a batch's deliveries are the same).
    at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    shared = [row("a"), row("b"), row("c", documents=None)]
    async with engine.begin() as connection:
        await connection.execute(insert(ROWS), shared)
    by_core = await stored(engine)
    nulls_by_core = await json_nulls(engine)
    async with engine.begin() as connection:
        await connection.execute(ROWS.delete())

    async with AsyncSession(engine) as session, session.begin():
        await insert_rows(session, ROWS, shared)
    assert await stored(engine) == by_core
    assert await json_nulls(engine) == nulls_by_core

    same = {"group": "驿站", "documents": None, "at": at}
    async with AsyncSession(engine) as session, session.begin():
        ids = await insert_rows(session, REPEATED, [same] * 3, returning="id")
        ids += await insert_rows(session, REPEATED, [same], returning="id")
    assert len(ids) == 4 and ids == sorted(ids)
    async with engine.connect() as connection:
        stored_rows = (await connection.execute(select(REPEATED.c.group, REPEATED.c.at))).all()
    assert [tuple(r) for r in stored_rows] == [("驿站", at)] * 4
    async with engine.connect() as connection:
        nulls = await connection.execute(select(REPEATED.c.documents.is_(None)))
    assert list(nulls.scalars()) == [False] * 4  # JSON's null, as Core writes None


async def json_nulls(engine: AsyncEngine) -> list[bool]:
    """Whether each row's `documents` is SQL's NULL (not JSON's null), in order."""
    async with engine.connect() as connection:
        query = select(ROWS.c.documents.is_(None)).order_by(ROWS.c.id)
        return list((await connection.execute(query)).scalars())
