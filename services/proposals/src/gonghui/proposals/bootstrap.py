"""The one place that wires the proposals service together."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.entrypoints.consumers import department_handlers, own_event_handlers
from gonghui.proposals.entrypoints.deadlines import DeadlineChecker
from gonghui.proposals.entrypoints.http import proposals_router, routing_router
from gonghui.proposals.entrypoints.participation_http import participation_router
from gonghui.proposals.entrypoints.photos_http import photos_router
from gonghui.proposals.entrypoints.problems_http import problems_router
from gonghui.proposals.entrypoints.retention import AuditRetention
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import UserDirectory
from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.db import create_engine, session_factory
from gonghui.shared.http import create_service_app
from gonghui.shared.runtime import StreamRuntime
from gonghui.shared.streams import StreamKeys

MIGRATIONS = Path(__file__).with_name("migrations")


def create_app(settings: ProposalsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The proposals service: HTTP on :8002, department answers, the deadline checker."""
    settings = settings or ProposalsSettings()
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    keys = StreamKeys(settings.stream_prefix)
    policy = settings.deadline_policy()

    def uow_factory() -> ProposalsUnitOfWork:
        return ProposalsUnitOfWork(sessions, service="proposals", keys=keys, clock=clock)

    checker = DeadlineChecker(
        uow_factory,
        interval=settings.deadline_check_interval_s,
        batch_size=settings.deadline_batch_size,
    )
    retention = AuditRetention(
        uow_factory,
        keep=timedelta(days=settings.audit_retention_days),
        interval=settings.audit_purge_interval_s,
    )
    runtime = StreamRuntime(
        service="proposals",
        settings=settings,
        uow_factory=uow_factory,
        outbox=sessions,
        streams={keys.events("proposals"): own_event_handlers()},
        department_handlers=department_handlers(policy),
        workers=[checker.run, retention.run],
    )
    accounts = UserDirectory(runtime.redis, runtime.keys)
    app = create_service_app(
        title="gonghui proposals",
        description="云履职: proposals and issues carried by member representatives "
        "to the departments that fix them.",
        runtime=runtime,
        engine=engine,
        routers=[
            proposals_router(uow_factory, policy, accounts),
            routing_router(uow_factory, accounts),
            problems_router(
                uow_factory,
                policy,
                low_satisfaction_threshold=settings.low_satisfaction_threshold,
            ),
            participation_router(
                uow_factory,
                policy,
                personal_data_roles=settings.personal_data_roles,
                low_satisfaction_threshold=settings.low_satisfaction_threshold,
            ),
            photos_router(
                uow_factory,
                max_bytes=settings.photo_max_bytes,
                per_case=settings.photos_per_case,
            ),
        ],
    )

    return app
