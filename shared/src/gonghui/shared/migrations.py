"""Alembic for every service: one call to upgrade, one function each env.py delegates to."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from gonghui.shared.db import async_url, create_engine


def alembic_config(script_location: Path, url: str) -> Config:
    """An Alembic config pointing at a service's migrations and database."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


async def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Bring a service's database to `revision`, creating a PostgreSQL database if missing."""
    await ensure_database(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            config = alembic_config(script_location, url)

            def run(sync_connection: Connection) -> None:
                config.attributes["connection"] = sync_connection
                command.upgrade(config, revision)

            await connection.run_sync(run)
    finally:
        await engine.dispose()


def run_env(target_metadata: list[MetaData]) -> None:
    """The body of each service's `env.py`."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection, target_metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(
            url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    async def online() -> None:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(_migrate, target_metadata)
        await engine.dispose()

    asyncio.run(online())


def _migrate(connection: Connection, target_metadata: list[MetaData]) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def ensure_database(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database does not exist yet."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    admin = create_async_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        async with admin.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        await admin.dispose()


def add_dedupe_digests() -> None:
    """Plumbing migration: `processed_events` keeps what each entry said and what became of it."""
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("outcome", sa.String(length=10), nullable=False, server_default="applied")
        )


def drop_dedupe_digests() -> None:
    """Undo `add_dedupe_digests`."""
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_column("outcome")
        batch.drop_column("digest")
