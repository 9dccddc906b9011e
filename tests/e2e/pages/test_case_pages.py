"""A representative's case through all five steps, seen live in a real browser.

The review group takes the case on at its desk; a department's own system (a separate process on
its own Redis user) declines it on the bus; the review group re-assigns it to a town office that
has no system and handles it in its work queue on the page; the supervisor verifies at the desk;
the representative closes it and the worker it was for rates the outcome. The union's dashboard
shows the API's figures.
"""

from __future__ import annotations

import re
import signal
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from playwright.sync_api import Page, Route, expect
from redis.asyncio import Redis

from gonghui.shared.auth import Principal, Role, UserDirectory
from gonghui.shared.departments import DepartmentDirectory, connection_url
from gonghui.shared.streams import StreamKeys
from tests.e2e.pages.browsing import (
    DESKTOP,
    PHONE,
    on_redis,
    sign_in_with_code,
    sign_in_with_password,
)
from tests.support.auth import bearer
from tests.support.system import RunningSystem, wait_until

ROOT = Path(__file__).resolve().parents[3]
T = TypeVar("T")
AREA = "330482"
ADMIN = bearer(Role.UNION_ADMIN, sub="admin-ph", area=AREA)
REVIEW_GROUP = bearer(Role.REVIEWER, sub="review-group", area=AREA)
SUPERVISOR = bearer(Role.SUPERVISOR, sub="supervisor-1", area=AREA)
PASSWORD = "Gonghui-测试-2026"
DRIVER = "13912345678"
"""The truck driver the case is for: he signs in with a code texted to this number."""
LIVE = 15_000
"""How long a page may take to show an event (ms): the relay, the stream and the SSE hop."""


def png(width: int = 4, height: int = 3) -> bytes:
    """A small real PNG, as a phone's camera roll might hold."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xc0\x39\x2b" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def account(system: RunningSystem, principal: Principal) -> None:
    """A person who signs in on the pages with PASSWORD (already chosen)."""
    on_redis(
        system,
        lambda r, k: UserDirectory(r, k).set_password(principal, PASSWORD, must_change=False),
    )


def department(system: RunningSystem, code: str, name: str) -> str:
    """Provision a department as `gonghui dept add` does; its own connection URL."""

    async def add(redis: Redis, keys: StreamKeys) -> str:
        _, password = await DepartmentDirectory(redis, keys).add(code, name)
        username = DepartmentDirectory.username_in(keys, code)
        return connection_url(system.env["REDIS_URL"], username=username, password=password)

    return on_redis(system, add)


def sign_in(page: Page, system: RunningSystem, who: str, then: str) -> None:
    """Sign in with a password on the page, landing on `then`."""
    page.goto(system.url("front", f"/sign-in?next={then}"))
    sign_in_with_password(page, who, PASSWORD)
    page.wait_for_url(re.compile(re.escape(then) + r"$"))


def act(system: RunningSystem, path: str, who: dict[str, str], **body: object) -> dict:
    """A staff move over the proposals API."""
    answer = httpx.post(system.url("proposals", path), json=body, headers=who)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def a_case(system: RunningSystem, proposal_id: str) -> dict:
    """The case as the union's admin reads it."""
    return httpx.get(system.url("proposals", f"/proposals/{proposal_id}"), headers=ADMIN).json()


def step(page: Page, key: str):  # type: ignore[no-untyped-def]
    """One of the five steps on a case page."""
    return page.locator(f"[data-testid=steps] [data-step={key}]")


@pytest.fixture
def transport_bureau(front_system: RunningSystem, tmp_path: Path) -> Iterator[None]:
    """The transport bureau's own system: it declines what it is sent (属镇政府职责)."""
    url = department(front_system, "jx-transport", "平湖市交通运输局")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.simulated_department",
            "--url",
            url,
            "--code",
            "jx-transport",
            "--prefix",
            front_system.env["GONGHUI_STREAM_PREFIX"],
            "--log",
            str(tmp_path / "jx-transport.jsonl"),
            "--decline",
            "属独山港镇职责，请改派",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    yield
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


def provision(system: RunningSystem) -> None:
    """Units, the routing rule and the people of the story."""
    department(system, "dushu-town", "独山港镇人民政府")
    units = (
        ("jx-transport", "平湖市交通运输局"),
        ("dushu-town", "独山港镇人民政府"),
        ("ph-women", "平湖市妇联"),
    )
    for code, name in units:
        put = httpx.put(
            system.url("proposals", f"/units/{code}"),
            json={"name": name, "kind": "department"},
            headers=ADMIN,
        )
        assert put.status_code == 200, put.text
    rule = {"unit_code": "jx-transport", "category": "transport", "area_prefix": AREA}
    assert httpx.post(
        system.url("proposals", "/routing-rules"), json=rule, headers=ADMIN
    ).is_success
    account(system, Principal(sub="rep-shen", role=Role.REPRESENTATIVE, area=AREA))
    account(system, Principal(sub="town-desk", role=Role.HANDLER, department="dushu-town"))
    account(system, Principal(sub="admin-ph", role=Role.UNION_ADMIN, area=AREA))
    account(system, Principal(sub="review-group", role=Role.REVIEWER, area=AREA))
    account(system, Principal(sub="supervisor-1", role=Role.SUPERVISOR, area=AREA))
    # The bureau's system reads its inbox before anything is routed to it.
    wait_until(
        lambda: (
            httpx.get(system.url("proposals", "/readyz")).json()["subscribers"]["subscribers"] >= 3
        )
    )


def test_a_case_moves_through_the_five_steps_live_on_the_representatives_phone(
    front_system: RunningSystem, transport_bureau: None, open_page, tmp_path: Path
) -> None:
    system = front_system
    provision(system)
    rep = open_page(PHONE)
    sign_in(rep, system, "rep-shen", "/cases/new")

    photo = tmp_path / "site.png"
    photo.write_bytes(png())
    rep.select_option("select[name=kind]", "proposal")
    rep.select_option("select[name=category]", "transport")
    rep.fill("input[name=title]", "关于为货车司机建设“司机之家”的提案")
    rep.fill(
        "textarea[name=body]",
        "港区货车司机多，缺少休息场所。联系人 13812345678，建议镇里与运输企业共建司机之家。",
    )
    rep.fill("input[name=member_mobiles]", DRIVER)
    rep.set_input_files("input[name=photos]", str(photo))
    rep.locator("#case-form button[type=submit]").click()

    rep.wait_for_url(re.compile(r"/cases/330482-\d{4}-\d{6}$"))
    case_no = rep.url.rsplit("/", 1)[1]
    expect(rep.get_by_test_id("case-no")).to_have_text(case_no)
    expect(step(rep, "submission")).to_have_attribute("data-state", "done")
    expect(step(rep, "review")).to_have_attribute("data-state", "current")
    expect(rep.locator(".photos img")).to_have_count(1)
    pid = a_case_by_number(system, case_no)["id"]

    # The review group finds it on its desk, takes it on and lets the routing rule pick the unit.
    group = open_page(DESKTOP)
    sign_in(group, system, "review-group", "/desk")
    waiting = group.get_by_test_id("desk-waiting").locator(f"[data-case-no='{case_no}']")
    expect(waiting).to_contain_text("审议立案期限")
    expect(waiting).not_to_contain_text("13812345678")
    waiting.locator("a").click()
    group.locator("[data-testid=move-accept] input[name=note]").fill("小组审议通过，立案")
    group.locator("[data-testid=move-accept] button").click()
    expect(group.get_by_test_id("sent")).to_contain_text("立案")
    expect(step(rep, "review")).to_have_attribute("data-state", "done", timeout=LIVE)
    assign = group.locator("[data-testid=move-assign]")
    expect(assign.locator("select[name=unit_code] option").first).to_have_text("按交办规则自动确定")
    assign.locator("input[name=note]").fill("请交通运输局办理")
    assign.locator("button").click()
    # The bureau's own system declines it on the bus; both pages show it without a reload.
    expect(step(rep, "handling")).to_contain_text("属独山港镇职责", timeout=LIVE)
    expect(step(group, "handling")).to_contain_text("属独山港镇职责", timeout=LIVE)
    wait_until(lambda: a_case(system, pid)["status"] == "accepted")
    group.reload()
    assign = group.locator("[data-testid=move-assign]")
    # The unit chosen to lead is not offered as its own co-handler.
    co_handler = {
        code: assign.locator(f"input[name=co_unit_codes][value='{code}']")
        for code in ("dushu-town", "ph-women")
    }
    assign.locator("select[name=unit_code]").select_option("dushu-town")
    expect(co_handler["dushu-town"]).to_be_disabled()
    co_handler["ph-women"].check()
    assign.locator("select[name=unit_code]").select_option("ph-women")
    expect(co_handler["ph-women"]).not_to_be_checked()
    expect(co_handler["ph-women"]).to_be_disabled()
    expect(co_handler["dushu-town"]).to_be_enabled()
    assign.locator("select[name=unit_code]").select_option("dushu-town")
    assign.locator("input[name=note]").fill("改派独山港镇")
    assign.locator("button").click()
    expect(rep.get_by_test_id("case-unit")).to_contain_text("独山港镇人民政府", timeout=LIVE)
    expect(group.get_by_test_id("moves")).to_contain_text("改派", timeout=LIVE)

    town = open_page(DESKTOP)
    sign_in(town, system, "town-desk", "/work")
    item = town.locator(f"[data-case-no='{case_no}']")
    expect(item).to_contain_text("单位受理期限")
    expect(item).not_to_contain_text("13812345678")
    item.locator("a").click()
    town.locator("[data-testid=move-accept] input[name=handler]").fill("王科长")
    town.locator("[data-testid=move-accept] button").click()
    expect(town.get_by_test_id("sent")).to_be_visible()
    expect(town.locator("[data-testid=move-progress]")).to_be_visible(timeout=LIVE)
    progress = town.locator("[data-testid=move-progress]")
    progress.locator("input[name=percent]").fill("60")
    progress.locator("input[name=milestone]").fill("与运输公司共建司机之家选址完成")
    progress.locator("input[name=photos]").set_input_files(str(photo))
    progress.locator("button").click()
    expect(step(rep, "handling")).to_contain_text("与运输公司共建司机之家选址完成", timeout=LIVE)
    expect(town.locator("[data-testid=move-complete]")).to_be_visible(timeout=LIVE)
    town.locator("[data-testid=move-complete] textarea[name=result]").fill(
        "共享“司机之家”已开放；司机子女入学名额已落实"
    )
    town.locator("[data-testid=move-complete] button").click()

    expect(step(rep, "handling")).to_have_attribute("data-state", "done", timeout=LIVE)
    expect(step(rep, "supervision")).to_have_attribute("data-state", "current")
    expect(rep.get_by_test_id("case-result")).to_contain_text("司机之家”已开放")
    expect(rep.locator(".photos img")).to_have_count(2)
    completed = a_case(system, pid)
    assert [t["actor"] for t in completed["timeline"] if t["step"] == "handling"] == [
        "dept:jx-transport",
        "dept:dushu-town",
        "dept:dushu-town",
        "dept:dushu-town",
    ]

    supervisor = open_page(DESKTOP)
    sign_in(supervisor, system, "supervisor-1", "/desk")
    supervisor.get_by_test_id("desk-waiting").locator(f"[data-case-no='{case_no}'] a").click()
    expect(supervisor.get_by_test_id("case-result")).to_contain_text("司机之家”已开放")
    supervisor.locator("[data-testid=move-verify] input[name=note]").fill(
        "实地督查：司机之家已投入使用"
    )
    supervisor.locator("[data-testid=move-verify] button").click()
    expect(supervisor.get_by_test_id("sent")).to_contain_text("督查通过")
    expect(step(rep, "supervision")).to_have_attribute("data-state", "done", timeout=LIVE)
    expect(supervisor.get_by_test_id("moves")).to_contain_text("当前无需您操作")

    # The driver the case is for follows it on his phone and rates the outcome (会员评家).
    driver = open_page(PHONE)
    driver.goto(system.url("front", f"/sign-in?next=/cases/{case_no}"))
    sign_in_with_code(driver, system, DRIVER)
    driver.wait_for_url(re.compile(re.escape(case_no) + r"$"))
    expect(step(driver, "supervision")).to_have_attribute("data-state", "done")
    expect(driver.get_by_test_id("case-title")).to_contain_text("司机之家")
    expect(driver.locator(".case-body")).to_contain_text("138****5678")
    outcome = driver.get_by_test_id("outcome-form")
    outcome.locator("label[title='4 星']").click()
    outcome.locator("textarea[name=comment]").fill("休息的地方有了，孩子上学还要再跟进")
    outcome.locator("button").click()
    expect(driver.get_by_test_id("outcome-rated")).to_be_visible()
    driver.goto(system.url("front", "/cases"))
    expect(driver.get_by_test_id("my-cases")).to_contain_text(case_no)
    driver.go_back()
    expect(rep.get_by_test_id("outcome-ratings")).to_contain_text("1 条", timeout=LIVE)
    rated = a_case(system, pid)["outcome_ratings"]
    assert [(r["score"], r["comment"][:6]) for r in rated] == [(4, "休息的地方有")]
    rate = rep.get_by_test_id("rate-form")
    expect(rate).to_be_visible(timeout=LIVE)
    rate.locator("label[title='5 星']").click()
    rate.locator("textarea[name=comment]").fill("司机们很满意")
    rate.locator("button").click()

    expect(rep.get_by_test_id("case-status")).to_have_text("已办结", timeout=LIVE)
    expect(step(rep, "feedback")).to_have_attribute("data-state", "done")
    expect(rep.get_by_test_id("feedback")).to_contain_text("5 星")
    assert a_case(system, pid)["satisfaction"] == 5

    rep.goto(system.url("front", "/cases"))
    expect(rep.get_by_test_id("my-cases")).to_contain_text(case_no)

    # Each step reached the representative's messages, and a notice leads to its case.
    rep.goto(system.url("front", "/messages"))
    expect(rep.get_by_test_id("unread")).to_contain_text("条未读")
    unread = int(rep.get_by_test_id("unread").inner_text().split()[0])
    expect(rep.get_by_test_id("unread-badge")).to_have_text(str(unread))
    receipt = rep.get_by_test_id("messages").get_by_role("link", name=re.compile("^已提交："))
    expect(receipt).to_have_text("已提交：关于为货车司机建设“司机之家”的提案")
    receipt.click()
    expect(rep.get_by_test_id("case-no")).to_have_text(case_no)
    rep.goto(system.url("front", "/messages"))
    rep.get_by_role("button", name="全部标为已读").click()
    expect(rep.get_by_role("status")).to_have_text("已全部标为已读。")
    expect(rep.get_by_test_id("unread")).to_have_text("没有未读消息")
    expect(rep.locator("[data-testid=messages] [data-read=no]")).to_have_count(0)
    expect(rep.get_by_test_id("unread-badge")).to_have_count(0)


def rate(value: float | None) -> str:
    """A rate as the dashboard writes it."""
    return "—" if value is None else f"{value * 100:.1f}%"


def new_case_page(
    system: RunningSystem, open_page: Callable[..., Page], representative: str
) -> Page:
    """A representative of the area on the new-case page, on a phone."""
    account(system, Principal(sub=representative, role=Role.REPRESENTATIVE, area=AREA))
    page = open_page(PHONE)
    sign_in(page, system, representative, "/cases/new")
    return page


def cases_of(system: RunningSystem, representative: str) -> list[dict]:
    """The cases a representative submitted, as the union's admin lists them."""
    listed = httpx.get(
        system.url("proposals", "/proposals"),
        params={"submitted_by": representative},
        headers=ADMIN,
    )
    return listed.json()["items"]


def test_a_second_tap_while_the_form_is_on_its_way_sends_nothing(
    front_system: RunningSystem, open_page
) -> None:
    # A double tap on a slow network submitted the case twice.
    system = front_system
    rep = new_case_page(system, open_page, "rep-tap")
    rep.select_option("select[name=kind]", "proposal")  # the dashboard's test counts the issues
    rep.fill("input[name=title]", "关于增设环卫工人午休点的提案")
    rep.fill("textarea[name=body]", "城东片区环卫工人中午无处休息，建议增设休息点。")
    held: list[Route] = []
    rep.route("**/cases/new", lambda route: held.append(route))  # a slow network: it waits
    rep.evaluate(  # the second tap, while the first one's request is on its way
        "setTimeout(() => document.querySelector('#case-form button[type=submit]').click(), 300)"
    )
    rep.locator("#case-form button[type=submit]").click(no_wait_after=True)
    rep.wait_for_timeout(1_000)  # Playwright hands the page's requests over while it waits
    for route in held:
        route.continue_()
    assert len(held) == 1
    rep.wait_for_url(re.compile(r"/cases/330482-\d{4}-\d{6}$"))
    assert len(cases_of(system, "rep-tap")) == 1


def test_a_form_sent_again_goes_where_the_first_went(
    front_system: RunningSystem, open_page
) -> None:
    # 返回 and 提交 once more (or a proxy that retries): the same form, sent twice.
    system = front_system
    rep = new_case_page(system, open_page, "rep-again")
    csrf = rep.locator("meta[name=csrf-token]").get_attribute("content")
    form = {
        "csrf_token": csrf or "",
        "form_id": "0123456789abcdef" * 2,
        "kind": "proposal",
        "area_code": AREA,
        "title": "关于延长驿站开放时间的提案",
        "body": "夜班环卫工人下班时驿站已关门，建议延长开放时间。",
    }
    url = system.url("front", "/cases/new")
    first = rep.request.post(url, form=form, max_redirects=0)
    again = rep.request.post(url, form=form, max_redirects=0)
    other = rep.request.post(url, form={**form, "form_id": "f" * 32}, max_redirects=0)

    assert first.status == again.status == other.status == 303
    assert again.headers["location"] == first.headers["location"]
    assert other.headers["location"] != first.headers["location"]  # a new form is a new case
    assert len(cases_of(system, "rep-again")) == 2
    refused = {**form, "form_id": "e" * 32, "title": ""}
    assert rep.request.post(url, form=refused, max_redirects=0).status == 422
    assert rep.request.post(url, form=refused, max_redirects=0).status == 422  # may try again


def a_case_by_number(system: RunningSystem, case_no: str) -> dict:
    """A case by its readable number, as the admin reads it."""
    answer = httpx.get(system.url("proposals", f"/proposals/{case_no}"), headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_dashboard_shows_the_apis_figures_for_the_admins_area(
    front_system: RunningSystem, open_page
) -> None:
    system = front_system
    account(system, Principal(sub="admin-ph", role=Role.UNION_ADMIN, area=AREA))
    account(system, Principal(sub="review-group", role=Role.REVIEWER, area=AREA))
    account(system, Principal(sub="supervisor-1", role=Role.SUPERVISOR, area=AREA))
    station = {
        "external_ref": "PH-0001",
        "name": "平湖市当湖街道户外劳动者驿站",
        "address": "浙江省平湖市当湖街道东湖路88号",
        "lat": 30.6997,
        "lon": 121.0155,
        "services": ["drinking_water", "rest", "charging"],
        "open_hours": "Mo-Su 07:00-21:00",
        "manager_name": "沈站长",
        "manager_phone": "13900001234",
        "area_code": AREA,
    }
    registered = httpx.post(system.url("stations", "/stations"), json=station, headers=ADMIN)
    assert registered.status_code == 201, registered.text
    representative = bearer(Role.REPRESENTATIVE, sub="rep-zhu", area=AREA)
    account(system, Principal(sub="rep-zhu", role=Role.REPRESENTATIVE, area=AREA))
    for title in ("环卫工午休无处可去", "外卖骑手充电难"):
        body = {
            "kind": "issue",
            "title": title,
            "body": f"{title}，请协调解决。",
            "area_code": AREA,
        }
        act(system, "/proposals", representative, **body)

    admin = open_page(DESKTOP)
    sign_in(admin, system, "admin-ph", "/dashboard")

    totals = httpx.get(system.url("stations", f"/areas/{AREA}/totals"), headers=ADMIN).json()
    stats = httpx.get(
        system.url("proposals", "/stats"), params={"by": "kind"}, headers=ADMIN
    ).json()
    duty = httpx.get(
        system.url("proposals", "/representatives/rep-zhu/duty-report"), headers=ADMIN
    ).json()
    card = lambda key: admin.locator(f"[data-card={key}] .value")  # noqa: E731
    expect(card("stations_active")).to_have_text(str(totals["active_stations"]))
    expect(card("cases_submitted")).to_have_text(str(stats["total"]["submitted"]))
    expect(card("key_contacts")).to_have_text(str(stats["key_contacts"]))
    expect(card("home_visits")).to_have_text(str(stats["home_visits"]["visits"]))
    expect(card("closure_rate")).to_have_text(rate(stats["total"]["closure_rate"]))
    cases = admin.locator("[data-table=cases] tbody tr")
    expect(cases.filter(has_text="问题建议")).to_contain_text(
        str(stats["by"]["kind"]["issue"]["submitted"])
    )
    vocabulary = httpx.get(system.url("stations", "/vocabulary")).json()
    proposed = next(t["label"] for t in vocabulary["statuses"] if t["key"] == "proposed")
    stations = admin.locator("[data-table=stations] tbody tr").filter(has_text=proposed)
    expect(stations).to_contain_text(str(totals["stations"].get("proposed", 0)))
    expect(admin.locator("[data-table=compliance]")).to_contain_text(registered.json()["code"])
    duty_row = admin.locator("[data-table=duty] tbody tr").filter(has_text="rep-zhu")
    expect(duty_row).to_contain_text(str(duty["counts"]["submission"]))
    expect(admin.locator("#chart-cases svg")).to_have_count(1)

    exported = admin.request.get(system.url("front", "/dashboard/cases.csv"))
    assert exported.ok and exported.headers["content-type"].startswith("text/csv")
    lines = exported.text().lstrip("\ufeff").splitlines()
    assert lines[0].startswith("类型,提交,审议中,办理中,超期,已办结")
    assert any(line.startswith("问题建议,2,2,0,0,0") for line in lines), lines
    phone = open_page(PHONE)
    sign_in(phone, system, "admin-ph", "/dashboard")
    submitted = str(stats["total"]["submitted"])
    expect(phone.locator("[data-card=cases_submitted] .value")).to_have_text(submitted)
    # A phone scrolls a wide table sideways; it does not squeeze a heading onto several lines.
    squeezed = phone.evaluate(
        """() => [...document.querySelectorAll('table.data th')]
            .filter(th => th.getBoundingClientRect().height
                          > 2.5 * parseFloat(getComputedStyle(th).fontSize))
            .map(th => th.textContent)"""
    )
    assert squeezed == [], f"headings squeezed onto several lines on a phone: {squeezed}"


def test_the_review_group_merges_returns_and_rejects_at_its_desk_and_is_told_why_when_refused(
    front_system: RunningSystem, open_page
) -> None:
    system = front_system
    account(system, Principal(sub="review-group", role=Role.REVIEWER, area=AREA))
    representative = bearer(Role.REPRESENTATIVE, sub="rep-lu", area=AREA)
    cases = [
        act(
            system,
            "/proposals",
            representative,
            kind="issue",
            title=title,
            body=f"{title}，请协调解决。",
            area_code=AREA,
        )
        for title in ("环卫工人冬季热水供应不足", "驿站冬季热水不够用", "希望多建驿站")
    ]
    first, duplicate, vague = (c["case_no"] for c in cases)

    group = open_page(DESKTOP)
    sign_in(group, system, "review-group", "/desk")
    expect(group.locator("h1")).to_have_text("小组审议")
    expect(group.locator("header nav")).to_contain_text("审议督查")
    expect(group.locator("header nav")).not_to_contain_text("数据看板")

    group.goto(system.url("front", f"/desk/{duplicate}"))
    merge = group.locator("[data-testid=move-merge]")
    group.locator("summary", has_text="并案").click()
    merge.locator("input[name=into]").fill(f"{AREA}-2026-999999")
    merge.locator("button").click()
    expect(group.get_by_test_id("refused")).to_be_visible()
    assert a_case(system, cases[1]["id"])["status"] == "submitted"
    group.locator("summary", has_text="并案").click()
    merge.locator("input[name=into]").fill(first)
    merge.locator("input[name=note]").fill("与热水供应一案重复")
    merge.locator("button").click()
    expect(group.get_by_test_id("sent")).to_contain_text("并案")
    merged = a_case(system, cases[1]["id"])
    assert (merged["status"], merged["merged_into"]) == ("merged", cases[0]["id"])

    group.goto(system.url("front", f"/desk/{vague}"))
    group.locator("summary", has_text="退回补充").click()
    group.locator("[data-testid=move-return] input[name=reason]").fill("请补充希望建在哪个街道")
    group.locator("[data-testid=move-return] button").click()
    expect(group.get_by_test_id("sent")).to_contain_text("退回补充")
    expect(group.get_by_test_id("moves")).to_contain_text("当前无需您操作")
    assert a_case(system, cases[2]["id"])["status"] == "returned"

    group.goto(system.url("front", f"/desk/{first}"))
    group.locator("summary", has_text="不予立案").click()
    group.locator("[data-testid=move-reject] input[name=reason]").fill("已纳入全市驿站热水改造计划")
    group.locator("[data-testid=move-reject] button").click()
    expect(group.get_by_test_id("sent")).to_contain_text("不予立案")
    assert a_case(system, cases[0]["id"])["status"] == "rejected"
    group.goto(system.url("front", "/desk"))
    expect(group.locator("h1")).to_have_text("小组审议")
    expect(group.locator(f"[data-case-no='{first}']")).to_have_count(0)
