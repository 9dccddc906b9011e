"""The one place that wires the web front together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gonghui.front.adapters.services import services_client
from gonghui.front.entrypoints.apidocs import apidocs_router
from gonghui.front.entrypoints.cases import cases_router
from gonghui.front.entrypoints.checkin import checkin_router
from gonghui.front.entrypoints.dashboard import dashboard_router
from gonghui.front.entrypoints.desk import desk_router
from gonghui.front.entrypoints.discuss import discuss_router
from gonghui.front.entrypoints.duty import duty_router
from gonghui.front.entrypoints.finder import finder_router
from gonghui.front.entrypoints.health import health_router
from gonghui.front.entrypoints.manage import manage_router
from gonghui.front.entrypoints.messages import messages_router
from gonghui.front.entrypoints.signin import signin_router
from gonghui.front.entrypoints.visits import visits_router
from gonghui.front.entrypoints.work import work_router
from gonghui.front.pages import install_error_pages, templates
from gonghui.front.partner import partner_router
from gonghui.front.sessions import SessionStore, install_sessions
from gonghui.front.settings import FrontSettings
from gonghui.front.signin import SignInCodes
from gonghui.shared.apidocs import serve_offline_docs
from gonghui.shared.auth import UserDirectory, auth_secret
from gonghui.shared.clock import Clock, SystemClock
from gonghui.shared.connections import redis_client
from gonghui.shared.ratelimit import RateLimiter
from gonghui.shared.streams import StreamKeys

STATIC = Path(__file__).with_name("static")


def create_app(settings: FrontSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The front: pages and the partners' HTTPS door on :8000, a client of the services."""
    settings = settings or FrontSettings()
    redis = redis_client(settings.bus_url)
    keys = StreamKeys(settings.stream_prefix)
    secret = auth_secret()
    services = {
        "stations": settings.stations_url,
        "proposals": settings.proposals_url,
        "notify": settings.notify_url,
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with services_client() as http:
            app.state.http = http
            try:
                yield
            finally:
                await redis.aclose()

    app = FastAPI(
        title="gonghui front",
        description="工会户外劳动者服务: pages for people and the partners' HTTPS door.",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.redis = redis
    app.state.keys = keys
    app.state.services = services
    app.state.auth_secret = secret
    app.state.users = UserDirectory(redis, keys)
    app.state.sessions = SessionStore(redis, keys, settings=settings, secret=secret)
    app.state.codes = SignInCodes(redis, keys, settings=settings)
    app.state.sign_in_limiter = RateLimiter(
        redis,
        namespace=f"{keys.prefix}front.limit.sign-in.",
        rate=settings.sign_in_client_per_minute / 60,
        burst=settings.sign_in_client_per_minute,
    )
    app.state.templates = templates()
    install_sessions(app, app.state.sessions, settings)
    install_error_pages(app)
    serve_offline_docs(app)
    app.include_router(health_router(redis, services))
    app.include_router(signin_router())
    app.include_router(cases_router())
    app.include_router(work_router())
    app.include_router(desk_router())
    app.include_router(dashboard_router())
    app.include_router(messages_router())
    app.include_router(manage_router())
    app.include_router(discuss_router())
    app.include_router(visits_router())
    app.include_router(duty_router())
    app.include_router(finder_router())
    app.include_router(checkin_router())
    app.include_router(apidocs_router())
    app.include_router(partner_router(settings))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
