"""A property-based fuzzer over every route of the three services finds no 5xx and nothing
outside the OpenAPI document.

The routes come from each app's own OpenAPI document, so a route added tomorrow is fuzzed
without touching this file. Each operation gets valid inputs (positive) and inputs that break
its schema (negative), sent anonymously or as one of the roles, against a migrated SQLite
database, real Redis and a running stream runtime. The seed is fixed and the number of
examples capped (`GONGHUI_FUZZ_EXAMPLES` per operation and mode, 5 by default; about a minute a
service here), so CI runs the same cases every time; raise the cap to search longer.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from redis.asyncio import Redis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gonghui.shared.auth import Role
from gonghui.shared.migrations import upgrade
from tests.support.auth import bearer

EXAMPLES = int(os.environ.get("GONGHUI_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CALLERS = [{}, *(bearer(role, sub=f"fuzz-{role.value}") for role in Role)]
"""Anonymous, then one person of every role."""
SETTINGS = {
    "stations": "StationsSettings",
    "proposals": "ProposalsSettings",
    "notify": "NotifySettings",
}


@pytest.mark.fuzz
@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_no_route_answers_a_server_error_or_outside_its_schema(
    service: str, redis: Redis, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    failures = asyncio.run(_fuzz(service, redis_url, prefix, tmp_path))
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)


async def _fuzz(service: str, redis_url: str, prefix: str, tmp_path: Path) -> list[str]:
    bootstrap = importlib.import_module(f"gonghui.{service}.bootstrap")
    settings_class = getattr(
        importlib.import_module(f"gonghui.{service}.settings"), SETTINGS[service]
    )
    database_url = f"sqlite:///{tmp_path / f'{service}.sqlite'}"
    await upgrade(bootstrap.MIGRATIONS, database_url)
    app = bootstrap.create_app(
        settings_class(database_url=database_url, redis_url=redis_url, stream_prefix=prefix)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as http,
    ):
        schema = schemathesis.openapi.from_dict(app.openapi())
        send, loop = _sender(http), asyncio.get_running_loop()
        # Hypothesis drives its examples synchronously, in a thread; each request runs here.
        return await asyncio.to_thread(
            _every_operation,
            schema,
            lambda kwargs: asyncio.run_coroutine_threadsafe(send(kwargs), loop).result(),
        )


def _sender(http: httpx.AsyncClient) -> Callable[[dict[str, Any]], Any]:
    async def send(kwargs: dict[str, Any]) -> httpx.Response:
        return await http.request(
            kwargs["method"],
            kwargs["url"],
            params=kwargs.get("params"),
            headers=kwargs.get("headers"),
            json=kwargs["json"] if "json" in kwargs else None,
            content=kwargs.get("data"),
        )

    return send


def _every_operation(schema: Any, send: Callable[[dict[str, Any]], httpx.Response]) -> list[str]:
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            found = _fuzz_operation(operation, mode, send)
            if found:
                failures.append(
                    f"{operation.method.upper()} {operation.path} ({mode.value}): {found}"
                )
                break
    return failures


def _fuzz_operation(
    operation: Any, mode: GenerationMode, send: Callable[[dict[str, Any]], httpx.Response]
) -> str | None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), caller=st.sampled_from(CALLERS))
    def examples(case: Any, caller: dict[str, str]) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://svc", headers=caller)
        case.validate_response(send(kwargs), checks=CHECKS, headers=kwargs.get("headers"))

    try:
        examples()
    except Unsatisfiable:
        return None  # nothing in this operation can be made invalid (no parameters, no body)
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis reports in groups
        return str(failure)
    return None
