"""A partner registers a station with plain redis-cli; the registry, map and inbox show it."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.shared.auth import Role
from tests.support.auth import bearer
from tests.support.builders import entry, station_data
from tests.support.servers import run_cli
from tests.support.system import RunningSystem, wait_until

pytestmark = pytest.mark.e2e

NEAR_GULOU = {"lat": 26.0880, "lon": 119.3030, "radius_m": 1500}


def xadd(url: str, stream: str, fields: dict[str, str]) -> str:
    """XADD with redis-cli, logged in as the department (`-c` follows a cluster's redirects)."""
    args = [item for pair in fields.items() for item in pair]
    done = subprocess.run(
        ["redis-cli", "-c", "-u", url, "--no-auth-warning", "XADD", stream, "*", *args],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return done.stdout.strip()


@pytest.fixture(params=["single", "cluster"])
def bus_mode(request: pytest.FixtureRequest) -> str:
    """The partner's flow on one Redis node and on a Redis Cluster."""
    return request.param


def reading_outboxes(system: RunningSystem, service: str) -> int:
    return httpx.get(system.url(service, "/readyz")).json()["subscribers"]["subscribers"]


def nearby(system: RunningSystem) -> list[dict]:
    return httpx.get(system.url("stations", "/stations"), params=NEAR_GULOU).json()["items"]


def notifications(system: RunningSystem) -> list[dict]:
    return httpx.get(
        system.url("notify", "/notifications"),
        params={"recipient": "role:station_admin"},
        headers=bearer(Role.UNION_ADMIN, sub="admin-1"),
    ).json()["items"]


def dead_letters(system: RunningSystem) -> list[dict]:
    return json.loads(run_cli("dlq", "list", "--json", env=system.env).stdout)


async def test_partner_registers_station_and_everyone_sees_it(
    system: RunningSystem, redis: Redis
) -> None:
    prefix = system.env["GONGHUI_STREAM_PREFIX"]
    added = run_cli("dept", "add", "cib-bank", "--name", "兴业银行福州分行", env=system.env)
    assert added.returncode == 0, added.stderr
    dept_url = added.stdout.strip().splitlines()[-1]
    assert dept_url.startswith(f"redis://{prefix.rstrip(':')}_dept_cib-bank:")
    outbox = f"{prefix}dept.cib-bank.outbox"
    wait_until(lambda: reading_outboxes(system, "stations") == 1)  # no restart needed

    good = entry("cib-bank", event_id="cib-0001")
    second = entry(
        "cib-bank",
        data=station_data(external_ref="CIB-FZ-0002", lat=26.0901, lon=119.2980),
        event_id="cib-0002",
    )
    not_json = entry("cib-bank", data="not json", event_id="bad-1")
    unknown_type = entry("cib-bank", "station.teleport.v1", data={}, event_id="bad-2")
    missing_field = entry(
        "cib-bank", data={k: v for k, v in station_data().items() if k != "lat"}, event_id="bad-3"
    )
    forged = entry("cib-bank", source="dept/police", event_id="bad-4")
    for fields in [not_json, good, unknown_type, missing_field, good, forged, second]:
        assert xadd(dept_url, outbox, fields), "the partner's XADD was refused"

    found = wait_until(lambda: len(nearby(system)) == 2 and nearby(system))
    assert found[0]["name"] == "兴业银行鼓楼支行爱心驿站"
    assert found[0]["distance_m"] < found[1]["distance_m"]

    station = httpx.get(system.url("stations", f"/stations/{found[0]['code']}")).json()
    assert station["operator"] == "cib-bank"
    assert station["manager_phone"] == "13800138000"
    assert station["open_hours"] == "Mo-Su 08:00-20:00"

    inbox = wait_until(lambda: len(notifications(system)) == 2 and notifications(system))
    assert {n["subject"] for n in inbox} == {s["code"] for s in found}
    assert all(n["title"].startswith("新站点登记") for n in inbox)

    letters = wait_until(lambda: len(dead_letters(system)) == 4 and dead_letters(system))
    assert sorted(letter["original"]["id"] for letter in letters) == [
        "bad-1",
        "bad-2",
        "bad-3",
        "bad-4",
    ]
    assert all(letter["reason"] and letter["group"] == "stations" for letter in letters)

    # The duplicate of `good` changed nothing: two stations, two events, two notifications.
    assert await redis.xlen(f"{prefix}stations.events") == 2
    assert len(notifications(system)) == 2
