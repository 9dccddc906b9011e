"""A partner runs its station through its life over real streams; workers find it and sign up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from gonghui.shared.auth import Role
from tests.support.auth import bearer
from tests.support.builders import entry, station_data
from tests.support.servers import run_cli
from tests.support.system import RunningSystem, eventually, running_system, wait_until

pytestmark = pytest.mark.e2e

GULOU = {"lat": 26.0880, "lon": 119.3030}
STAFF = "省总工会-陈敏"
STAFF_TOKEN = bearer(Role.UNION_ADMIN, sub=STAFF, area="350000")
SIX_PASS = {
    c: {"passed": True, "note": "现场核查"}
    for c in ("sign", "layout", "facilities", "services", "rules", "map_info")
}


@pytest.fixture
def stations_only(redis_url: str, prefix: str, tmp_path: Path, redis) -> RunningSystem:
    """Just the stations service and its relay, as processes."""
    with running_system(
        redis_url=redis_url, prefix=prefix, workdir=tmp_path, services=("stations",)
    ) as running:
        yield running


def add_department(system: RunningSystem, code: str, name: str) -> str:
    added = run_cli("dept", "add", code, "--name", name, env=system.env)
    assert added.returncode == 0, added.stderr
    return added.stdout.strip().splitlines()[-1]


def search(system: RunningSystem, **params: Any) -> list[dict[str, Any]]:
    url = system.url("stations", "/stations")
    return httpx.get(url, params={**GULOU, "radius_m": 3000, **params}).json()["items"]


def post(system: RunningSystem, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST JSON to the stations service as union staff."""
    return httpx.post(system.url("stations", path), json=body, headers=STAFF_TOKEN)


def get(system: RunningSystem, path: str) -> Any:
    """GET JSON from the stations service as union staff."""
    return httpx.get(system.url("stations", path), headers=STAFF_TOKEN).json()


async def xadd(redis: Redis, stream: str, fields: dict[str, str]) -> None:
    await redis.xadd(stream, fields)


async def test_partner_lifecycle_nearest_open_search_and_sign_up(
    stations_only: RunningSystem, redis: Redis
) -> None:
    system = stations_only
    prefix = system.env["GONGHUI_STREAM_PREFIX"]
    add_department(system, "cib-bank", "兴业银行福州分行")
    add_department(system, "rcc-bank", "福建农信")
    wait_until(
        lambda: (
            httpx.get(system.url("stations", "/readyz")).json()["subscribers"]["subscribers"] == 2
        )
    )
    cib, rcc = f"{prefix}dept.cib-bank.outbox", f"{prefix}dept.rcc-bank.outbox"
    no_water = station_data(
        external_ref="CIB-FZ-0002",
        name="兴业银行东街支行驿站",
        services=["rest"],
        lat=26.0885,
        lon=119.3031,
    )
    await xadd(redis, cib, entry("cib-bank", data=station_data(open_hours="24/7"), event_id="r1"))
    await xadd(redis, cib, entry("cib-bank", data=no_water | {"open_hours": "24/7"}, event_id="r2"))
    found = wait_until(lambda: len(search(system)) == 2 and search(system))
    codes = {s["name"]: s["code"] for s in found}
    code = codes["兴业银行鼓楼支行爱心驿站"]
    assert code == "350102-0001"
    assert search(system, open_now="true") == []  # proposed: not open to workers yet

    for c in codes.values():
        assessed = post(
            system,
            f"/stations/{c}/assessments",
            {"assessor": "李审", "criteria": SIX_PASS, "map_verified_on": "2026-11-20"},
        )
        assert assessed.status_code == 201
        activated = post(system, f"/stations/{c}/activate", {"actor": STAFF, "reason": "六有达标"})
        assert activated.is_success
    nearest = search(system, open_now="true", service="drinking_water")
    assert [s["code"] for s in nearest] == [code] and nearest[0]["open_now"]

    suspend = {"external_ref": "CIB-FZ-0001", "reason": "网点装修", "until": "2099-01-01T00:00:00Z"}
    await xadd(redis, cib, entry("cib-bank", "station.suspend.v1", suspend, event_id="s1"))
    wait_until(lambda: search(system, open_now="true", service="drinking_water") == [])
    await xadd(
        redis,
        rcc,
        entry("rcc-bank", "station.exit.v1", {"code": code, "reason": "抢先撤站"}, event_id="x1"),
    )
    letters = wait_until(
        lambda: json.loads(run_cli("dlq", "list", "--json", env=system.env).stdout)
    )
    assert [(letter["original"]["id"], letter["reason"]) for letter in letters] == [
        ("x1", f"rcc-bank does not operate station {code}")
    ]
    history = get(system, f"/stations/{code}/history")
    assert [(h["to_status"], h["actor"]) for h in history] == [
        ("active", STAFF),
        ("suspended", "dept/cib-bank"),
    ]

    activity = post(
        system,
        "/activities",
        {
            "title": "骑手安全骑行讲座",
            "place": "兴业银行东街支行",
            "capacity": 1,
            "actor": STAFF,
            "station_code": codes["兴业银行鼓楼支行爱心驿站"],
            "starts_at": "2099-01-02T09:00:00+08:00",
            "ends_at": "2099-01-02T11:00:00+08:00",
        },
    ).json()
    signups = [
        post(system, f"/activities/{activity['id']}/signups", {"worker_id": w}).json()["status"]
        for w in ("rider-1", "rider-2")
    ]
    assert signups == ["confirmed", "waitlisted"]

    published = await published_types(redis, f"{prefix}stations.events", "activity.signed_up.v1")
    assert published.count("station.registered.v1") == 2
    assert "station.suspended.v1" in published and "station.exited.v1" not in published


async def published_types(redis: Redis, stream: str, last: str) -> list[str]:
    """The types the relay put on the stream, once `last` is among them."""

    async def once_last_is_there() -> list[str] | None:
        types = [fields[b"type"].decode() for _, fields in await redis.xrange(stream)]
        return types if last in types else None

    return await eventually(once_last_is_there, within=10, failing=f"{last} never reached {stream}")
