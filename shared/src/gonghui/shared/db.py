"""Database engines and the tables every service carries for the plumbing (DESIGN §5)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TextClause,
    TypeDecorator,
    bindparam,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from gonghui.shared import jsontext

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _SQLiteDateTime(sqlite.DATETIME):
    """SQLite's DATETIME text, formatted from a tuple: the same text at 60 % of the cost.

    SQLAlchemy formats seven fields through a dict; notify binds about twelve times for each
    station registered (its deliveries' times above all).
    """

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], str | None]:
        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (faster than f-strings here)
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
                value.microsecond,
            )

        return process


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return _SQLiteDateTime() if dialect.name == "sqlite" else self.impl_instance

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the platform keeps UTC-aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class PlumbingBase(DeclarativeBase):
    """Tables of the shared plumbing; each service's migrations create them in its database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OutboxRow(PlumbingBase):
    """An event written in the same transaction as the change it announces (DESIGN §4)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    stream: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "id",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )


class ProcessedEvent(PlumbingBase):
    """The `(group, source, id)` of an applied event, written with its effect."""

    __tablename__ = "processed_events"

    group: Mapped[str] = mapped_column(String(100), primary_key=True)
    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    digest: Mapped[str | None] = mapped_column(String(64), default=None)
    """SHA-256 of what the entry said; None on rows written before digests were kept."""
    outcome: Mapped[str] = mapped_column(String(10), default="applied", server_default="applied")
    """`applied`, or `dead` when it was dead-lettered (its id stays taken)."""


def async_url(url: str) -> str:
    """Turn a plain `postgresql://` or `sqlite:///` URL into its asyncio driver form."""
    parsed = make_url(url)
    driver = {
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }
    if parsed.drivername in driver:
        parsed = parsed.set(drivername=driver[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


_READS_ONLY: ContextVar[bool] = ContextVar("reads_only", default=False)


@contextmanager
def _reading(only: bool) -> Iterator[None]:
    token = _READS_ONLY.set(only)
    try:
        yield
    finally:
        _READS_ONLY.reset(token)


def reads_only() -> AbstractContextManager[None]:
    """Transactions begun inside only read, and a write is refused. On SQLite they neither take
    nor wait for the write lock (a WAL reader sees the last commit, whatever the writers do); on
    PostgreSQL they are READ ONLY transactions."""
    return _reading(True)


def may_write() -> AbstractContextManager[None]:
    """Transactions begun inside may write again, within `reads_only` (an audited read)."""
    return _reading(False)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout and real transactions: BEGIN IMMEDIATE,
    or a read-only snapshot under `reads_only()`."""
    url = async_url(url)
    # JSON columns (the outbox's fields above all) are written and read with every event.
    json_codec = {"json_serializer": jsontext.dumps, "json_deserializer": jsontext.loads}
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_async_engine(
            url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=5, **json_codec
        )

        @event.listens_for(engine.sync_engine, "begin")
        def _read_only(connection) -> None:  # type: ignore[no-untyped-def]
            # asyncpg begins at the first statement: BEGIN READ ONLY, no round trip of its own.
            connection.connection.dbapi_connection.readonly = _READS_ONLY.get()

        return engine
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **json_codec)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # pysqlite's own transaction handling breaks SAVEPOINT and issues BEGIN late; take it over.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        # A writer's IMMEDIATE takes the write lock up front, so two processes never deadlock on
        # upgrade. The lock is not fair: a reader queued behind writers that follow each other
        # (a consumer's batches) waited for seconds, so a reader begins a plain snapshot instead.
        reading = _READS_ONLY.get()
        state = connection.connection.info
        if state.get("query_only", False) != reading:
            connection.exec_driver_sql(f"PRAGMA query_only={'ON' if reading else 'OFF'}")
            state["query_only"] = reading
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine: AsyncEngine) -> bool:
    """Whether the engine talks to PostgreSQL (which has SKIP LOCKED and server-side upserts)."""
    return engine.dialect.name == "postgresql"


async def insert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_conflicts: bool = False,
    update_on: tuple[str, ...] = (),
    returning: str | None = None,
) -> list[Any]:
    """Insert rows (all with the same keys) in one statement, in order; return the `returning`
    column of those that went in. `skip_conflicts` leaves out rows whose key is taken;
    `update_on` (a unique key's columns) overwrites the row holding the key with the given one
    (each key at most once in `rows`).

    On PostgreSQL each column travels as one array, or as one value where every row has the same
    (asyncpg checks each element of an array in Python), and the statement's text is the same
    for any number of rows: SQLAlchemy's multi-row VALUES binds every value of every row in Python
    and is a new prepared statement for each new row count, the largest part of writing a
    batch's stations, notices, deliveries and outbox rows in the profiles.
    """
    if not rows:
        return []
    names = tuple(rows[0])
    defaults = _scalar_defaults(table, names)
    if session.bind.dialect.name != "postgresql":
        insert = sqlite.insert(table)
        if skip_conflicts:
            insert = insert.on_conflict_do_nothing()
        if update_on:
            insert = insert.on_conflict_do_update(
                index_elements=update_on,
                set_={name: insert.excluded[name] for name in names if name not in update_on},
            )
        if returning is not None:
            insert = insert.returning(table.c[returning])
        result = await session.execute(insert, list(rows))
        return list(result.scalars()) if returning is not None else []
    columns = {name: [row[name] for row in rows] for name in names}
    dialect = session.bind.dialect
    params: dict[str, Any] = {}
    varying, same = [], list(defaults)
    for name, values in columns.items():
        if values.count(values[0]) == len(values):  # one value for every row: sent once
            same.append(name)
            params[name] = values[0]
            continue
        varying.append(name)
        kind = table.c[name].type
        if isinstance(kind, JSON):
            # As JSON text: an array parameter would take a JSON list for another dimension.
            serialize = kind.dialect_impl(dialect).bind_processor(dialect)
            values = list(map(serialize, values)) if serialize else values
        params[name] = values
    params |= defaults
    conflicts = _on_conflict(skip_conflicts, update_on, names)
    statement = _unnest_insert(table, tuple(varying), tuple(same), conflicts, returning)
    bound = {f"c{i}": params[name] for i, name in enumerate((*varying, *same))}
    if not varying:  # every row the same (or one row): as many rows of the one set of values
        bound["rows"] = len(rows)
    result = await session.execute(statement, bound)
    return list(result.scalars()) if returning is not None else []


@cache
def _scalar_defaults(table: Table, given: tuple[str, ...]) -> dict[str, Any]:
    """What Core's INSERT would add for columns the rows leave out: their Python defaults.

    A computed one is refused on every backend, though SQLite's path could compute it.
    """
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"give {table.name}.{column.name} explicitly: its default is computed")
        defaults[column.name] = column.default.arg
    return defaults


def _on_conflict(skip: bool, update_on: tuple[str, ...], names: tuple[str, ...]) -> str:
    """The ON CONFLICT clause of a batch insert, with a leading space, or nothing."""
    if skip:
        return " ON CONFLICT DO NOTHING"
    if not update_on:
        return ""
    quote = postgresql.dialect().identifier_preparer.quote
    key = ", ".join(map(quote, update_on))
    updated = [quote(name) for name in names if name not in update_on]
    return f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(
        f"{name} = EXCLUDED.{name}" for name in updated
    )


@cache
def _unnest_insert(
    table: Table,
    varying: tuple[str, ...],
    same: tuple[str, ...],
    on_conflict: str,
    returning: str | None,
) -> TextClause:
    """INSERT ... SELECT FROM unnest(one array per varying column), rows in the arrays' order,
    each column whose value every row shares bound once; parameter `c<i>` is the i-th of
    `varying` then `same`."""
    dialect = postgresql.dialect()
    quote = dialect.identifier_preparer.quote
    arrays, selected, binds = [], [], []
    for i, name in enumerate(varying):
        kind = table.c[name].type
        sql_type = kind.compile(dialect=dialect)
        bind = f"c{i}"
        if isinstance(kind, JSON):
            arrays.append(f"CAST(CAST(:{bind} AS TEXT[]) AS {sql_type}[])")
            binds.append(bindparam(bind, type_=postgresql.ARRAY(Text)))
        else:
            arrays.append(f"CAST(:{bind} AS {sql_type}[])")
            binds.append(bindparam(bind, type_=postgresql.ARRAY(kind)))
        selected.append(f"c{i}")
    for i, name in enumerate(same, start=len(varying)):
        kind = table.c[name].type
        bind = f"c{i}"
        selected.append(f"CAST(:{bind} AS {kind.compile(dialect=dialect)})")
        binds.append(bindparam(bind, type_=kind))
    listed = ", ".join(quote(name) for name in (*varying, *same))
    aliases = ", ".join(f"c{i}" for i in range(len(varying)))
    source = (
        f"unnest({', '.join(arrays)}) WITH ORDINALITY AS given({aliases}, position)"
        if varying
        else "generate_series(1, :rows) AS given(position)"
    )
    sql = (
        f"INSERT INTO {quote(table.name)} ({listed}) SELECT {', '.join(selected)} "
        f"FROM {source} ORDER BY position"
    )
    if not varying:
        binds.append(bindparam("rows", type_=Integer))
    sql += on_conflict
    if returning is not None:
        sql += f" RETURNING {quote(returning)}"
    return text(sql).bindparams(*binds)
