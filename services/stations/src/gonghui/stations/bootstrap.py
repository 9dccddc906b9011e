"""The one place that wires the stations service together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.http import create_service_app
from gonghui.shared.periodic import every
from gonghui.shared.runtime import StreamRuntime
from gonghui.shared.streams import StreamKeys
from gonghui.stations.adapters.nearby import NearbyIndex
from gonghui.stations.adapters.ratelimit import RedisRateLimiter
from gonghui.stations.adapters.unit_of_work import StationsUnitOfWork
from gonghui.stations.application.handlers import end_due_suspensions
from gonghui.stations.application.siting import forget_old_presence
from gonghui.stations.entrypoints.consumers import department_handlers
from gonghui.stations.entrypoints.guard import PublicGuard
from gonghui.stations.entrypoints.http import stations_router
from gonghui.stations.entrypoints.http_areas import areas_router
from gonghui.stations.entrypoints.http_feedback import feedback_router
from gonghui.stations.entrypoints.http_ledger import ledger_router
from gonghui.stations.entrypoints.http_siting import siting_router
from gonghui.stations.settings import StationsSettings

MIGRATIONS = Path(__file__).with_name("migrations")


def create_app(settings: StationsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The stations service: HTTP on :8001 and the department outboxes it applies."""
    settings = settings or StationsSettings()
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    keys = StreamKeys(settings.stream_prefix)
    nearby = NearbyIndex(engine, refresh_s=settings.search_refresh_s)

    def uow_factory() -> StationsUnitOfWork:
        return StationsUnitOfWork(
            sessions, service="stations", keys=keys, clock=clock, stations_changed=nearby.changed
        )

    runtime = StreamRuntime(
        service="stations",
        settings=settings,
        uow_factory=uow_factory,
        outbox=sessions,
        department_handlers=department_handlers(worker_id_secret=settings.worker_id_secret),
        workers=[
            # Loads the search index at start and keeps it fresh, so searches rarely wait.
            lambda stop: every(settings.search_refresh_s, nearby.catch_up, stop),
            lambda stop: every(
                settings.suspension_check_s, lambda: end_due_suspensions(uow_factory), stop
            ),
            lambda stop: every(
                3600,
                lambda: forget_old_presence(uow_factory, window_days=settings.siting_window_days),
                stop,
            ),
        ],
    )
    guard = PublicGuard(
        RedisRateLimiter(runtime.redis, prefix=settings.stream_prefix), settings, clock
    )
    return create_service_app(
        title="gonghui stations",
        description="户外劳动者服务站点: the registry of outdoor-worker service stations.",
        runtime=runtime,
        engine=engine,
        routers=[
            stations_router(uow_factory, clock, settings, guard, nearby),
            ledger_router(uow_factory),
            areas_router(),
            feedback_router(uow_factory, settings, guard),
            siting_router(uow_factory, clock, settings, guard),
        ],
    )
