"""The one place that wires the notify service together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.entrypoints.consumers import (
    department_handlers,
    proposal_event_handlers,
    station_event_handlers,
)
from gonghui.notify.entrypoints.http import notifications_router
from gonghui.notify.settings import NotifySettings
from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.http import create_service_app
from gonghui.shared.runtime import StreamRuntime
from gonghui.shared.streams import StreamKeys

MIGRATIONS = Path(__file__).with_name("migrations")


def create_app(settings: NotifySettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The notify service: HTTP on :8003, reading the other services' events."""
    settings = settings or NotifySettings()
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    keys = StreamKeys(settings.stream_prefix)

    def uow_factory() -> NotifyUnitOfWork:
        return NotifyUnitOfWork(sessions, service="notify", keys=keys, clock=clock)

    runtime = StreamRuntime(
        service="notify",
        settings=settings,
        uow_factory=uow_factory,
        streams={
            keys.events("stations"): station_event_handlers(),
            keys.events("proposals"): proposal_event_handlers(),
        },
        department_handlers=department_handlers(),
    )
    return create_service_app(
        title="gonghui notify",
        description="Notifications to everyone involved, on the channels they use.",
        runtime=runtime,
        engine=engine,
        routers=[notifications_router(uow_factory)],
    )
