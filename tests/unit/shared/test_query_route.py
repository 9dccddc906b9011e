"""A `QueryRoute` answers every query, good or bad, exactly as FastAPI's own handling does."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from gonghui.shared.contracts.common import Instant
from gonghui.shared.http import QueryRoute, answer_refusals
from gonghui.shared.inputs import MAX_BODY, screen_input


class Kind(StrEnum):
    WATER = "water"
    REST = "rest"


async def search(
    lat: Annotated[float, Query(ge=-90, le=90)],
    radius_m: Annotated[float, Query(gt=0, le=50_000)] = 2_000,
    kind: Annotated[list[Kind] | None, Query()] = None,
    open_now: bool = False,
    at: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Response:
    """Echo what was read, so both readings can be compared."""
    read = f"{lat!r} {radius_m!r} {kind!r} {open_now!r} {at!r} {limit!r}"
    return Response(read, media_type="text/plain")


async def with_request(request: Request, lat: float) -> Response:
    """A route that asks for the request itself: left to FastAPI."""
    return Response(f"{request.url.path} {lat!r}", media_type="text/plain")


def _app(route_class: type[APIRoute]) -> FastAPI:
    app = FastAPI(dependencies=[Depends(screen_input)], max_body_size=MAX_BODY)
    router = APIRouter()
    router.add_api_route("/search", search, methods=["GET"], route_class_override=route_class)
    router.add_api_route("/own", with_request, methods=["GET"], route_class_override=route_class)
    app.include_router(router)
    answer_refusals(app)
    return app


QUERIES = [
    "/search?lat=30",
    "/search",
    "/search?lat=abc",
    "/search?lat=91&radius_m=0&limit=201",
    "/search?lat=30&radius_m=1e400",
    "/search?lat=30&kind=water&kind=rest&open_now=true&at=2026-11-28T12:30:00%2B08:00",
    "/search?lat=30&kind=nope&open_now=yes&at=2026-11-28",
    "/search?lat=30&kind=&limit=&open_now=",
    "/search?lat=30&lat=31&other=1",
    "/search?lat=30%00",
    "/own?lat=30",
    "/own?lat=x",
]


@pytest.mark.parametrize("path", QUERIES)
async def test_a_query_route_answers_as_fastapi_does(path: str) -> None:
    answers = []
    for route_class in (APIRoute, QueryRoute):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=_app(route_class)), base_url="http://t"
        ) as http:
            answer = await http.get(path)
        answers.append((answer.status_code, answer.headers.get("content-type"), answer.text))
    assert answers[0] == answers[1]


def test_a_query_route_documents_itself_as_fastapi_does() -> None:
    assert _app(QueryRoute).openapi() == _app(APIRoute).openapi()


async def test_a_query_route_still_rejects_a_time_without_zone() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app(QueryRoute)), base_url="http://t"
    ) as http:
        answer = await http.get("/search?lat=30&at=2026-11-28T12:30:00")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "at"]


async def test_a_query_route_reads_by_its_plan_and_leaves_other_routes_to_fastapi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    solved: list[str] = []
    solve = fastapi.routing.solve_dependencies

    async def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        solved.append(kwargs["request"].url.path)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app(QueryRoute)), base_url="http://t"
    ) as http:
        assert (await http.get("/search?lat=30")).status_code == 200
        assert (await http.get("/own?lat=30")).status_code == 200
    assert solved == ["/own"]
