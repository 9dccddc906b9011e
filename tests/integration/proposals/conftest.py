"""Proposals fixtures: a migrated database, units of work on a movable clock, handling units."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.bootstrap import MIGRATIONS, create_app
from gonghui.proposals.domain.deadlines import DeadlinePolicy
from gonghui.proposals.domain.routing import Unit, UnitKind
from gonghui.proposals.entrypoints.consumers import department_handlers
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.clock import ManualClock
from gonghui.shared.consumer import GroupConsumer
from gonghui.shared.db import OutboxRow, create_engine, session_factory
from gonghui.shared.deadletters import DeadLetters
from gonghui.shared.migrations import upgrade
from gonghui.shared.streams import StreamKeys

UowFactory = Callable[[], ProposalsUnitOfWork]


@pytest.fixture
def clock() -> ManualClock:
    """Saturday evening in Pinghu (Asia/Shanghai 19:00), movable."""
    return ManualClock(datetime(2026, 11, 28, 11, 0, tzinfo=UTC))


@pytest.fixture
def policy() -> DeadlinePolicy:
    """The default deadlines."""
    return DeadlinePolicy()


@pytest.fixture
async def proposals_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The proposals schema, migrated, on each backend in turn."""
    await upgrade(MIGRATIONS, database_url)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


def uow_factory_on(engine: AsyncEngine, keys: StreamKeys, clock: ManualClock) -> UowFactory:
    """Units of work on an engine (a second engine on the same database is a second replica)."""
    sessions = session_factory(engine)
    return lambda: ProposalsUnitOfWork(sessions, service="proposals", keys=keys, clock=clock)


@pytest.fixture
def proposals_uow(
    proposals_engine: AsyncEngine, keys: StreamKeys, clock: ManualClock
) -> UowFactory:
    """Units of work of the proposals service."""
    return uow_factory_on(proposals_engine, keys, clock)


@pytest.fixture
async def units(proposals_uow: UowFactory) -> None:
    """Pinghu's handling units and routing rules of the seed's stories."""
    async with proposals_uow() as uow:
        for code, name, kind in [
            ("jx-transport", "平湖市交通运输局", UnitKind.DEPARTMENT),
            ("dushu-town", "独山港镇人民政府", UnitKind.DEPARTMENT),
            ("lvdi-property", "绿地物业公司工会", UnitKind.ORGANISATION),
            ("anju-property", "安居物业公司工会", UnitKind.ORGANISATION),
            ("ph-legal", "平湖律师服务团", UnitKind.LEGAL_SERVICE),
        ]:
            await uow.routing.put_unit(Unit(code, name, kind))
        await uow.routing.add_rule(
            unit_code="jx-transport", category="transport", area_prefix="3304"
        )
        await uow.routing.add_rule(
            unit_code="dushu-town", category="transport", area_prefix="330482"
        )
        await uow.routing.add_rule(
            unit_code="lvdi-property", category="housing", area_prefix="330482"
        )
        await uow.routing.add_rule(
            unit_code="anju-property", category="housing", area_prefix="3304"
        )
        await uow.routing.add_rule(unit_code="ph-legal", category="legal", area_prefix=None)
        await uow.commit()


async def outbox(uow_factory: UowFactory, stream: str) -> list[tuple[str, dict]]:
    """(type, data) of every entry queued for `stream`, oldest first."""
    async with uow_factory() as uow:
        rows = await uow.session.scalars(
            select(OutboxRow).where(OutboxRow.stream == stream).order_by(OutboxRow.id)
        )
        return [(row.fields["type"], json.loads(row.fields["data"])) for row in rows]


def department_consumer(
    redis: Redis,
    keys: StreamKeys,
    uow_factory: UowFactory,
    code: str,
    *,
    policy: DeadlinePolicy,
    name: str = "c1",
) -> GroupConsumer:
    """What the proposals runtime runs for `dept.<code>.outbox`."""
    return GroupConsumer(
        stream=keys.outbox(code),
        group="proposals",
        consumer=name,
        service="proposals",
        handlers=department_handlers(policy),
        uow_factory=uow_factory,
        redis=redis,
        keys=keys,
        dead_letters=DeadLetters(redis, keys),
    )


@pytest.fixture
async def api(database_url, proposals_engine, prefix, clock, redis_url):
    """The proposals app over ASGI (no stream runtime)."""
    settings = ProposalsSettings(
        database_url=database_url, redis_url=redis_url, stream_prefix=prefix
    )
    app = create_app(settings, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://proposals"
    ) as client:
        yield client
    await app.state.engine.dispose()
