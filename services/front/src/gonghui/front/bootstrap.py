"""The one place that wires the web front together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gonghui.front.entrypoints.health import health_router
from gonghui.front.settings import FrontSettings
from gonghui.shared.connections import redis_client
from gonghui.shared.streams import StreamKeys

STATIC = Path(__file__).with_name("static")


def create_app(settings: FrontSettings | None = None) -> FastAPI:
    """The front: pages and the partners' HTTPS door on :8000, a client of the services."""
    settings = settings or FrontSettings()
    redis = redis_client(settings.redis_url)
    services = {
        "stations": settings.stations_url,
        "proposals": settings.proposals_url,
        "notify": settings.notify_url,
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=10) as http:
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
    )
    app.state.settings = settings
    app.state.redis = redis
    app.state.keys = StreamKeys(settings.stream_prefix)
    app.state.services = services
    app.include_router(health_router(redis, services))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
