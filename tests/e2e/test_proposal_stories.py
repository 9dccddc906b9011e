"""The seed's three stories, end to end: services, relays and partner departments as processes.

Each department is a separate Python process that knows nothing of our code: it logs in to Redis
with the user `gonghui dept add` made for it, reads its inbox with XREADGROUP and answers on its
outbox (tests/support/simulated_department.py).
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from gonghui.cli import embedded_redis
from gonghui.shared.auth import Role
from gonghui.shared.clock import SHANGHAI
from tests.support.auth import bearer
from tests.support.servers import delete_keys, run_cli
from tests.support.system import RunningSystem, running_system, wait_until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
Departments = Callable[..., Path]
ADMIN = bearer(Role.UNION_ADMIN, sub="admin-1")
REVIEW_GROUP = bearer(Role.REVIEWER, sub="review-group")
SUPERVISOR = bearer(Role.SUPERVISOR, sub="supervisor-1")


def representative(sub: str) -> dict[str, str]:
    """A representative's Authorization header."""
    return bearer(Role.REPRESENTATIVE, sub=sub)


def member(sub: str) -> dict[str, str]:
    """A member's Authorization header."""
    return bearer(Role.MEMBER, sub=sub)


@pytest.fixture(scope="module")
def system(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """One system for the three stories (they use different departments and people)."""
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    try:
        with running_system(
            redis_url=redis_url, prefix=prefix, workdir=tmp_path_factory.mktemp("stories")
        ) as running:
            yield running
    finally:
        asyncio.run(_forget(redis_url, prefix))


async def _forget(redis_url: str, prefix: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        await delete_keys(client, prefix)
    finally:
        await client.aclose()


@pytest.fixture(scope="module")
def departments(
    system: RunningSystem, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Departments]:
    """Provision a department and start its own system; returns the file of what it received."""
    processes: list[subprocess.Popen[bytes]] = []
    logs = tmp_path_factory.mktemp("departments")

    def start(code: str, name: str, kind: str, *flags: str) -> Path:
        added = run_cli("dept", "add", code, "--name", name, env=system.env)
        assert added.returncode == 0, added.stderr
        url = added.stdout.strip().splitlines()[-1]
        put = httpx.put(
            system.url("proposals", f"/units/{code}"),
            json={"name": name, "kind": kind},
            headers=ADMIN,
        )
        assert put.status_code == 200, put.text
        log = logs / f"{code}.jsonl"
        log.touch()
        with open(logs / f"{code}.out", "wb") as out:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "tests.support.simulated_department",
                        "--url",
                        url,
                        "--code",
                        code,
                        "--prefix",
                        system.env["GONGHUI_STREAM_PREFIX"],
                        "--log",
                        str(log),
                        *(["--cluster"] if system.env["GONGHUI_REDIS_MODE"] == "cluster" else []),
                        *flags,
                    ],
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        # Proposals reads its own events plus every department's outbox, without a restart.
        wait_until(lambda: subscribers(system) == len(processes) + 1)
        return log

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def subscribers(system: RunningSystem) -> int:
    """How many streams the proposals service reads."""
    return httpx.get(system.url("proposals", "/readyz")).json()["subscribers"]["subscribers"]


def received(log: Path) -> list[dict]:
    """What a department's system took from its inbox."""
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def rule(system: RunningSystem, unit: str, category: str, area_prefix: str | None = None) -> None:
    body = {"unit_code": unit, "category": category, "area_prefix": area_prefix}
    answer = httpx.post(system.url("proposals", "/routing-rules"), json=body, headers=ADMIN)
    assert answer.status_code == 201


def act(system: RunningSystem, path: str, who: dict[str, str], **body: object) -> dict:
    response = httpx.post(system.url("proposals", path), json=body, headers=who)
    assert response.status_code in (200, 201), response.text
    return response.json()


def case(system: RunningSystem, proposal_id: str) -> dict:
    return httpx.get(system.url("proposals", f"/proposals/{proposal_id}"), headers=ADMIN).json()


def in_status(system: RunningSystem, proposal_id: str, status: str) -> Callable[[], dict | None]:
    return lambda: (found := case(system, proposal_id))["status"] == status and found


def test_truck_drivers_proposal_goes_through_all_five_steps(
    system: RunningSystem, departments
) -> None:
    town = departments(
        "dushu-town",
        "独山港镇人民政府",
        "department",
        "--handle",
        "--milestone",
        "与运输公司共建司机之家选址完成",
        "--result",
        "共享“司机之家”已开放；司机子女入学名额已落实",
    )
    rule(system, "dushu-town", "transport", "330482")

    submitted = act(
        system,
        "/proposals",
        representative("rep-shen"),
        kind="proposal",
        title="关于为货车司机建设“司机之家”的提案",
        body="港区货车司机多，缺少休息场所，子女入学也有困难，建议镇里与运输企业共建司机之家。",
        category="transport",
        area_code="330482",
        submitted_by="rep-shen",
    )
    pid = submitted["id"]
    act(
        system,
        f"/proposals/{pid}/accept",
        REVIEW_GROUP,
        actor="review-group",
        note="小组审议通过，立案",
    )
    assigned = act(
        system,
        f"/proposals/{pid}/assign",
        REVIEW_GROUP,
        actor="review-group",
        note="请独山港镇牵头",
    )
    assert assigned["unit_code"] == "dushu-town"

    completed = wait_until(in_status(system, pid, "completed"))
    assert completed["progress_percent"] == 100
    assert completed["milestones"] == ["与运输公司共建司机之家选址完成"]
    (item,) = received(town)
    assert item["type"] == "proposal.assigned.v1" and item["data"]["proposal_id"] == pid

    act(
        system,
        f"/proposals/{pid}/verify",
        SUPERVISOR,
        actor="supervisor-1",
        note="实地督查：司机之家已投入使用",
    )
    closed = act(
        system,
        f"/proposals/{pid}/feedback",
        representative("rep-shen"),
        actor="rep-shen",
        satisfaction=5,
        comment="司机们很满意",
    )
    assert closed["status"] == "closed"
    steps = [(t["step"], t["action"], t["actor"]) for t in closed["timeline"]]
    assert steps == [
        ("submission", "submit", "rep-shen"),
        ("review", "accept", "review-group"),
        ("assignment", "assign", "review-group"),
        ("handling", "accept_assignment", "dept:dushu-town"),
        ("handling", "progress", "dept:dushu-town"),
        ("handling", "complete", "dept:dushu-town"),
        ("supervision", "verify", "supervisor-1"),
        ("feedback", "feedback", "rep-shen"),
    ]
    assert closed["result"].startswith("共享“司机之家”已开放")
    stats = httpx.get(
        system.url("proposals", "/stats"), params={"by": "unit"}, headers=ADMIN
    ).json()
    assert stats["by"]["unit"]["dushu-town"]["closed"] == 1


def test_livestream_skills_issue_goes_from_discussion_to_a_proposal(
    system: RunningSystem, departments
) -> None:
    union = departments(
        "ecom-union",
        "电商产业园企业工会",
        "organisation",
        "--handle",
        "--result",
        "企业工会结对开展直播带货技能培训 3 期，120 人参加",
    )
    rule(system, "ecom-union", "skills")

    issue = act(
        system,
        "/discussions",
        representative("rep-lu"),
        title="直播带货从业人员缺少技能培训",
        body="不少新就业形态劳动者转做直播带货，缺少选品、话术、合规等技能。",
        category="skills",
        area_code="330482",
        opened_by="rep-lu",
    )
    for person, idea in [
        ("m-1", "请企业工会结对办培训"),
        ("m-2", "培训要包括平台规则"),
        ("rep-wu", "可以用园区直播间"),
    ]:
        who = representative(person) if person.startswith("rep-") else member(person)
        act(system, f"/discussions/{issue['id']}/comments", who, author=person, body=idea)
    for person in ["m-1", "m-2", "m-3", "m-4"]:
        act(system, f"/discussions/{issue['id']}/supports", member(person), member_id=person)
    twice = httpx.post(
        system.url("proposals", f"/discussions/{issue['id']}/supports"),
        json={"member_id": "m-1"},
        headers=member("m-1"),
    )
    assert twice.status_code == 409
    top = httpx.get(
        system.url("proposals", "/discussions"), params={"sort": "support"}, headers=member("m-1")
    ).json()["items"][0]
    assert top["id"] == issue["id"] and top["support_count"] == 4

    proposal = act(
        system, f"/discussions/{issue['id']}/convert", REVIEW_GROUP, actor="review-group"
    )
    pid = proposal["id"]
    assert proposal["submitted_by"] == "rep-lu" and "4 人支持" in proposal["body"]
    act(system, f"/proposals/{pid}/accept", REVIEW_GROUP, actor="review-group")
    act(system, f"/proposals/{pid}/assign", REVIEW_GROUP, actor="review-group")
    wait_until(in_status(system, pid, "completed"))
    assert [i["type"] for i in received(union)] == ["proposal.assigned.v1"]
    act(system, f"/proposals/{pid}/verify", SUPERVISOR, actor="supervisor-1")
    closed = act(
        system,
        f"/proposals/{pid}/feedback",
        representative("rep-lu"),
        actor="rep-lu",
        satisfaction=5,
    )
    assert closed["status"] == "closed" and closed["discussion_id"] == issue["id"]

    report = wait_until(
        lambda: (r := duty_report(system, "rep-lu"))["counts"]["follow_up"] == 1 and r
    )
    assert report["counts"]["submission"] == 1 and report["counts"]["discussion"] == 1


def duty_report(system: RunningSystem, person: str) -> dict:
    return httpx.get(
        system.url("proposals", f"/representatives/{person}/duty-report"), headers=ADMIN
    ).json()


WANG = {
    "name": "王建国",
    "phone": "13812345678",
    "address": "平湖市当湖街道东湖路88号3幢",
    "situation": "困难职工，独居",
    "area_code": "330482",
    "representative_id": "rep-zhu",
}
HOUSE_REPAIR = {
    "title": "困难职工家中房屋破损",
    "body": "走访发现屋顶漏雨、墙体开裂，需要尽快修缮。",
    "category": "housing",
}
NURSING = {
    "title": "困难职工家庭需要护理帮助",
    "body": "家中老人卧床，需要上门护理和康复指导。",
    "category": "care",
}


def test_home_visit_becomes_zero_distance_report_claimed_the_same_evening(
    system: RunningSystem, departments
) -> None:
    claimers = {
        code: departments(code, name, "organisation", "--claim", "--result", result)
        for code, name, result in [
            ("lvdi-property", "绿地物业公司工会", "屋顶和墙体已修缮"),
            ("anju-property", "安居物业公司工会", "屋顶和墙体已修缮"),
            ("hehe-care", "和合护理服务中心", "已安排护理员每周上门"),
            ("red-cross", "红十字志愿服务队", "已安排护理员每周上门"),
        ]
    }
    for code, category in [
        ("lvdi-property", "housing"),
        ("anju-property", "housing"),
        ("hehe-care", "care"),
        ("red-cross", "care"),
    ]:
        rule(system, code, category, "3304")

    zhu = representative("rep-zhu")
    contact = act(system, "/key-contacts", zhu, **WANG)
    assert contact["name"] == "王**"
    visits = f"/key-contacts/{contact['id']}/visits"
    visit = act(
        system, visits, zhu, representative_id="rep-zhu", note="屋顶漏雨", report=HOUSE_REPAIR
    )
    first = visit["report"]
    assert first["status"] == "offered" and first["offered_to"] == [
        "anju-property",
        "lvdi-property",
    ]

    claimed = wait_until(lambda: (c := case(system, first["id"]))["claimed_by"] and c)
    winner = claimed["claimed_by"]
    loser = ({"lvdi-property", "anju-property"} - {winner}).pop()
    claim = next(t for t in claimed["timeline"] if t["action"] == "claim")
    assert claim["note"] == "我们公司来处理"
    reported_at = datetime.fromisoformat(first["submitted_at"]).astimezone(SHANGHAI)
    claimed_at = datetime.fromisoformat(claim["at"]).astimezone(SHANGHAI)
    assert claimed_at - reported_at < timedelta(hours=1), "claimed the same evening"
    told = wait_until(
        lambda: [i for i in received(claimers[loser]) if i["type"] == "proposal.claimed.v1"]
    )
    assert told[0]["data"]["claimed_by"] == winner
    wait_until(in_status(system, first["id"], "completed"))

    later = act(
        system, visits, zhu, representative_id="rep-zhu", note="需要护理帮助", report=NURSING
    )
    second = later["report"]
    helper = wait_until(lambda: case(system, second["id"])["claimed_by"])
    assert helper in {"hehe-care", "red-cross"} and helper != winner

    for report in (first, second):
        act(system, f"/proposals/{report['id']}/verify", SUPERVISOR, actor="supervisor-1")
        act(system, f"/proposals/{report['id']}/feedback", zhu, actor="rep-zhu", satisfaction=5)
    duty = wait_until(
        lambda: (r := duty_report(system, "rep-zhu"))["counts"]["home_visit"] == 2 and r
    )
    assert duty["counts"]["submission"] == 2 and duty["cases"]["closure_rate"] == 1.0

    everything = "".join(str(entry) for log in claimers.values() for entry in received(log))
    assert "王建国" not in everything and "13812345678" not in everything
    assert "138****5678" in everything


@pytest.fixture
def two_replicas(redis_url: str, prefix: str, tmp_path: Path, redis) -> Iterator[RunningSystem]:
    """Proposals with a 1-second hotline review deadline checked every 0.2 s, in two replicas."""
    env = {
        "PROPOSALS_DEADLINES": '{"hotline": {"review": "PT1S"}}',
        "PROPOSALS_DEADLINE_CHECK_INTERVAL_S": "0.2",
    }
    with running_system(
        redis_url=redis_url, prefix=prefix, workdir=tmp_path, services=("proposals",), extra_env=env
    ) as running:
        port = embedded_redis.free_port()
        with open(tmp_path / "logs" / "proposals-2.log", "wb") as out:
            running.processes["proposals-2"] = subprocess.Popen(
                [sys.executable, "-m", "gonghui.cli", "serve", "proposals", "--port", str(port)],
                env=running.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running.urls["proposals-2"] = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: httpx.get(running.url("proposals-2", "/readyz")).status_code == 200, timeout=60
        )
        yield running


def test_overdue_hotline_case_is_escalated_once_with_two_replicas(
    two_replicas: RunningSystem, redis_url: str
) -> None:
    system = two_replicas
    made = [
        act(
            system,
            "/proposals",
            representative("hotline-desk"),
            kind="hotline",
            title=f"12351 来电：欠薪求助 {i}",
            body="外卖骑手反映平台拖欠两个月工资，请求帮助。",
            submitted_by="hotline-desk",
        )["id"]
        for i in range(6)
    ]
    stream = system.env["GONGHUI_STREAM_PREFIX"] + "proposals.events"
    client = SyncRedis.from_url(redis_url)

    def overdue() -> list[dict]:
        return [
            json.loads(fields[b"data"])
            for _, fields in client.xrange(stream)
            if fields[b"type"] == b"proposal.overdue.v1"
        ]

    wait_until(lambda: len(overdue()) >= len(made))
    time.sleep(1.0)  # five more checks by each replica: nothing is escalated twice
    assert sorted(d["proposal_id"] for d in overdue()) == sorted(made)
    assert {d["step"] for d in overdue()} == {"review"}
    assert system.processes["proposals-2"].poll() is None
    escalated = [d for d in case(system, made[0])["deadlines"] if d["escalated_at"]]
    assert [d["step"] for d in escalated] == ["review"]
    client.close()


def test_a_worker_raises_a_problem_that_is_co_handled_and_rates_the_outcome(
    system: RunningSystem, departments, redis_url: str
) -> None:
    departments(
        "zhapu-town", "乍浦镇人民政府", "department", "--handle", "--result", "司机之家已开放"
    )
    departments(
        "ph-transport", "平湖市交通运输局", "department", "--handle", "--result", "运输公司提供场地"
    )
    named = httpx.put(
        system.url("proposals", "/representatives/rep-qian"),
        json={"name": "钱代表", "area_code": "330482"},
        headers=ADMIN,
    )
    assert named.status_code == 200
    driver = bearer(Role.WORKER, sub="w-driver-7")
    problem = act(
        system,
        "/problems",
        driver,
        representative_id="rep-qian",
        title="乍浦港货车司机没有休息的地方",
        body="等货一等就是半天，没有地方休息、吃饭，孩子上学也难。",
        area_code="330482",
    )
    adopted = act(
        system, f"/problems/{problem['id']}/adopt", representative("rep-qian"), kind="proposal"
    )
    pid, case_no = adopted["case"]["id"], adopted["case"]["case_no"]
    assert case_no.startswith("330482-") and case_no != pid
    act(system, f"/proposals/{pid}/accept", REVIEW_GROUP)
    act(
        system,
        f"/proposals/{pid}/assign",
        REVIEW_GROUP,
        unit_code="zhapu-town",
        co_unit_codes=["ph-transport"],
    )
    done = wait_until(
        lambda: (
            (c := case(system, pid))["status"] == "completed"
            and c["co_handling"][0]["status"] == "completed"
            and c
        )
    )
    assert done["result"] == "司机之家已开放"
    assert done["co_handling"][0]["result"] == "运输公司提供场地"
    assert {"co_complete", "complete"} <= {t["action"] for t in done["timeline"]}

    followed = httpx.get(system.url("proposals", f"/proposals/by-number/{case_no}"), headers=driver)
    assert followed.status_code == 200 and followed.json()["submitted_at"].endswith("+08:00")
    act(system, f"/proposals/{pid}/verify", SUPERVISOR)
    rated = act(system, f"/proposals/{pid}/outcome-rating", driver, score=2, comment="晚上不开")
    assert rated["low"] is True

    stream = system.env["GONGHUI_STREAM_PREFIX"] + "proposals.events"
    client = SyncRedis.from_url(redis_url)
    try:
        flagged = wait_until(
            lambda: [
                json.loads(fields[b"data"])
                for _, fields in client.xrange(stream)
                if fields[b"type"] == b"proposal.low_satisfaction.v1"
            ]
        )
    finally:
        client.close()
    assert flagged[0]["case_no"] == case_no and flagged[0]["members"] == ["w-driver-7"]
    assert flagged[0]["submitted_by_name"] == "钱代表"
    stats = httpx.get(system.url("proposals", "/stats"), headers=ADMIN).json()
    assert stats["satisfaction"]["outcome_ratings"]["low"] >= 1

    put = httpx.put(
        system.url("proposals", "/units/hengfeng-union"),
        json={"name": "恒丰物业公司工会", "kind": "organisation"},
        headers=ADMIN,
    )
    assert put.status_code == 200
    rule(system, "hengfeng-union", "repair", "330482")
    report = act(
        system,
        "/proposals",
        representative("rep-qian"),
        kind="zero_distance",
        title="困难职工家中水管爆裂",
        body="走访发现困难职工家中水管爆裂，需要今晚维修。",
        category="repair",
        area_code="330482",
    )
    chairman = bearer(Role.HANDLER, sub="u-hengfeng-chair", department="hengfeng-union")
    won = act(system, f"/proposals/{report['id']}/claim", chairman, note="我们公司今晚处理")
    assert won["claimed_by"] == "hengfeng-union" and won["handler"] == "u-hengfeng-chair"
