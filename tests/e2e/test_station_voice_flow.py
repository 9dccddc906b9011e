"""Workers' voice and dynamic management as processes on real streams: a worker checks in with
the station's QR code, rates and complains; the complaints reach the union's station admins
through notify and open a re-inspection; a suspension ends by itself at its until-date."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis as SyncRedis

from gonghui.shared.auth import Role
from tests.support.auth import bearer
from tests.support.builders import station_data
from tests.support.system import RunningSystem, running_system, wait_until

pytestmark = pytest.mark.e2e

STAFF = bearer(Role.UNION_ADMIN, sub="嘉兴市总-沈", area="330400")
ADMIN = bearer(Role.UNION_ADMIN, sub="admin-1")
SIX_PASS = {
    c: {"passed": True, "note": "现场核查"}
    for c in ("sign", "layout", "facilities", "services", "rules", "map_info")
}


@pytest.fixture
def system(redis_url: str, prefix: str, tmp_path: Path, redis) -> Iterator[RunningSystem]:
    """Stations and notify with their relays; the suspension job runs every half second."""
    env = {"STATIONS_SUSPENSION_CHECK_S": "0.5", "STATIONS_COMPLAINT_THRESHOLD": "2"}
    with running_system(
        redis_url=redis_url,
        prefix=prefix,
        workdir=tmp_path,
        services=("stations", "notify"),
        extra_env=env,
    ) as running:
        yield running


def call(system: RunningSystem, method: str, path: str, body: Any = None, **kw: Any) -> Any:
    response = httpx.request(
        method, system.url("stations", path), json=body, timeout=10, **{"headers": STAFF, **kw}
    )
    assert response.is_success, (path, response.status_code, response.text)
    return response.json()


def events(system: RunningSystem, type_name: str) -> list[dict[str, Any]]:
    """The data of every entry of one type on stations.events."""
    client = SyncRedis.from_url(system.env["REDIS_URL"])
    try:
        stream = system.env["GONGHUI_STREAM_PREFIX"] + "stations.events"
        return [
            json.loads(fields[b"data"])
            for _, fields in client.xrange(stream)
            if fields[b"type"].decode() == type_name
        ]
    finally:
        client.close()


def test_workers_voice_reaches_the_union_and_suspensions_end_by_themselves(
    system: RunningSystem,
) -> None:
    body = station_data(
        external_ref="PH-0001",
        name="平湖当湖街道户外劳动者驿站",
        address="浙江省嘉兴市平湖市当湖街道新华北路",
        lat=30.70,
        lon=121.02,
        open_hours="Mo-Su 06:00-22:00; PH off",
    )
    station = call(system, "POST", "/stations", body)
    code = station["code"]
    assert code == "330482-0001" and station["area_name"] == "浙江省嘉兴市平湖市"
    call(
        system,
        "POST",
        f"/stations/{code}/assessments",
        {"criteria": SIX_PASS, "map_verified_on": "2026-11-20"},
    )
    call(system, "POST", f"/stations/{code}/activate", {"reason": "六有达标"})

    qr = call(system, "GET", f"/stations/{code}/qr")
    public = {"headers": {}}
    visit = {"worker_id": "rider-88", "token": qr["token"]}
    assert call(system, "POST", f"/stations/{code}/visits", visit, **public)["first_today"]
    call(system, "POST", f"/stations/{code}/feedback", {"kind": "rating", "stars": 4}, **public)
    for text in ("说好六点开门，七点还关着", "饮水机没有热水，电话13812345678"):
        complaint = {"kind": "complaint", "category": "closed_when_open", "text": text}
        call(system, "POST", f"/stations/{code}/feedback", complaint, **public)

    def told() -> list[dict[str, Any]]:
        return httpx.get(
            system.url("notify", "/notifications"),
            params={"recipient": "role:station_admin"},
            headers=ADMIN,
        ).json()["items"]

    complaints = wait_until(
        lambda: len([n for n in told() if "投诉" in n["title"]]) == 2 and told()
    )
    titles = sorted(n["title"] for n in complaints if "投诉" in n["title"])
    assert titles == ["站点投诉：平湖当湖街道户外劳动者驿站（标注开放却关门）"] * 2
    assert all("13812345678" not in n["body"] for n in complaints)
    assert wait_until(lambda: events(system, "station.reinspection_opened.v1"))[0]["code"] == code
    assert call(system, "GET", f"/stations/{code}")["reinspection"] == "open"

    until = datetime.now(UTC) + timedelta(seconds=3)
    call(
        system,
        "POST",
        f"/stations/{code}/suspend",
        {"reason": "台风停业", "until": until.isoformat()},
    )
    assert call(system, "GET", f"/stations/{code}")["open_phrase"].startswith("暂停服务")
    resumed = wait_until(lambda: events(system, "station.resumed.v1"), timeout=30)
    assert [(e["code"], e["actor"]) for e in resumed] == [(code, "gonghui/stations")]
    assert call(system, "GET", f"/stations/{code}")["status"] == "active"
