"""The one place that wires the proposals service together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.entrypoints.consumers import department_handlers
from gonghui.proposals.entrypoints.http import proposals_router
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.http import create_service_app
from gonghui.shared.runtime import StreamRuntime
from gonghui.shared.streams import StreamKeys

MIGRATIONS = Path(__file__).with_name("migrations")


def create_app(settings: ProposalsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The proposals service: HTTP on :8002 and the department answers it applies."""
    settings = settings or ProposalsSettings()
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    keys = StreamKeys(settings.stream_prefix)

    def uow_factory() -> ProposalsUnitOfWork:
        return ProposalsUnitOfWork(sessions, service="proposals", keys=keys, clock=clock)

    runtime = StreamRuntime(
        service="proposals",
        settings=settings,
        uow_factory=uow_factory,
        department_handlers=department_handlers(),
    )
    return create_service_app(
        title="gonghui proposals",
        description="云履职: proposals and issues carried by member representatives to the departments that fix them.",
        runtime=runtime,
        engine=engine,
        routers=[proposals_router(uow_factory)],
    )
