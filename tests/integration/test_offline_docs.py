"""Every service documents itself with nothing from the internet: Swagger UI from its own
assets, and AsyncAPI as a page for browsers (JSON for programs)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gonghui.front.bootstrap import create_app as front_app
from gonghui.front.settings import FrontSettings
from gonghui.notify.bootstrap import create_app as notify_app
from gonghui.notify.settings import NotifySettings
from gonghui.proposals.bootstrap import create_app as proposals_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.stations.bootstrap import create_app as stations_app
from gonghui.stations.settings import StationsSettings

SERVICES = {
    "stations": (stations_app, StationsSettings),
    "proposals": (proposals_app, ProposalsSettings),
    "notify": (notify_app, NotifySettings),
}


def app_of(name: str, tmp_path: Path, redis_url: str) -> FastAPI:
    if name == "front":
        return front_app(FrontSettings(redis_url=redis_url))
    create_app, settings = SERVICES[name]
    return create_app(
        settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", redis_url=redis_url)
    )


@pytest.fixture(params=[*sorted(SERVICES), "front"])
async def api(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """One app in-process (its lifespan not started: the documents need no consumers)."""
    app = app_of(request.param, tmp_path, redis_url)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://service"
    ) as client:
        yield client


async def test_docs_load_swagger_ui_from_the_service_itself(api: httpx.AsyncClient) -> None:
    page = await api.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        asset = await api.get(source)
        assert asset.status_code == 200 and len(asset.content) > 500, source
    assert "cdn" not in page.text.lower()


async def test_asyncapi_is_a_page_for_browsers_and_json_for_programs(
    api: httpx.AsyncClient,
) -> None:
    if (await api.get("/asyncapi")).status_code == 404:
        pytest.skip("the front has no streams of its own")
    document = (await api.get("/asyncapi")).json()
    page = await api.get("/asyncapi", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.headers["content-type"].startswith("text/html")
    assert f"<h1>{document['info']['title']}</h1>" in page.text
    for channel in document["channels"]:
        assert f"id='channel-{channel}'" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    forced = await api.get("/asyncapi?format=json", headers={"Accept": "text/html"})
    assert forced.json() == document
