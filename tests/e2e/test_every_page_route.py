"""Every page route of the front, for every kind of visitor, with odd input: each answer is a page
or a refusal with its reason, never a 500, a dropped connection or a traceback in any log.

The routes come from the front's own routers and the form fields from its templates, so a new
page or field is probed without this test changing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from gonghui.front.bootstrap import create_app
from gonghui.front.pages import TEMPLATES
from gonghui.front.settings import FrontSettings
from gonghui.shared.auth import Principal
from tests.e2e.pages import seed_cases as cases
from tests.support.auth import csrf_of
from tests.support.system import RunningSystem, shared_system

pytestmark = pytest.mark.e2e

PASSWORD = "Probe-pass-2026!"
PEOPLE: list[Principal | None] = [
    cases.REPRESENTATIVE,
    cases.UNIT_DESK,
    cases.ADMIN,
    cases.REVIEW_GROUP,
    None,
]
"""The anonymous visitor last: its odd sign-ins use up the address's sign-in attempts."""
ODD_SEGMENTS = ["0", "-1", "x" * 300, "%00", "😀", "..%2F..%2Fstats", "a b"]
ODD_VALUES = ["", "-1", "x" * 5000, "\x00", "1e400", "😀", "<script>", "9" * 40, "²"]
LEFT_OUT = ("/partner/", "/docs", "/openapi.json", "/healthz", "/readyz")
"""The partners' door (tested on its own) and the operations endpoints."""
STREAMING = "/events"
"""A case's live stream stays open: its own tests read it."""


@pytest.fixture(scope="module")
def probed(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningSystem, str]]:
    """The services and the front as processes, with a case at a unit and the people above."""
    with shared_system(redis_url, tmp_path_factory.mktemp("probe"), front=True) as (
        system,
        prefix,
    ):
        case_no = cases.seed_case(system.url("proposals"), redis_url, prefix, password=PASSWORD)
        yield system, case_no


def page_routes(redis_url: str) -> list[APIRoute]:
    """The front's page routes, from its routers."""
    app = create_app(FrontSettings(redis_url=redis_url))
    found: list[APIRoute] = []

    def walk(routes: list) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif (included := getattr(route, "original_router", None)) is not None:
                walk(included.routes)  # a router FastAPI includes as it is

    walk(app.routes)
    pages = [r for r in found if not r.path.startswith(LEFT_OUT)]
    assert len(pages) >= 30, f"only {len(pages)} page routes found: the walk missed routers"
    return pages


def form_fields() -> list[str]:
    """Every field name a page's form has."""
    names: set[str] = set()
    for template in Path(TEMPLATES).rglob("*.html"):
        names |= set(re.findall(r'name="([a-z_]+)"', template.read_text()))
    return sorted(names - {"csrf_token", "form_id", "viewport"})


def paths(route: APIRoute, case_no: str) -> list[str]:
    """The route's path with each parameter a real case number, then each odd segment."""
    params = re.findall(r"{(\w+)}", route.path)
    if not params:
        return [route.path]
    filled = []
    for value in [case_no, *ODD_SEGMENTS]:
        path = route.path
        for name in params:
            path = path.replace(f"{{{name}}}", value)
        filled.append(path)
    return filled


def signed_in(system: RunningSystem, person: Principal | None) -> tuple[httpx.Client, str]:
    """A browser session of `person` (anonymous if None) and its CSRF token."""
    web = httpx.Client(base_url=system.url("front"), timeout=30, follow_redirects=False)
    token = csrf_of(web.get("/sign-in"))
    if person is not None:
        form = {"account": person.sub, "password": PASSWORD, "csrf_token": token}
        assert web.post("/sign-in/password", data=form).status_code == 303
        token = csrf_of(web.get("/password"))
    return web, token


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p.role.value if p else "anonymous")
def test_no_page_route_breaks_on_odd_input(
    probed: tuple[RunningSystem, str], redis_url: str, person: Principal | None
) -> None:
    system, case_no = probed
    routes = page_routes(redis_url)
    fields = form_fields()
    web, token = signed_in(system, person)
    broken: list[str] = []
    sent = 0

    def send(method: str, path: str, **options: object) -> None:
        nonlocal sent
        sent += 1
        try:
            answer = web.request(method, path, **options)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            broken.append(f"{method} {path[:80]}: {type(exc).__name__}")
            return
        if answer.status_code >= 500:
            broken.append(f"{method} {path[:80]}: {answer.status_code} {answer.text[:120]}")

    try:
        for route in routes:
            for path in paths(route, case_no):
                if path.endswith(STREAMING):
                    continue
                if "GET" in route.methods:
                    send("GET", path)
                    for value in ODD_VALUES[:4]:
                        asked = {p.name: value for p in route.dependant.query_params}
                        send("GET", path, params={**asked, "page": value})
                signing = path.startswith("/sign-")  # signing out, or in as someone else
                if "POST" in route.methods and not (signing and person is not None):
                    for value in ODD_VALUES:
                        form = {name: value for name in fields}
                        send("POST", path, data={**form, "csrf_token": token})
    finally:
        web.close()
    tracebacks = {
        name: system.log(name).count("Traceback")
        for name in ("front", "stations", "proposals", "notify")
    }
    assert sent >= 400, f"only {sent} requests: the probe missed routes"
    assert not broken, "\n".join(broken[:20])
    assert not any(tracebacks.values()), tracebacks


def test_digits_that_are_not_decimal_are_refused_not_a_crash(
    probed: tuple[RunningSystem, str],
) -> None:
    """`"²".isdigit()` is true and `int("²")` fails: every number a form takes is read as such."""
    system, _ = probed
    web, token = signed_in(system, cases.ADMIN)
    try:
        for superscript in ("²", "１", "٣x"):
            rating = {"kind": "rating", "stars": superscript, "csrf_token": token}
            answer = web.post("/stations/350102-0001/feedback", data=rating)
            assert answer.status_code in (400, 404, 422), (superscript, answer.status_code)
            supply = {"item": "water", "count": superscript, "csrf_token": token}
            answer = web.post("/manage/350102-0001/supply", data=supply)
            assert answer.status_code in (400, 403, 404, 422), (superscript, answer.status_code)
    finally:
        web.close()
    assert system.log("front").count("Traceback") == 0
