"""The gateway's door (:8000) routes every path of every service, and the front keeps its own."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fastapi import FastAPI

ROUTES = Path(__file__).parents[2] / "deploy" / "haproxy" / "routes.map"
OWN_PORT_ONLY = {
    "healthz",
    "readyz",
    "metrics",
    "asyncapi",
    "docs",
    "docs-assets",
    "redoc",
    "openapi.json",
}
"""Every service has these; through the door they are the front's, on 8001-8003 each service's."""


def routes() -> dict[str, str]:
    """routes.map as HAProxy reads it: first path segment -> backend."""
    table: dict[str, str] = {}
    for line in ROUTES.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            segment, backend = line.split()
            assert segment not in table, f"{segment} listed twice"
            table[segment] = backend
    return table


def first_segments(app: FastAPI) -> set[str]:
    paths = set(app.openapi()["paths"]) | {getattr(r, "path", "") for r in app.routes}
    return {p.strip("/").split("/")[0] for p in paths if p} - {""}


def app_of(service: str, redis_url: str, tmp_path: Path) -> FastAPI:
    package = f"gonghui.{service}"
    settings_class = {
        "stations": "StationsSettings",
        "proposals": "ProposalsSettings",
        "notify": "NotifySettings",
        "front": "FrontSettings",
    }[service]
    settings_type = getattr(importlib.import_module(f"{package}.settings"), settings_class)
    options = {"redis_url": redis_url}
    if service != "front":
        options["database_url"] = f"sqlite:///{tmp_path / service}.db"
    return importlib.import_module(f"{package}.bootstrap").create_app(settings_type(**options))


@pytest.mark.parametrize("service", ["stations", "proposals", "notify"])
def test_every_route_of_a_service_reaches_it_through_the_door(
    service: str, redis_url: str, tmp_path: Path
) -> None:
    table = routes()
    segments = first_segments(app_of(service, redis_url, tmp_path)) - OWN_PORT_ONLY
    missing = sorted(s for s in segments if table.get(s) != service)
    assert not missing, f"add to {ROUTES.name}: " + ", ".join(f"{s} {service}" for s in missing)
    stale = sorted(s for s, b in table.items() if b == service and s not in segments)
    assert not stale, f"{ROUTES.name} routes to {service} what it does not serve: {stale}"


def test_the_fronts_own_paths_are_not_taken_by_a_service(redis_url: str, tmp_path: Path) -> None:
    table = routes()
    front = first_segments(app_of("front", redis_url, tmp_path)) - OWN_PORT_ONLY
    taken = sorted(s for s in front if table.get(s, "front") != "front")
    assert not taken, f"the front serves {taken}, which {ROUTES.name} sends to a service"
    assert table["static"] == table["partner"] == "front"
    assert set(table.values()) == {"front", "stations", "proposals", "notify"}
