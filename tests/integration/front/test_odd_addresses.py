"""Whatever a page's address holds, the front asks the services for that one thing: a `/`, a
`..` or a control character in it is part of the name looked up, never another route or a 500."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.system import RunningSystem, shared_system


@pytest.fixture(scope="module")
def system(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """The stations service and the front, each a process."""
    with shared_system(
        redis_url, tmp_path_factory.mktemp("odd-addresses"), services=("stations",), front=True
    ) as (system, _):
        yield system


def get_twice(system: RunningSystem, path: str) -> tuple[httpx.Response, httpx.Response]:
    """The page at `path`, then the health check on the same kept-alive connection."""
    with httpx.Client(base_url=system.url("front"), timeout=10) as web:
        return web.get(path), web.get("/healthz")


@pytest.mark.parametrize(
    "path",
    [
        "/stations/..%2Fvocabulary",
        "/stations/..%2F..%2Fhealthz",
        "/s/..%2Fvocabulary",
        "/stations/a%2Fb",
        "/stations/%3Fservice%3Drest",
    ],
)
def test_a_station_address_reaching_for_another_route_is_a_station_not_found(
    system: RunningSystem, path: str
) -> None:
    answer, after = get_twice(system, path)
    assert answer.status_code == 404, answer.text[:300]
    assert "找不到" in answer.text and answer.headers["content-type"].startswith("text/html")
    assert after.status_code == 200


@pytest.mark.parametrize("path", ["/stations/%00", "/s/%00", "/stations/%E4%B8%AD%0D%0A"])
def test_a_station_address_holding_control_characters_is_refused_with_the_reason(
    system: RunningSystem, path: str
) -> None:
    # It was a 500 that also dropped the connection: the front could not even build the URL.
    answer, after = get_twice(system, path)
    assert answer.status_code == 422, answer.text[:300]
    assert "control characters" in answer.text and "填写的内容有误" in answer.text
    assert after.status_code == 200
