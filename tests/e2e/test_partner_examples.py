"""The partner examples of docs/partners.md, run as a partner runs them, against the real system.

Each example (redis-cli, Python with redis-py, Node.js with ioredis) gets a department of its own
from `gonghui dept add`, registers a station on its outbox, and works off its inbox.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis
from redis.asyncio import Redis as AsyncRedis

from gonghui.cli import embedded_redis
from gonghui.shared.signing import Signing, verify
from tests.support.builders import entry, station_data
from tests.support.servers import delete_keys, personal_numbers_in_streams, run_cli
from tests.support.system import RunningSystem, running_system, wait_until

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "partners"
NEAR_GULOU = {"lat": 26.0880, "lon": 119.3030, "radius_m": 3000, "limit": 200}


@pytest.fixture(scope="module")
def deployment(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """One running system for every example (each under a department of its own)."""
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    workdir = tmp_path_factory.mktemp("partners")
    try:
        with running_system(redis_url=redis_url, prefix=prefix, workdir=workdir) as running:
            yield running
    finally:
        asyncio.run(_clean_up(redis_url, prefix))


async def _clean_up(redis_url: str, prefix: str) -> None:
    client = AsyncRedis.from_url(redis_url)
    try:
        leaked = await personal_numbers_in_streams(client, prefix)
        assert not leaked, f"unmasked personal numbers on streams: {leaked}"
    finally:
        await delete_keys(client, prefix)
        await client.aclose()


@pytest.fixture(scope="module")
def admin(redis_url: str) -> Iterator[redis.Redis]:
    """The operator's own client: puts work on inboxes, looks at pending lists."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def node_example() -> Path:
    """The Node.js example with its pinned dependencies installed (`npm ci`, once a session)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed to run the Node.js partner example")
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=EXAMPLES / "node", capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return EXAMPLES / "node"


class Partner:
    """One department running one example program, as its developers would."""

    def __init__(self, system: RunningSystem, code: str, command: list[str], workdir: Path) -> None:
        self.system = system
        self.code = code
        self.command = command
        self.workdir = workdir
        self.prefix = system.env["GONGHUI_STREAM_PREFIX"]
        added = run_cli("dept", "add", code, "--name", f"{code} 合作单位", env=system.env)
        assert added.returncode == 0, added.stderr
        self.env = {
            "PATH": system.env["PATH"],
            "GONGHUI_DEPT_URL": added.stdout.strip().splitlines()[-1],
            "GONGHUI_DEPT_CODE": code,
            "GONGHUI_STREAM_PREFIX": self.prefix,
        }
        self.secret: str | None = None

    @property
    def inbox(self) -> str:
        return f"{self.prefix}dept.{self.code}.inbox"

    @property
    def outbox(self) -> str:
        return f"{self.prefix}dept.{self.code}.outbox"

    @property
    def feed(self) -> str:
        return f"{self.prefix}dept.{self.code}.feed"

    def subscribe_to_station_events(self) -> None:
        """The operator grants the department a copy of `stations.events` on its feed."""
        done = run_cli("dept", "grant", self.code, "stations.events", env=self.system.env)
        assert done.returncode == 0, done.stderr
        # Relays re-read the directory every second; what they relay after that is copied.
        time.sleep(1.1)

    def require_signature(self) -> None:
        """The operator requires signed entries; the partner sets the printed secret."""
        done = run_cli("dept", "require-signature", self.code, env=self.system.env)
        assert done.returncode == 0, done.stderr
        self.secret = done.stdout.strip().splitlines()[-1]
        self.env["GONGHUI_SIGNING_SECRET"] = self.secret

    def run(self, *args: str) -> str:
        """Run the example with the department's environment; return what it printed."""
        done = subprocess.run(
            [*self.command, *args], env=self.env, cwd=self.workdir,
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert done.returncode == 0, f"{self.command} {args} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def register(self, station: dict) -> None:
        """`<example> register station.json`."""
        path = self.workdir / f"{self.code}-station.json"
        path.write_text(json.dumps(station, ensure_ascii=False), encoding="utf-8")
        self.run("register", str(path))


def registered_station(system: RunningSystem, name: str) -> dict:
    """The station called `name`, found near Gulou and then by its code."""

    def found() -> str | None:
        near = httpx.get(system.url("stations", "/stations"), params=NEAR_GULOU).json()["items"]
        return next((s["code"] for s in near if s["name"] == name), None)

    code = wait_until(found)
    return httpx.get(system.url("stations", f"/stations/{code}")).json()


def station_for(code: str, offset: float) -> dict:
    """A station of its own for each department, a little apart from the others."""
    return station_data(
        external_ref=f"{code.upper()}-0001",
        name=f"{code} 鼓楼爱心驿站",
        lat=26.0878 + offset,
        lon=119.3034 + offset,
    )


def work_items(partner: Partner, admin: redis.Redis, *, one_left_pending: bool) -> list[str]:
    """Put two work items on the partner's inbox; optionally one read by a worker that died."""
    ids = []
    for n in (1, 2):
        data = {
            "proposal_id": f"case-{partner.code}-{n}",
            "kind": "proposal",
            "title": "司机之家建设",
        }
        fields = entry(partner.code, "proposal.assigned.v1", data, source="gonghui/proposals")
        ids.append(admin.xadd(partner.inbox, fields))
        if n == 1 and one_left_pending:
            admin.xreadgroup(partner.code, "crashed-worker", {partner.inbox: ">"}, count=1)
    return ids


def assert_inbox_worked_off(
    partner: Partner, admin: redis.Redis, printed: str, ids: list[str]
) -> None:
    """Every work item was handled (printed) and acknowledged: nothing pending for its group."""
    assert all(entry_id in printed for entry_id in ids), printed
    assert f"case-{partner.code}-2" in printed
    assert admin.xpending(partner.inbox, partner.code)["pending"] == 0


def assert_feed_read(partner: Partner, admin: redis.Redis, station: dict) -> None:
    """The example reads `station.registered.v1` of its station from its feed and acks it."""
    wait_until(lambda: admin.xlen(partner.feed) > 0)
    printed = partner.run("feed", "--once", "--block-ms", "200")
    assert "station.registered.v1" in printed
    assert station["code"] in printed
    assert admin.xpending(partner.feed, partner.code)["pending"] == 0


def assert_signed_validly(partner: Partner, admin: redis.Redis) -> None:
    """The entry the example sent carries a signature the services accept."""
    assert partner.secret is not None
    [(_, fields)] = admin.xrange(partner.outbox)
    raw = {k.encode(): v.encode() for k, v in fields.items()}
    verify(raw, Signing("hmac-sha256", partner.secret), now=datetime.now(UTC))


def test_redis_cli_partner_registers_a_station_and_works_off_its_inbox(
    deployment: RunningSystem, admin: redis.Redis, tmp_path: Path
) -> None:
    partner = Partner(deployment, "cli-post", ["sh", str(EXAMPLES / "redis-cli.sh")], tmp_path)
    partner.register(station_for("cli-post", 0.000))

    station = registered_station(deployment, "cli-post 鼓楼爱心驿站")
    assert station["operator"] == "cli-post"
    assert station["code"].startswith("350102-")

    ids = work_items(partner, admin, one_left_pending=False)
    printed = partner.run("inbox")
    assert_inbox_worked_off(partner, admin, printed, ids)


@pytest.mark.parametrize("signed", [False, True], ids=["plain", "signed"])
def test_python_partner_registers_a_station_and_works_off_its_inbox(
    deployment: RunningSystem, admin: redis.Redis, tmp_path: Path, signed: bool
) -> None:
    code = "py-signed" if signed else "py-bank"
    command = [sys.executable, str(EXAMPLES / "python" / "partner.py")]
    partner = Partner(deployment, code, command, tmp_path)
    if signed:
        partner.require_signature()
    else:
        partner.subscribe_to_station_events()
    partner.register(station_for(code, 0.002 if signed else 0.001))

    station = registered_station(deployment, f"{code} 鼓楼爱心驿站")
    assert station["operator"] == code
    if signed:
        assert_signed_validly(partner, admin)
    else:
        assert_feed_read(partner, admin, station)

    ids = work_items(partner, admin, one_left_pending=True)
    printed = partner.run("inbox", "--once", "--reclaim-idle-ms", "0", "--block-ms", "200")
    assert_inbox_worked_off(partner, admin, printed, ids)


@pytest.mark.parametrize("signed", [False, True], ids=["plain", "signed"])
def test_node_partner_registers_a_station_and_works_off_its_inbox(
    deployment: RunningSystem, admin: redis.Redis, tmp_path: Path, node_example: Path, signed: bool
) -> None:
    code = "node-signed" if signed else "node-bank"
    partner = Partner(deployment, code, ["node", str(node_example / "partner.mjs")], tmp_path)
    if signed:
        partner.require_signature()
    else:
        partner.subscribe_to_station_events()
    partner.register(station_for(code, 0.004 if signed else 0.003))

    station = registered_station(deployment, f"{code} 鼓楼爱心驿站")
    assert station["operator"] == code
    if signed:
        assert_signed_validly(partner, admin)
    else:
        assert_feed_read(partner, admin, station)

    ids = work_items(partner, admin, one_left_pending=True)
    printed = partner.run("inbox", "--once", "--reclaim-idle-ms", "0", "--block-ms", "200")
    assert_inbox_worked_off(partner, admin, printed, ids)


def test_entry_signed_with_the_wrong_secret_is_dead_lettered_with_the_reason(
    deployment: RunningSystem, admin: redis.Redis, tmp_path: Path
) -> None:
    command = [sys.executable, str(EXAMPLES / "python" / "partner.py")]
    partner = Partner(deployment, "py-forger", command, tmp_path)
    partner.require_signature()
    partner.env["GONGHUI_SIGNING_SECRET"] = "bm90IHRoZSBzZWNyZXQ="
    dlq = f"{partner.outbox}.dlq"

    def refused() -> bool:
        # The services learn of the requirement within a moment; send until they apply it.
        partner.register(station_for("py-forger", 0.005))
        return admin.xlen(dlq) > 0

    wait_until(refused, interval=0.5)
    listed = run_cli("dlq", "list", "--stream", dlq, "--json", env=deployment.env)
    letters = json.loads(listed.stdout)
    assert letters[0]["reason"] == "invalid signature (hmac-sha256)"
    assert letters[0]["original"]["source"] == "dept/py-forger"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A Redis of this test's own (AOF and an ACL file, so users survive), and a restart."""
    data = tmp_path / "redis"
    data.mkdir()
    port = embedded_redis.free_port()
    server = [embedded_redis.start(data, port=port, appendonly=True)]

    def restart() -> None:
        server[0].send_signal(signal.SIGTERM)  # a clean shutdown, as an operator restarts it
        server[0].wait(timeout=15)
        time.sleep(1.0)  # the example notices the server is gone and backs off
        server[0] = embedded_redis.start(data, port=port, appendonly=True)

    try:
        yield f"redis://127.0.0.1:{port}/0", restart
    finally:
        server[0].kill()
        server[0].wait()


def example_command(name: str, node_dir: Callable[[], Path]) -> list[str]:
    """How to run one example's inbox with its default block time and socket timeout."""
    if name == "python":
        return [sys.executable, "-u", str(EXAMPLES / "python" / "partner.py"), "inbox"]
    return ["node", str(node_dir() / "partner.mjs"), "inbox"]


@pytest.mark.parametrize("example", ["python", "node"])
def test_an_example_inbox_runs_idle_past_its_socket_timeout_and_across_a_redis_restart(
    own_redis: tuple[str, Callable[[], None]],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    example: str,
) -> None:
    url, restart = own_redis
    env = {"REDIS_URL": url, "GONGHUI_STREAM_PREFIX": ""}
    added = run_cli("dept", "add", "night-desk", "--name", "夜班值守", env=env)
    assert added.returncode == 0, added.stderr
    command = example_command(example, lambda: request.getfixturevalue("node_example"))
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        worker = subprocess.Popen(
            command,
            env={
                "PATH": os.environ["PATH"],
                "GONGHUI_DEPT_URL": added.stdout.strip().splitlines()[-1],
                "GONGHUI_DEPT_CODE": "night-desk",
            },
            stdout=stdout,
            stderr=stderr,
        )
    admin = redis.Redis.from_url(url, decode_responses=True)
    try:
        # Longer than the 5 s block, and than the Python client's socket timeout (block + 10 s).
        time.sleep(16)
        assert worker.poll() is None, err.read_text()
        first = admin.xadd("dept.night-desk.inbox", night_item("case-before-restart"))
        wait_until(lambda: first in out.read_text(), timeout=15)

        restart()
        admin = redis.Redis.from_url(url, decode_responses=True)
        second = admin.xadd("dept.night-desk.inbox", night_item("case-after-restart"))
        wait_until(lambda: second in out.read_text(), timeout=60, interval=0.5)
        assert worker.poll() is None, err.read_text()
        wait_until(lambda: admin.xpending("dept.night-desk.inbox", "night-desk")["pending"] == 0)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
        admin.close()
    assert "Traceback" not in err.read_text(), err.read_text()
    assert "case-before-restart" in out.read_text() and "case-after-restart" in out.read_text()


def night_item(case: str) -> dict[str, str]:
    """A work item the proposals service would route to the department at night."""
    data = {"proposal_id": case, "kind": "proposal", "title": "夜间驿站开放"}
    return entry("night-desk", "proposal.assigned.v1", data, source="gonghui/proposals")
