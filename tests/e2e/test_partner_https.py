"""A partner that can only make outbound HTTPS calls: the door under the front, end to end.

Everything the department does here goes through `/partner/v1/...` on the running front; the
union's people use the services' own APIs as they always do.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import ClassVar

import httpx
import pytest
import redis
from redis.asyncio import Redis as AsyncRedis
from standardwebhooks import Webhook

from gonghui.shared.auth import Role
from gonghui_partner import Config, Item, Partner, contracts
from tests.support.auth import bearer
from tests.support.builders import entry, station_data
from tests.support.servers import delete_keys, run_cli
from tests.support.system import RunningSystem, running_system, wait_until

pytestmark = pytest.mark.e2e

ADMIN = bearer(Role.UNION_ADMIN, sub="admin-1")
REVIEW_GROUP = bearer(Role.REVIEWER, sub="review-group")
SUPERVISOR = bearer(Role.SUPERVISOR, sub="supervisor-1")
REPRESENTATIVE = bearer(Role.REPRESENTATIVE, sub="rep-shen")


@pytest.fixture(scope="module")
def deployment(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """The three services, their relays and the front, under a prefix of their own."""
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    quick_retries = {
        "FRONT_PARTNER_WEBHOOK_INTERVAL_S": "0.2",
        "FRONT_PARTNER_WEBHOOK_FIRST_RETRY_S": "0.3",
    }
    try:
        with running_system(
            redis_url=redis_url,
            prefix=prefix,
            workdir=tmp_path_factory.mktemp("https"),
            extra_env=quick_retries,
            front=True,
        ) as running:
            yield running
    finally:
        asyncio.run(_forget(redis_url, prefix))


async def _forget(redis_url: str, prefix: str) -> None:
    client = AsyncRedis.from_url(redis_url)
    try:
        await delete_keys(client, prefix)
    finally:
        await client.aclose()


class HttpsPartner:
    """A department with nothing but its key and an HTTP client."""

    def __init__(self, system: RunningSystem, code: str) -> None:
        added = run_cli("dept", "add", code, "--name", f"{code} 合作单位", env=system.env)
        assert added.returncode == 0, added.stderr
        shown = run_cli("dept", "key", code, env=system.env)
        assert shown.returncode == 0, shown.stderr
        self.code = code
        self.http = httpx.Client(
            base_url=system.url("front", "/partner/v1"),
            headers={"Authorization": f"Bearer {shown.stdout.strip().splitlines()[-1]}"},
            timeout=40,
        )

    def send(self, type_name: str, data: dict, *, subject: str | None = None) -> dict:
        """Binary mode: attributes in ce-* headers, the payload as the body."""
        headers = {
            "ce-specversion": "1.0",
            "ce-id": str(uuid.uuid4()),
            "ce-source": f"dept/{self.code}",
            "ce-type": type_name,
            "ce-time": datetime.now(UTC).isoformat(),
            "content-type": "application/json",
        }
        if subject:
            headers["ce-subject"] = subject
        answer = self.http.post("/events", headers=headers, content=json.dumps(data).encode())
        assert answer.status_code == 202, answer.text
        return answer.json()

    def send_batch(self, events: list[tuple[str, dict]]) -> dict:
        """A batch in one request, all accepted or none."""
        batch = [
            {"specversion": "1.0", "id": str(uuid.uuid4()), "source": f"dept/{self.code}",
             "type": type_name, "datacontenttype": "application/json", "data": data}
            for type_name, data in events
        ]  # fmt: skip
        answer = self.http.post(
            "/events",
            content=json.dumps(batch, ensure_ascii=False).encode(),
            headers={"content-type": "application/cloudevents-batch+json"},
        )
        assert answer.status_code == 202, answer.text
        return answer.json()

    def take_inbox(self, wait: float = 5) -> list[dict]:
        """One long-poll of the inbox."""
        answer = self.http.get("/inbox", params={"wait": wait})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    def ack(self, *entry_ids: str) -> None:
        answer = self.http.post("/inbox/ack", json={"entry_ids": list(entry_ids)})
        assert answer.status_code == 200, answer.text


def station(system: RunningSystem, code: str) -> dict:
    return httpx.get(system.url("stations", f"/stations/{code}")).json()


def proposals(system: RunningSystem, path: str, who: dict[str, str], **body: object) -> dict:
    answer = httpx.post(system.url("proposals", path), json=body, headers=who)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def union_assigns_a_case(deployment: RunningSystem, unit: str) -> str:
    """A representative's proposal, accepted by the review group and routed to `unit`."""
    put = httpx.put(
        deployment.url("proposals", f"/units/{unit}"),
        json={"name": f"{unit} 合作单位", "kind": "department"},
        headers=ADMIN,
    )
    assert put.status_code == 200, put.text
    rule = {"unit_code": unit, "category": f"finance-{unit}", "area_prefix": "350102"}
    routed = httpx.post(deployment.url("proposals", "/routing-rules"), json=rule, headers=ADMIN)
    assert routed.status_code == 201, routed.text
    pid = proposals(
        deployment,
        "/proposals",
        REPRESENTATIVE,
        kind="proposal",
        title="关于银行网点驿站延长开放时间的提案",
        body="冬季夜班环卫工人多，建议银行网点驿站延长开放到晚上十点。",
        category=f"finance-{unit}",
        area_code="350102",
        submitted_by="rep-shen",
    )["id"]
    proposals(deployment, f"/proposals/{pid}/accept", REVIEW_GROUP, actor="review-group")
    proposals(deployment, f"/proposals/{pid}/assign", REVIEW_GROUP, actor="review-group")
    return pid


def union_closes_the_case(deployment: RunningSystem, pid: str, *, unit: str) -> None:
    """Once the unit completed it: supervision, then the representative's feedback closes it."""

    def case() -> dict:
        return httpx.get(deployment.url("proposals", f"/proposals/{pid}"), headers=ADMIN).json()

    wait_until(lambda: case()["status"] == "completed")
    proposals(deployment, f"/proposals/{pid}/verify", SUPERVISOR, actor="supervisor-1")
    closed = proposals(
        deployment, f"/proposals/{pid}/feedback", REPRESENTATIVE, actor="rep-shen", satisfaction=5
    )
    assert closed["status"] == "closed"
    handled = [(t["action"], t["actor"]) for t in closed["timeline"] if t["step"] == "handling"]
    assert handled == [
        ("accept_assignment", f"dept:{unit}"),
        ("progress", f"dept:{unit}"),
        ("complete", f"dept:{unit}"),
    ]


def station_named(deployment: RunningSystem, name: str, *, lat: float, lon: float) -> str:
    """The code of the station called `name` near (lat, lon), once it is registered."""
    near = {"lat": lat, "lon": lon, "radius_m": 500}

    def registered() -> str | None:
        items = httpx.get(deployment.url("stations", "/stations"), params=near).json()["items"]
        return next((s["code"] for s in items if s["name"] == name), None)

    return wait_until(registered)


def test_a_department_runs_a_station_and_a_case_through_every_step_over_https_only(
    deployment: RunningSystem,
) -> None:
    partner = HttpsPartner(deployment, "https-bank")

    data = station_data(external_ref="HTTPS-0001", name="HTTPS 银行驿站", lat=26.081, lon=119.301)
    partner.send("station.register.v1", data, subject="HTTPS-0001")
    code = station_named(deployment, "HTTPS 银行驿站", lat=26.081, lon=119.301)
    assert station(deployment, code)["operator"] == "https-bank"

    partner.send("station.update.v1", {"external_ref": "HTTPS-0001", "name": "HTTPS 银行爱心驿站"})
    wait_until(lambda: station(deployment, code)["name"] == "HTTPS 银行爱心驿站")
    partner.send("station.exit.v1", {"external_ref": "HTTPS-0001", "reason": "网点搬迁"})
    wait_until(lambda: station(deployment, code)["status"] == "exited")

    pid = union_assigns_a_case(deployment, "https-bank")

    def assignment() -> dict | None:
        items = partner.take_inbox(wait=2)
        return next((i for i in items if i["event"]["type"] == "proposal.assigned.v1"), None)

    item = wait_until(assignment, timeout=30)
    assert item["event"]["data"]["proposal_id"] == pid
    partner.send_batch(
        [
            ("proposal.accept_assignment.v1", {"proposal_id": pid, "handler": "陈经理"}),
            ("proposal.progress.v1", {"proposal_id": pid, "percent": 60, "milestone": "已排班"}),
            ("proposal.complete.v1", {"proposal_id": pid, "result": "驿站开放至 22:00"}),
        ]
    )
    partner.ack(item["entry_id"])

    union_closes_the_case(deployment, pid, unit="https-bank")
    assert partner.take_inbox(wait=0.5) == []


def test_the_door_refuses_an_event_with_the_reason_its_dead_letter_carries(
    deployment: RunningSystem,
) -> None:
    partner = HttpsPartner(deployment, "https-twin")
    admin = redis.Redis.from_url(deployment.env["REDIS_URL"], decode_responses=True)
    prefix = deployment.env["GONGHUI_STREAM_PREFIX"]
    bad = [
        entry("https-twin", data=station_data(lat="26.07")),
        entry("https-twin", "station.teleport.v1"),
        entry("https-twin", data="[1, 2]"),
        entry("https-twin", source="dept/police"),
    ]
    at_the_door = []
    for fields in bad:
        headers = {f"ce-{k}": v for k, v in fields.items() if k not in ("data", "datacontenttype")}
        headers["content-type"] = "application/json"
        answer = partner.http.post("/events", headers=headers, content=fields["data"].encode())
        assert answer.status_code == 400
        at_the_door.append(answer.json()["reason"])
        admin.xadd(f"{prefix}dept.https-twin.outbox", fields)  # the same, over Redis
    dlq = f"{prefix}dept.https-twin.outbox.dlq"
    wait_until(lambda: admin.xlen(dlq) == len(bad))
    listed = json.loads(
        run_cli("dlq", "list", "--stream", dlq, "--json", env=deployment.env).stdout
    )
    by_id = {letter["original"]["id"]: letter["reason"] for letter in listed}
    assert [by_id[fields["id"]] for fields in bad] == at_the_door
    admin.close()


class FlakyReceiver(http.server.BaseHTTPRequestHandler):
    """Answers 503 to its first two requests, then 204; keeps what it accepted."""

    requests: ClassVar[list[tuple[str, int]]] = []
    accepted: ClassVar[list[dict]] = []
    secret = ""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        Webhook(self.secret).verify(body, headers)  # raises on a bad signature
        status = 503 if len(self.requests) < 2 else 204
        self.requests.append((headers["webhook-id"], status))
        if status == 204:
            self.accepted.append({"id": headers["webhook-id"], "event": json.loads(body)})
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


def test_a_webhook_that_fails_twice_then_succeeds_gets_each_item_once(
    deployment: RunningSystem,
) -> None:
    partner = HttpsPartner(deployment, "hook-bank")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/gonghui"
        registered = partner.http.put("/webhook", json={"url": url})
        assert registered.status_code == 200, registered.text
        FlakyReceiver.secret = registered.json()["secret"]

        admin = redis.Redis.from_url(deployment.env["REDIS_URL"], decode_responses=True)
        inbox = f"{deployment.env['GONGHUI_STREAM_PREFIX']}dept.hook-bank.inbox"
        ids = [
            admin.xadd(inbox, entry("hook-bank", "proposal.assigned.v1",
                                    {"proposal_id": f"case-{n}"}, source="gonghui/proposals"))
            for n in range(3)
        ]  # fmt: skip
        wait_until(lambda: len(FlakyReceiver.accepted) == 3, timeout=30)
        time.sleep(1.0)  # nothing more may come
        accepted_ids = [a["id"] for a in FlakyReceiver.accepted]
        assert sorted(accepted_ids) == sorted(f"inbox_{i}" for i in ids)
        assert len(set(accepted_ids)) == 3
        assert [status for _, status in FlakyReceiver.requests].count(503) == 2
        assert admin.xpending(inbox, "hook-bank")["pending"] == 0
        cases = sorted(a["event"]["data"]["proposal_id"] for a in FlakyReceiver.accepted)
        assert cases == ["case-0", "case-1", "case-2"]

        log = partner.http.get("/webhook/deliveries").json()
        outcomes = [row["outcome"] for row in reversed(log)]
        assert outcomes.count("failed") == 2 and outcomes.count("delivered") == 3
        failed = [row for row in log if row["outcome"] == "failed"]
        assert all(row["status_code"] == 503 for row in failed)
        assert any(row["attempt"] == 2 and row["outcome"] == "delivered" for row in log)
        admin.close()
    finally:
        server.shutdown()


@pytest.mark.parametrize("transport", ["redis", "https"])
def test_the_client_library_runs_a_station_and_a_case_through_every_step(
    deployment: RunningSystem, transport: str
) -> None:
    code = f"lib-{transport}"
    added = run_cli("dept", "add", code, "--name", f"{code} 合作单位", env=deployment.env)
    assert added.returncode == 0, added.stderr
    if transport == "redis":
        config = Config(
            code=code,
            redis_url=added.stdout.strip().splitlines()[-1],
            prefix=deployment.env["GONGHUI_STREAM_PREFIX"],
            block_s=1,
        )
    else:
        key = run_cli("dept", "key", code, env=deployment.env).stdout.strip().splitlines()[-1]
        config = Config(code=code, https_url=deployment.url("front"), key=key, block_s=1)
    partner = Partner(config)
    lat = 26.083 if transport == "redis" else 26.085
    ref = f"LIB-{transport.upper()}-1"
    partner.send(
        contracts.RegisterStation(**station_data(external_ref=ref, name=f"{code} 驿站", lat=lat)),
        subject=ref,
    )
    station_code = station_named(deployment, f"{code} 驿站", lat=lat, lon=119.3034)
    partner.send(contracts.UpdateStation(external_ref=ref, name=f"{code} 爱心驿站"))
    wait_until(lambda: station(deployment, station_code)["name"] == f"{code} 爱心驿站")
    partner.send(contracts.ExitStation(external_ref=ref, reason="网点搬迁"))
    wait_until(lambda: station(deployment, station_code)["status"] == "exited")

    pid = union_assigns_a_case(deployment, code)
    handled: list[str] = []

    def handle(item: Item) -> None:
        assignment = item.payload
        assert isinstance(assignment, contracts.ProposalAssigned)
        partner.send_many(
            [
                contracts.AcceptAssignment(proposal_id=assignment.proposal_id, handler="陈经理"),
                contracts.ReportProgress(proposal_id=assignment.proposal_id, percent=60),
                contracts.CompleteCase(proposal_id=assignment.proposal_id, result="已延长开放"),
            ]
        )
        handled.append(assignment.proposal_id)

    deadline = time.monotonic() + 30
    partner.work_off(
        "inbox", handle, should_stop=lambda: bool(handled) or time.monotonic() > deadline
    )
    assert handled == [pid]
    union_closes_the_case(deployment, pid, unit=code)
    partner.work_off("inbox", handle, once=True)
    assert handled == [pid]  # acknowledged after the handler: it did not come back
    partner.close()


def test_a_sandbox_departments_station_is_shown_as_test_data_but_not_searched_or_counted(
    deployment: RunningSystem,
) -> None:
    added = run_cli(
        "dept", "add", "rehearsal", "--name", "演练银行", "--sandbox", env=deployment.env
    )
    assert added.returncode == 0, added.stderr
    assert "sandbox" in added.stdout
    granted = run_cli("dept", "grant", "rehearsal", "stations.events", env=deployment.env)
    assert granted.returncode == 0, granted.stderr
    key = run_cli("dept", "key", "rehearsal", env=deployment.env).stdout.strip().splitlines()[-1]
    partner = Partner(
        Config(code="rehearsal", https_url=deployment.url("front"), key=key, block_s=2)
    )
    area = "350102"
    admin_totals = deployment.url("stations", f"/areas/{area}/totals")
    before = httpx.get(admin_totals, headers=ADMIN).json()["stations"]
    time.sleep(1.1)  # the relay copies to the new feed from its next directory read
    lat, lon = 26.0871, 119.2991
    data = station_data(external_ref="SANDBOX-1", name="演练驿站", lat=lat, lon=lon)
    partner.send(contracts.RegisterStation(**data))

    registered: list[Item] = []
    deadline = time.monotonic() + 30
    partner.work_off(
        "feed",
        lambda item: registered.append(item) if item.type == "station.registered.v1" else None,
        should_stop=lambda: bool(registered) or time.monotonic() > deadline,
    )
    code = registered[0].data["code"]
    shown = station(deployment, code)
    assert shown["test_data"] is True and shown["operator"] == "rehearsal"
    near = {"lat": lat, "lon": lon, "radius_m": 300}
    found = httpx.get(deployment.url("stations", "/stations"), params=near).json()["items"]
    assert code not in [s["code"] for s in found]
    geojson = httpx.get(deployment.url("stations", "/stations.geojson")).json()
    assert code not in [f["id"] for f in geojson["features"]]
    assert httpx.get(admin_totals, headers=ADMIN).json()["stations"] == before
    partner.close()


def test_the_inbox_as_server_sent_events_until_acknowledged(deployment: RunningSystem) -> None:
    partner = HttpsPartner(deployment, "sse-bank")
    admin = redis.Redis.from_url(deployment.env["REDIS_URL"], decode_responses=True)
    inbox = f"{deployment.env['GONGHUI_STREAM_PREFIX']}dept.sse-bank.inbox"
    item = entry("sse-bank", "proposal.assigned.v1", {"proposal_id": "case-sse"},
                 source="gonghui/proposals")  # fmt: skip
    entry_id = admin.xadd(inbox, item)
    lines: list[str] = []
    with partner.http.stream("GET", "/inbox/stream", params={"consumer": "sse-1"}) as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        for line in events.iter_lines():
            lines.append(line)
            if line.startswith("data: "):
                break
    assert f"id: {entry_id}" in lines and "event: proposal.assigned.v1" in lines
    event = json.loads(lines[-1].removeprefix("data: "))
    assert event["id"] == item["id"] and event["data"] == {"proposal_id": "case-sse"}
    assert admin.xpending(inbox, "sse-bank")["pending"] == 1  # handed out, not yet acknowledged
    partner.ack(entry_id)
    assert admin.xpending(inbox, "sse-bank")["pending"] == 0
    admin.close()
