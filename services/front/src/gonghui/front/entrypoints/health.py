"""Health of the front: alive, and ready when Redis and the services it calls answer."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis


def health_router(redis: Redis, services: dict[str, str]) -> APIRouter:
    """`/healthz` and `/readyz` of the front."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Redis and every service the front calls are up")
    async def readyz(request: Request) -> JSONResponse:
        http = request.app.state.http

        async def service(url: str) -> str:
            try:
                answer = await http.get(f"{url}/readyz", timeout=2)
            except Exception as exc:
                return f"down: {type(exc).__name__}"
            return "ok" if answer.status_code == 200 else f"not ready ({answer.status_code})"

        try:
            await redis.ping()
            checks = {"redis": "ok"}
        except Exception as exc:
            checks = {"redis": f"down: {type(exc).__name__}"}
        answers = await asyncio.gather(*(service(url) for url in services.values()))
        checks.update(dict(zip(services, answers, strict=True)))
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(status_code=200 if ready else 503, content={"ready": ready, **checks})

    return router
