"""Notify as a process on real streams: the proposal loop, an overdue hotline case, a broadcast."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from gonghui.notify.adapters.channels import new_webhook_secret
from gonghui.shared.auth import Role
from gonghui.shared.envelope import CloudEvent
from tests.support.auth import bearer
from tests.support.builders import entry
from tests.support.servers import run_cli
from tests.support.sinks import HttpSink, threaded_http_sink
from tests.support.system import RunningSystem, running_system, wait_until

pytestmark = pytest.mark.e2e

ADMIN = bearer(Role.UNION_ADMIN, sub="admin-1")
CASE = "P-2026-0042"
HOTLINE = "H-12351-0007"


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    with threaded_http_sink() as running:
        yield running


@pytest.fixture
def notify(redis_url: str, prefix: str, tmp_path: Path, redis) -> Iterator[RunningSystem]:
    """Only notify and its relay; the other services' events are written as they would be."""
    env = {"NOTIFY_BROADCAST_DEPARTMENTS": "weather", "NOTIFY_DISPATCH_INTERVAL_S": "0.05"}
    with running_system(
        redis_url=redis_url, prefix=prefix, workdir=tmp_path, services=("notify",), extra_env=env
    ) as running:
        yield running


def announce(redis_url: str, stream: str, event: CloudEvent) -> None:
    """What the proposals (or stations) relay would XADD."""
    args = [item for pair in event.to_fields().items() for item in pair]
    subprocess.run(
        ["redis-cli", "-u", redis_url, "XADD", stream, "*", *args], check=True, capture_output=True
    )


def proposal_event(type_name: str, subject: str, data: dict) -> CloudEvent:
    return CloudEvent.create(source="gonghui/proposals", type=type_name, data=data, subject=subject)


def put(system: RunningSystem, path: str, body: dict) -> None:
    response = httpx.put(system.url("notify", path), json=body, headers=ADMIN, timeout=10)
    assert response.status_code == 200, response.text


def test_proposal_loop_and_overdue_hotline_reach_each_person_once(
    notify: RunningSystem, sink: HttpSink
) -> None:
    stream = notify.env["GONGHUI_STREAM_PREFIX"] + "proposals.events"
    secrets = {}
    for rid, supervisor in [
        ("rep-001", None),
        ("role:review_group", None),
        ("dept:transport", None),
        ("role:supervisor", None),
        ("handler-007", "chief-1"),
        ("chief-1", None),
    ]:
        secrets[rid] = new_webhook_secret()
        hook = {"kind": "webhook", "address": sink.url(f"/{rid}"), "secret": secrets[rid]}
        put(
            notify,
            f"/recipients/{rid}",
            {"name": rid, "channels": [hook], "supervisor": supervisor},
        )

    base = {"proposal_id": CASE, "kind": "proposal", "submitted_by": "rep-001"}
    now = datetime.now(UTC).isoformat()
    moves = [
        ("submit", "submission", "submitted"),
        ("accept", "review", "accepted"),
        ("assign", "assignment", "assigned"),
        ("accept_assignment", "handling", "in_progress"),
        ("complete", "handling", "completed"),
        ("verify", "supervision", "verified"),
        ("feedback", "feedback", "closed"),
    ]
    steps = [
        proposal_event(
            "proposal.submitted.v1", CASE, {**base, "title": "货车司机之家", "submitted_at": now}
        ),
        *(
            proposal_event(
                "proposal.transitioned.v1",
                CASE,
                {
                    **base,
                    "seq": seq,
                    "action": action,
                    "step": step,
                    "to_status": status,
                    "actor": "someone",
                    "at": now,
                    "unit_code": "transport" if seq > 2 else None,
                },
            )
            for seq, (action, step, status) in enumerate(moves, start=1)
        ),
        proposal_event(
            "proposal.overdue.v1",
            HOTLINE,
            {
                "proposal_id": HOTLINE,
                "title": "欠薪求助",
                "kind": "hotline",
                "step": "handling",
                "due_at": now,
                "detected_at": now,
                "status": "in_progress",
                "responsible_person": "handler-007",
                "submitted_by": "rep-001",
            },
        ),
    ]
    for step in steps + steps[:3]:  # the first three arrive twice
        announce(notify.env["REDIS_URL"], stream, step)

    expected = {
        "/rep-001": 7,  # the receipt, then every step after the submission
        "/role:review_group": 1,
        "/dept:transport": 1,
        "/role:supervisor": 2,  # the result to verify, and the overdue hotline case
        "/chief-1": 1,  # the overdue hotline case, as the responsible person's supervisor
        "/handler-007": 1,  # 12351: the named responsible person is told in person
    }
    wait_until(lambda: Counter(r.path for r in sink.received) == expected, timeout=30)
    for request in sink.received:
        Webhook(secrets[request.path[1:]]).verify(request.body, request.headers)
    [escalated] = [r.json()["data"] for r in sink.to("/chief-1")]
    assert escalated["subject"] == HOTLINE and escalated["title"] == "【督办】逾期未办结：欠薪求助"

    log = httpx.get(
        notify.url("notify", "/deliveries"), params={"event_id": steps[-1].id}, headers=ADMIN
    )
    assert {(d["recipient"], d["channel"], d["status"]) for d in log.json()["items"]} == {
        (who, channel, "delivered")
        for who in ("chief-1", "role:supervisor", "handler-007")
        for channel in ("in_app", "preferred")
    }
    unread = httpx.get(
        notify.url("notify", "/notifications/unread-count"),
        params={"recipient": "rep-001"},
        headers=bearer(Role.REPRESENTATIVE, sub="rep-001"),
    ).json()
    assert unread["unread"] == 7
    time.sleep(1)  # nothing more trickles in
    assert Counter(r.path for r in sink.received) == expected


def test_department_broadcast_reaches_every_worker_exactly_once(notify: RunningSystem) -> None:
    prefix = notify.env["GONGHUI_STREAM_PREFIX"]
    added = run_cli("dept", "add", "weather", "--name", "福州市气象局", env=notify.env)
    assert added.returncode == 0, added.stderr
    weather_url = added.stdout.strip().splitlines()[-1]
    for n in range(12):
        put(
            notify,
            f"/recipients/w{n:02d}",
            {
                "name": f"工友{n}",
                "roles": ["worker"],
                "area_code": "350102",
                "lat": 26.08 + n * 0.001,
                "lon": 119.30,
            },
        )
    station = {
        "code": "FZ-1",
        "name": "五四路驿站",
        "address": "五四路154号",
        "lat": 26.0878,
        "lon": 119.3034,
        "services": ["cooling"],
        "open_hours": "24/7",
        "status": "active",
    }
    event = CloudEvent.create(
        source="gonghui/stations", type="station.registered.v1", data=station, subject="FZ-1"
    )
    announce(notify.env["REDIS_URL"], f"{prefix}stations.events", event)
    wait_until(lambda: reading_weather(notify))

    alert = {
        "broadcast_id": "heat-0715",
        "title_zh": "高温预警",
        "body_zh": "{{ recipient.name }}：最近的开放驿站是{{ nearest_station.name }}。",
        "audience": {"role": "worker", "area_code": "3501"},
    }
    fields = entry("weather", "notify.broadcast.v1", alert)
    args = [item for pair in fields.items() for item in pair]
    outbox = f"{prefix}dept.weather.outbox"
    for _ in range(2):  # sent twice by the department
        done = subprocess.run(
            ["redis-cli", "-u", weather_url, "--no-auth-warning", "XADD", outbox, "*", *args],
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert done.stdout.strip(), done.stderr

    def status() -> dict:
        return httpx.get(
            notify.url("notify", "/broadcasts/weather:heat-0715"), headers=ADMIN
        ).json()

    wait_until(lambda: status().get("status") == "done", timeout=30)
    assert status()["sent"] == 12
    for n in range(12):
        items = httpx.get(
            notify.url("notify", "/notifications"),
            params={"recipient": f"w{n:02d}"},
            headers=bearer(Role.WORKER, sub=f"w{n:02d}"),
        ).json()["items"]
        assert [i["body"] for i in items] == [f"工友{n}：最近的开放驿站是五四路驿站。"]


def reading_weather(system: RunningSystem) -> bool:
    return httpx.get(system.url("notify", "/readyz")).json()["subscribers"]["subscribers"] == 3
