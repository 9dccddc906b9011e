"""Bearer tokens for tests, and the check that every non-public route asks for one."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from gonghui.shared.auth import Principal, Role, auth_secret, issue_token


def bearer(
    role: Role, *, sub: str = "u-test", area: str | None = None, department: str | None = None
) -> dict[str, str]:
    """An Authorization header for a person with `role` (signed with the suite's secret)."""
    principal = Principal(sub=sub, role=role, area=area, department=department)
    token, _ = issue_token(principal, secret=auth_secret())
    return {"Authorization": f"Bearer {token}"}


async def unguarded_routes(app: FastAPI, *, public: set[tuple[str, str]]) -> list[str]:
    """Routes outside `public` that answer an anonymous caller with anything but 401."""
    unguarded = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service"
    ) as http:
        for method, route_path in sorted(endpoints(app) - public):
            path = re.sub(r"\{[^}]+\}", "x", route_path)
            response = await http.request(method, path, json={})
            if response.status_code != 401:
                unguarded.append(f"{method} {route_path} -> {response.status_code}")
    return unguarded


METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def endpoints(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves: its own routes and those of included routers."""
    # FastAPI 0.165 keeps included routers as opaque entries of app.routes, so the OpenAPI
    # document is the public place that lists their paths.
    found = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods - {"HEAD"}
    }
    for path, operations in app.openapi()["paths"].items():
        found |= {(method.upper(), path) for method in operations if method.upper() in METHODS}
    return found
