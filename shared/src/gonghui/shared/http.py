"""The HTTP face every service shares: health, readiness, metrics, AsyncAPI, error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gonghui.shared.auth import Authenticator, UserDirectory, auth_secret
from gonghui.shared.errors import ChangedMeanwhile, Conflict, NotFound
from gonghui.shared.runtime import StreamRuntime


def create_service_app(
    *,
    title: str,
    description: str,
    runtime: StreamRuntime,
    engine: AsyncEngine,
    routers: Sequence[APIRouter],
    on_shutdown: Callable[[], Any] | None = None,
) -> FastAPI:
    """A FastAPI app that runs the service's stream runtime for its whole life."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()
            if on_shutdown is not None:
                await on_shutdown()
            await engine.dispose()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.engine = engine
    app.state.authenticate = Authenticator(
        secret=auth_secret(), users=UserDirectory(runtime.redis, runtime.keys)
    )
    app.include_router(_operations(runtime, engine))
    for router in routers:
        app.include_router(router)

    @app.exception_handler(Conflict)
    @app.exception_handler(ChangedMeanwhile)
    async def _conflict(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    return app


def _operations(runtime: StreamRuntime, engine: AsyncEngine) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Database, Redis and every subscriber are up")
    async def readyz() -> JSONResponse:
        checks: dict[str, Any] = {}
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        try:
            await runtime.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
        streams = runtime.readiness()
        checks["subscribers"] = streams
        ready = checks["database"] == "ok" and checks["redis"] == "ok" and streams["ready"]
        return JSONResponse(status_code=200 if ready else 503, content={"ready": ready, **checks})

    @router.get("/metrics", summary="Prometheus metrics")
    async def prometheus_metrics() -> Response:
        runtime.readiness()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi", summary="AsyncAPI 3.0 document of the streams")
    async def asyncapi() -> Response:
        return Response(runtime.asyncapi(), media_type="application/json")

    return router
