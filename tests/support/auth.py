"""Bearer tokens for tests, the CSRF token a page gives, and the check that every non-public
route asks for one."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from gonghui.shared.auth import Principal, Role, auth_secret, issue_token


def bearer(
    role: Role, *, sub: str = "u-test", area: str | None = None, department: str | None = None
) -> dict[str, str]:
    """An Authorization header for a person with `role` (signed with the suite's secret)."""
    principal = Principal(sub=sub, role=role, area=area, department=department)
    token, _ = issue_token(principal, secret=auth_secret())
    return {"Authorization": f"Bearer {token}"}


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token a page embeds for its forms."""
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def unguarded_routes(app: FastAPI, *, public: set[tuple[str, str]]) -> list[str]:
    """Routes outside `public` that answer an anonymous caller with anything but 401.

    The routes come from the OpenAPI document: FastAPI nests included routers' routes, so
    `app.routes` does not list them all.
    """
    unguarded = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service"
    ) as http:
        for path, operations in app.openapi()["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "x", path)
            for method in sorted(m.upper() for m in operations):
                if (method, path) in public:
                    continue
                response = await http.request(method, concrete, json={})
                if response.status_code != 401:
                    unguarded.append(f"{method} {path} -> {response.status_code}")
    return unguarded


def operations(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, from its OpenAPI document."""
    return {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
