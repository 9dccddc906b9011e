"""The one place that wires the notify service together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gonghui.notify.adapters.channels import Channels
from gonghui.notify.adapters.repositories import RuleCache
from gonghui.notify.adapters.unit_of_work import NotifyUnitOfWork
from gonghui.notify.application.broadcast import BroadcastWorker
from gonghui.notify.application.digest import send_digests
from gonghui.notify.application.dispatch import Dispatcher
from gonghui.notify.application.handlers import install_rules
from gonghui.notify.domain.defaults import DEFAULT_RULES
from gonghui.notify.entrypoints.consumers import (
    department_handlers,
    proposal_event_handlers,
    station_event_handlers,
)
from gonghui.notify.entrypoints.http import (
    admin_router,
    notifications_router,
    preferences_router,
)
from gonghui.notify.entrypoints.http_codes import sign_in_codes_router
from gonghui.notify.settings import NotifySettings
from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.http import create_service_app
from gonghui.shared.periodic import every
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
    policy = settings.policy()

    def uow_factory() -> NotifyUnitOfWork:
        return NotifyUnitOfWork(sessions, service="notify", keys=keys, clock=clock)

    receivers = settings.receivers()
    channels = Channels(receivers)
    rules = RuleCache()  # one per process: both event streams read it
    runtime = StreamRuntime(
        service="notify",
        settings=settings,
        uow_factory=uow_factory,
        outbox=sessions,
        streams={
            keys.events("stations"): station_event_handlers(rules),
            keys.events("proposals"): proposal_event_handlers(rules),
        },
        department_handlers=department_handlers(broadcasters=settings.broadcasters()),
        on_start=lambda: install_rules(DEFAULT_RULES, uow=uow_factory()),
    )
    dispatcher = Dispatcher(
        uow_factory, channels=channels, dead_letters=runtime.dead_letters, keys=keys, policy=policy
    )
    broadcasts = BroadcastWorker(uow_factory, policy=policy)
    runtime.workers = [
        lambda stop: dispatcher.run(stop, interval_s=settings.dispatch_interval_s),
        broadcasts.run,
        lambda stop: every(
            60.0, lambda: send_digests(uow=uow_factory(), hour=policy.digest_hour), stop
        ),
    ]
    return create_service_app(
        title="gonghui notify",
        description="Notifications to everyone involved, on the channels they use.",
        runtime=runtime,
        engine=engine,
        routers=[
            notifications_router(uow_factory),
            preferences_router(uow_factory, receivers),
            admin_router(uow_factory, receivers, broadcasters=settings.broadcasters()),
            sign_in_codes_router(settings),
        ],
        on_shutdown=channels.aclose,
    )
