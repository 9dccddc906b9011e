"""What a database refuses, or a value out of range, is the caller's 422, never a 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.exc import DataError

from gonghui.shared.http import answer_refusals
from gonghui.shared.inputs import MAX_BODY
from gonghui.shared.ratelimit import RateLimited


def _app() -> FastAPI:
    app = FastAPI(max_body_size=MAX_BODY)

    @app.get("/stored/{value}")
    async def stored(value: str) -> None:
        raise DataError("INSERT ...", {"value": value}, ValueError("value out of int32 range"))

    @app.get("/dates/{days}")
    async def dates(days: int) -> None:
        raise OverflowError("date value out of range")

    @app.get("/busy")
    async def busy() -> None:
        raise RateLimited("client 127.0.0.1", 2.2)

    @app.post("/bodies")
    async def bodies(body: dict[str, str]) -> None:
        return None

    answer_refusals(app)
    return app


async def test_a_value_the_database_refuses_is_a_422_with_its_reason() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as http:
        answer = await http.get("/stored/4294967296")
    assert answer.status_code == 422
    assert "out of int32 range" in answer.json()["detail"][0]["msg"]


async def test_a_value_out_of_range_is_a_422_with_its_reason() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as http:
        answer = await http.get("/dates/999999999")
    assert answer.status_code == 422
    assert "out of range" in answer.json()["detail"][0]["msg"]


async def test_a_body_over_the_limit_is_a_413() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as http:
        answer = await http.post("/bodies", json={"x": "y" * MAX_BODY})
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/plain") and answer.text


async def test_over_a_rate_limit_is_a_429_saying_when_to_come_back() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as http:
        answer = await http.get("/busy")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "3"
    assert "retry after" in answer.json()["detail"]
