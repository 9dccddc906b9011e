"""Health, readiness, metrics and the API documents are open on every service: no token needed."""

from __future__ import annotations

import importlib
from pathlib import Path

import httpx
import pytest

from gonghui.cli.services import SERVICES
from tests.support.auth import operations, unguarded_routes

OPEN = ("/healthz", "/readyz", "/metrics", "/asyncapi", "/docs", "/openapi.json")


@pytest.mark.parametrize("service", list(SERVICES))
async def test_operations_endpoints_need_no_token(service: str, tmp_path: Path) -> None:
    entry = SERVICES[service]
    settings = entry.settings().model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'x.db'}"}
    )
    app = importlib.import_module(f"{entry.package}.bootstrap").create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://s"
    ) as http:
        answers = {path: (await http.get(path)).status_code for path in OPEN}
    assert answers["/healthz"] == 200
    assert 401 not in answers.values() and 403 not in answers.values(), answers


async def test_the_guard_check_sees_every_route(tmp_path: Path) -> None:
    entry = SERVICES["stations"]
    settings = entry.settings().model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'x.db'}"}
    )
    app = importlib.import_module(f"{entry.package}.bootstrap").create_app(settings)
    served = operations(app)
    assert ("GET", "/stations/{code}") in served
    assert await unguarded_routes(app, public=served) == []
    assert "GET /healthz -> 200" in await unguarded_routes(
        app, public=served - {("GET", "/healthz")}
    )
