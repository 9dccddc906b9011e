"""The HTTP face every service shares: health, readiness, metrics, AsyncAPI, error shape."""

from __future__ import annotations

import inspect
import json
import logging
import math
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import _validate_value_with_model_field
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import (
    validation_error_definition,
    validation_error_response_definition,
)
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute, _effective_route_context_var
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from sqlalchemy import text
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from gonghui.shared.apidocs import asyncapi_page, serve_offline_docs, wants_html
from gonghui.shared.auth import Authenticator, UserDirectory, auth_secret
from gonghui.shared.db import reads_only
from gonghui.shared.errors import ChangedMeanwhile, Conflict, NotFound
from gonghui.shared.inputs import MAX_BODY, json_safe, screen_input
from gonghui.shared.ratelimit import RateLimited
from gonghui.shared.runtime import StreamRuntime

log = logging.getLogger(__name__)

REFUSALS: dict[int, str] = {
    400: "A value broke a rule (`detail` says which), or the body is not UTF-8 JSON text.",
    401: "No valid bearer token: missing, malformed, expired or revoked.",
    403: "The caller's role, area or department may not do this; `detail` says why.",
    404: "No such thing; `detail` names it.",
    409: "The current state does not allow this, or someone changed it meanwhile.",
    413: "The request body is over 1 MiB.",
    422: "A value was refused; each entry of `detail` says where and why.",
    429: "Too many requests from this client; try again after `Retry-After` seconds.",
}
"""Every refusal a route may answer, documented on each route it applies to."""

_WRITES = {"post", "put", "patch", "delete"}
_REFUSAL_BODIES: dict[int, dict[str, Any]] = {
    code: {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
    for code in REFUSALS
}
_REFUSAL_BODIES[422] = {
    "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
}
_REFUSAL_BODIES[413] = {"text/plain": {"schema": {"type": "string"}}}
"""The validation list for 422; Starlette's plain text for 413; `{"detail": ...}` otherwise."""


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

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        dependencies=[Depends(screen_input)],
        max_body_size=MAX_BODY,
        docs_url=None,
        redoc_url=None,
    )
    serve_offline_docs(app)
    app.add_middleware(ReadsOnlyWhenSafe)
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

    answer_refusals(app)
    return app


class ReadsOnlyWhenSafe:
    """A GET or HEAD request reads the database and never writes it (`reads_only`): on SQLite
    it no longer waits behind the consumers' writes, and a route that wrote would fail loudly."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            with reads_only():
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


KEEP_ALIVE_S = 65
"""How long the services and the front keep an idle HTTP connection open. Longer than the
idle timeout of the proxies put in front of them (60 s for nginx upstreams and most load
balancers), so the proxy always closes first: a server that closes a kept-alive connection
just as a request goes out on it fails that request, and the caller only sees "disconnected"."""


class QueryRoute(APIRoute):
    """A route of query values only, read by a plan made once instead of FastAPI's per request.

    FastAPI works out again on every request what each parameter is (a list or one value, a
    model or not, under which name); on a hot route with eight parameters that costs several
    times the route's own work. This reads them as FastAPI does, with the same defaults,
    validators and 422 entries, and the OpenAPI document is FastAPI's own. The endpoint answers
    with a `Response` of its own. A route it cannot read alike, or an app with dependency
    overrides (tests), is left to FastAPI.
    """

    def get_route_handler(self) -> Callable[[Request], Any]:
        fastapi_handler = super().get_route_handler()
        # Included routes are served under their inclusion's dependant (the app's dependencies
        # added); FastAPI hands it over through this context variable while building handlers.
        effective = _effective_route_context_var.get()
        route = effective if effective is not None and effective.original_route is self else self
        dependant = route.dependant
        if not _reads_query_only(dependant):
            return fastapi_handler
        checks = [(sub.call, sub.request_param_name) for sub in dependant.dependencies]
        fields = [
            (field, field.alias, field_annotation_is_sequence(field.field_info.annotation))
            for field in dependant.query_params
        ]
        endpoint = dependant.call
        overrides = getattr(route.dependency_overrides_provider, "dependency_overrides", None)

        async def handle(request: Request) -> Response:
            if overrides:
                return await fastapi_handler(request)
            for check, request_name in checks:
                await check(**{request_name: request})
            query = request.query_params
            values: dict[str, Any] = {}
            errors: list[Any] = []
            for field, name, is_list in fields:
                sent = query.getlist(name) if is_list else query.get(name)
                value, refused = _validate_value_with_model_field(
                    field=field,
                    value=PydanticUndefined if sent is None or (is_list and not sent) else sent,
                    values=values,
                    loc=("query", name),
                )
                if refused:
                    errors.extend(refused)
                else:
                    values[field.name] = value
            if errors:
                raise RequestValidationError(errors)
            response = await endpoint(**values)  # type: ignore[misc]
            if not isinstance(response, Response):
                raise TypeError(f"{self.path}: a QueryRoute's endpoint must return a Response")
            return response

        return handle


def _reads_query_only(dependant: Dependant) -> bool:
    """Query values under one name each, and checks (like the input screen) given the request."""
    asks = _parameters(dependant)
    if not asks <= {"query", "depends"} or not inspect.iscoroutinefunction(dependant.call):
        return False
    for field in dependant.query_params:
        info = field.field_info
        if info.validation_alias not in (None, field.alias) or _is_model(info.annotation):
            return False
    return all(
        _parameters(sub) == {"request"} and inspect.iscoroutinefunction(sub.call)
        for sub in dependant.dependencies
    )


def _parameters(dependant: Dependant) -> set[str]:
    """What a call asks FastAPI for, by kind; "depends" when it has dependencies of its own."""
    kinds = {
        "query": dependant.query_params,
        "path": dependant.path_params,
        "header": dependant.header_params,
        "cookie": dependant.cookie_params,
        "body": dependant.body_params,
        "request": dependant.request_param_name,
        "websocket": dependant.websocket_param_name,
        "connection": dependant.http_connection_param_name,
        "response": dependant.response_param_name,
        "background": dependant.background_tasks_param_name,
        "scopes": dependant.security_scopes_param_name,
    }
    return {kind for kind, asked in kinds.items() if asked} | (
        {"depends"} if dependant.dependencies else set()
    )


def _is_model(annotation: Any) -> bool:
    """A pydantic model, alone or optional: FastAPI reads it from several query values."""
    members = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    return any(
        isinstance(member, type) and issubclass(member, BaseModel)
        for member in (annotation, *members)
    )


def answer_refusals(app: FastAPI) -> None:
    """Every malformed request a 4xx with its reason, and every refusal in the OpenAPI document.

    The input screen refuses what it can foresee; what still reaches the database and is
    refused there (a value PostgreSQL cannot store, an integer SQLite cannot bind) is the
    caller's value too, and answers 422 instead of 500.
    """

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The default handler fails (500) on an input JSON cannot carry, such as 1e400.
        return JSONResponse(status_code=422, content={"detail": json_safe(list(exc.errors()))})

    @app.exception_handler(DataError)
    async def _refused_by_database(request: Request, exc: DataError) -> JSONResponse:
        log.info("%s %s: the database refused a value: %s", request.method, request.url.path, exc)
        return _unprocessable(f"the database refused a value: {str(exc.orig).splitlines()[0]}")

    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, exc: OverflowError) -> JSONResponse:
        log.info("%s %s: a value out of range: %s", request.method, request.url.path, exc)
        return _unprocessable(f"a value is out of range: {exc}")

    @app.exception_handler(RateLimited)
    async def _too_many(_: Request, exc: RateLimited) -> JSONResponse:
        retry_after = str(max(1, math.ceil(exc.retry_after_s)))
        return JSONResponse(
            status_code=429, content={"detail": str(exc)}, headers={"Retry-After": retry_after}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            # Starlette names only the methods of the first route on the path.
            allow = ", ".join(_methods_for(app, request.url.path))
            exc = StarletteHTTPException(405, exc.detail, headers={"Allow": allow})
        return await http_exception_handler(request, exc)

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_refusals(generate())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _unprocessable(reason: str) -> JSONResponse:
    detail = [{"type": "value_error", "loc": ["request"], "msg": reason}]
    return JSONResponse(status_code=422, content={"detail": detail})


def _methods_for(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves on `path` (HEAD wherever GET is)."""
    methods: set[str] = set()
    for template, operations in app.openapi()["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            methods.update(m.upper() for m in operations)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _document_refusals(schema: dict[str, Any]) -> None:
    """Add the refusals each operation may answer to its responses, with their body schema."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ValidationError", validation_error_definition)
    components.setdefault("HTTPValidationError", validation_error_response_definition)
    components["Refusal"] = {
        "title": "Refusal",
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": "Why, zh-CN first with the English key."}
        },
        "required": ["detail"],
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            codes = {422}
            if operation.get("security"):
                codes |= {401, 403}
            if "{" in path or method in _WRITES or operation.get("security"):
                codes.add(404)
            if method in _WRITES:
                codes |= {409, 429}
            if operation.get("parameters") or "requestBody" in operation:
                codes.add(400)
            if "requestBody" in operation:
                codes.add(413)
            responses = operation.setdefault("responses", {})
            # A route may declare a refusal of its own (a public route's 403): it keeps its
            # description and gets the shared body.
            codes |= {int(code) for code in responses if code.isdigit() and int(code) in REFUSALS}
            for code in sorted(codes):
                response = responses.setdefault(str(code), {"description": REFUSALS[code]})
                response.setdefault("content", _REFUSAL_BODIES[code])


def _operations(runtime: StreamRuntime, engine: AsyncEngine) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Database, Redis and every subscriber are up",
        responses={503: {"description": "Not ready: the body says what is down."}},
    )
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
            checks["redis"] = f"down: {type(exc).__name__}: {exc}"[:200]
        streams = runtime.readiness()
        checks["subscribers"] = streams
        ready = checks["database"] == "ok" and checks["redis"] == "ok" and streams["ready"]
        return JSONResponse(status_code=200 if ready else 503, content={"ready": ready, **checks})

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    async def prometheus_metrics() -> Response:
        runtime.readiness()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get(
        "/asyncapi",
        summary="AsyncAPI 3.0 document of the streams (a page for browsers, else JSON)",
        responses={200: {"content": {"application/json": {}, "text/html": {}}}},
    )
    async def asyncapi(request: Request, format: str | None = None) -> Response:
        document = runtime.asyncapi()
        if format != "json" and wants_html(request.headers.get("accept")):
            return HTMLResponse(asyncapi_page(json.loads(document)))
        return Response(document, media_type="application/json")

    return router
