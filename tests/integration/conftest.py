"""Integration fixtures: migrated service databases and units of work on them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.bootstrap import MIGRATIONS as NOTIFY_MIGRATIONS
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.bootstrap import MIGRATIONS as STATIONS_MIGRATIONS


@pytest.fixture
async def stations_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The stations schema, migrated, on each backend in turn."""
    await upgrade(STATIONS_MIGRATIONS, database_url)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def stations_sessions(stations_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the stations database."""
    return session_factory(stations_engine)


@pytest.fixture
def stations_uow(
    stations_sessions: async_sessionmaker[AsyncSession], keys: StreamKeys
) -> Callable[[], StationsUnitOfWork]:
    """Units of work of the stations service."""
    return lambda: StationsUnitOfWork(stations_sessions, service="stations", keys=keys)


@pytest.fixture
async def notify_engine(new_database: Callable[[], Awaitable[str]]) -> AsyncIterator[AsyncEngine]:
    """The notify schema, migrated, in a database of its own on the same backend."""
    url = await new_database()
    await upgrade(NOTIFY_MIGRATIONS, url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture
def notify_uow(notify_engine: AsyncEngine, keys: StreamKeys) -> Callable[[], NotifyUnitOfWork]:
    """Units of work of the notify service."""
    sessions = session_factory(notify_engine)
    return lambda: NotifyUnitOfWork(sessions, service="notify", keys=keys)
