"""A bank branch's station on the pages that manage it: the union assesses the six points and
hangs the plaque, the branch's manager keeps its hours right, closes it for a typhoon, opens it
again and shows the QR code workers scan; another unit cannot touch it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect
from redis.asyncio import Redis

from gonghui.shared.auth import Principal, Role, UserDirectory
from gonghui.shared.streams import StreamKeys
from tests.e2e.pages.browsing import PHONE, on_redis, sign_in_with_password
from tests.e2e.pages.conftest import PageErrors
from tests.support.auth import bearer
from tests.support.builders import station_data
from tests.support.system import RunningSystem

pytestmark = pytest.mark.e2e

PASSWORD = "manager-Password-1"
ADMIN = Principal(sub="fz-admin-lin", role=Role.UNION_ADMIN, area="350100")
BRANCH = Principal(sub="cib-wusi-manager", role=Role.PARTNER, department="cib-bank")
POST_OFFICE = Principal(sub="post-gulou", role=Role.PARTNER, department="fj-post")


@pytest.fixture(scope="module")
def station(front_system: RunningSystem) -> Iterator[str]:
    """A station the union registered for the bank (proposed), and the three accounts."""

    async def accounts(redis: Redis, keys: StreamKeys) -> None:
        users = UserDirectory(redis, keys)
        for person in (ADMIN, BRANCH, POST_OFFICE):
            await users.set_password(person, PASSWORD, must_change=False)

    on_redis(front_system, accounts)
    registered = httpx.post(
        front_system.url("stations", "/stations"),
        json={
            **station_data(external_ref="CIB-WUSI-9", name="兴业银行温泉支行爱心驿站"),
            "operator": "cib-bank",
        },
        headers=bearer(Role.UNION_ADMIN, sub="fz-admin-lin", area="350100"),
        timeout=15,
    )
    assert registered.status_code == 201, registered.text
    yield registered.json()["code"]


def signed_in(
    open_page: Callable[..., Page], system: RunningSystem, person: Principal, **options: object
) -> Page:
    page = open_page(PHONE, **options)
    page.goto(system.url("front", "/sign-in?next=/manage"))
    sign_in_with_password(page, person.sub, PASSWORD)
    page.wait_for_url(re.compile(r"/manage$"))
    return page


def public(system: RunningSystem, code: str) -> dict[str, object]:
    """The station as a worker's app reads it."""
    answer = httpx.get(system.url("stations", f"/stations/{code}"), timeout=5)
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def test_the_union_assesses_and_hangs_the_plaque_and_the_branch_runs_its_station(
    front_system: RunningSystem,
    station: str,
    open_page: Callable[..., Page],
    page_errors: PageErrors,
) -> None:
    admin = signed_in(open_page, front_system, ADMIN)
    listed = admin.get_by_test_id("managed").locator(".result", has_text="兴业银行温泉支行爱心驿站")
    expect(listed).to_contain_text("待挂牌")
    expect(listed).to_contain_text("六有未达标")
    listed.get_by_role("link").click()
    expect(admin.get_by_test_id("status")).to_have_text("待挂牌")
    expect(admin.get_by_role("button", name="挂牌")).to_have_count(0)  # not before the six points

    # Five of six: the plaque still cannot be hung.
    for label in ("统一标识和名称", "合理布局", "完善设施", "齐全服务功能", "规范管理制度"):
        admin.locator("fieldset", has_text=label).get_by_label("达标").check()
    admin.get_by_label("及时的地图信息的说明").fill("地图未标注")
    admin.get_by_role("button", name="记录评估").click()
    expect(admin.get_by_role("status")).to_have_text("六有评估已记录。")
    expect(admin.locator("#assessment")).to_contain_text("未达标：及时的地图信息")
    expect(admin.get_by_role("button", name="挂牌")).to_have_count(0)

    admin.locator("fieldset", has_text="及时的地图信息").get_by_label("达标").check()
    admin.get_by_label("地图信息核实日期").fill("2026-11-20")
    admin.get_by_role("button", name="记录评估").click()
    expect(admin.locator("#assessment")).to_contain_text("全部达标")
    admin.get_by_role("button", name="挂牌").click()
    expect(admin.get_by_role("status")).to_have_text("已挂牌，站点开始运营。")
    expect(admin.get_by_test_id("status")).to_have_text("运营中")
    assert public(front_system, station)["status"] == "active"

    # The branch sees its own station only, and keeps its information right.
    branch = signed_in(open_page, front_system, BRANCH)
    codes = branch.get_by_test_id("managed").locator(".result")
    expect(codes).to_have_count(1)
    codes.get_by_role("link").click()
    expect(branch.get_by_test_id("qr").locator("svg")).to_be_visible()

    branch.get_by_label("开放时间").fill("周一到周五八点")
    branch.get_by_role("button", name="保存公开信息").click()
    expect(branch.get_by_test_id("form-error")).to_contain_text("open_hours")
    expect(branch.get_by_label("开放时间")).to_have_value("周一到周五八点")  # kept to correct
    page_errors.forgive(f"/manage/{station}/info")

    branch.get_by_label("开放时间").fill("Mo-Fr 07:00-21:00; Sa,Su 09:00-18:00")
    branch.get_by_label("热水").check()
    branch.get_by_label("站长", exact=True).fill("陈敏")
    branch.get_by_role("button", name="保存公开信息").click()
    expect(branch.get_by_role("status")).to_contain_text("公开信息已更新")
    shown = public(front_system, station)
    assert shown["open_hours"] == "Mo-Fr 07:00-21:00; Sa,Su 09:00-18:00"
    assert "hot_water" in shown["services"] and shown["manager_name"] == "陈敏"

    # A typhoon: closed until tomorrow evening, then open again early.
    branch.get_by_label("暂停到（北京时间）").fill("2030-08-01T18:00")
    branch.get_by_label("原因", exact=True).fill("台风停业")
    branch.get_by_role("button", name="暂停服务").click()
    expect(branch.get_by_test_id("status")).to_have_text("暂停服务")
    expect(branch.locator("#status")).to_contain_text("台风停业")
    assert public(front_system, station)["status"] == "suspended"
    expect(branch.get_by_test_id("qr")).to_have_count(0)  # no check-ins while closed
    branch.get_by_role("button", name="现在恢复服务").click()
    expect(branch.get_by_test_id("status")).to_have_text("运营中")

    # Stock kept, and a worker's complaint handled.
    supplies = branch.locator("#supplies")
    supplies.get_by_label("物资").select_option(label="饮用水")
    supplies.get_by_label("数量").fill("48")
    supplies.get_by_label("提醒线", exact=False).fill("12")
    supplies.get_by_role("button", name="补充").click()
    expect(branch.get_by_role("status")).to_have_text("物资数量已更新。")
    supplies.get_by_label("物资").select_option(label="饮用水")
    supplies.get_by_label("数量").fill("40")
    supplies.get_by_role("button", name="领用").click()
    water = branch.locator("#supplies tr[data-item=water]")
    expect(water).to_contain_text("8")
    expect(water).to_contain_text("不足")

    complaint = httpx.post(
        front_system.url("stations", f"/stations/{station}/feedback"),
        json={"kind": "complaint", "category": "service_missing", "text": "饮水机没有热水"},
        timeout=5,
    )
    assert complaint.status_code == 201, complaint.text
    branch.reload()
    expect(branch.get_by_test_id("open-complaints")).to_have_text("1")
    handled = branch.get_by_test_id("complaint")
    expect(handled).to_contain_text("饮水机没有热水")
    handled.get_by_label("处理结果").fill("已修好加热模块")
    handled.get_by_role("button", name="办结").click()
    expect(branch.get_by_role("status")).to_have_text("投诉已办结，处理结果已记录。")
    expect(branch.get_by_test_id("open-complaints")).to_have_text("0")

    # An activity published here is on the station's page for workers to sign up to.
    branch.locator("#activities summary").click()
    form = branch.locator("#activities form")
    form.get_by_label("活动名称").fill("冬日送温暖")
    form.get_by_label("地点").fill("驿站门口")
    form.get_by_label("开始（北京时间）").fill("2030-01-05T09:00")
    form.get_by_label("结束（北京时间）").fill("2030-01-05T08:00")  # before it starts
    form.get_by_label("名额").fill("30")
    form.get_by_role("button", name="发布").click()
    expect(branch.get_by_test_id("form-error")).to_be_visible()
    page_errors.forgive(f"/manage/{station}/activity")
    expect(form.get_by_label("活动名称")).to_have_value("冬日送温暖")
    form.get_by_label("结束（北京时间）").fill("2030-01-05T11:00")
    form.get_by_role("button", name="发布").click()
    expect(branch.get_by_role("status")).to_contain_text("活动已发布")
    expect(branch.get_by_test_id("activity")).to_contain_text("冬日送温暖")
    workers_see = httpx.get(
        front_system.url("stations", "/activities"), params={"station_code": station}, timeout=5
    ).json()
    assert [a["title"] for a in workers_see] == ["冬日送温暖"]

    # The QR code alone, for a screen at the station: it reloads when the code changes.
    branch.get_by_role("link", name=re.compile("全屏显示")).click()
    expect(branch.locator("h1")).to_have_text("兴业银行温泉支行爱心驿站")
    expect(branch.get_by_test_id("qr").locator("svg")).to_be_visible()
    refresh = branch.locator("meta[http-equiv=refresh]").get_attribute("content")
    assert refresh is not None and 5 <= int(refresh) <= 601


def test_another_unit_neither_lists_nor_opens_a_station_it_does_not_run(
    front_system: RunningSystem,
    station: str,
    open_page: Callable[..., Page],
    page_errors: PageErrors,
) -> None:
    post = signed_in(open_page, front_system, POST_OFFICE)
    expect(post.locator("main")).to_contain_text("您还没有管理的站点")
    answer = post.goto(front_system.url("front", f"/manage/{station}"))
    assert answer is not None and answer.status == 403
    page_errors.forgive(f"/manage/{station}")
    expect(post.locator("main")).to_contain_text("该站点不由贵单位运营")
    refused = post.request.post(
        front_system.url("front", f"/manage/{station}/suspend"),
        form={"until": "2030-08-01T18:00", "reason": "冒充"},
    )
    assert refused.status in (400, 403)
    assert public(front_system, station)["status"] != "suspended"


def test_a_branch_registers_its_new_station_standing_in_it(
    front_system: RunningSystem,
    station: str,
    open_page: Callable[..., Page],
    page_errors: PageErrors,
) -> None:
    branch = signed_in(
        open_page,
        front_system,
        BRANCH,
        geolocation={"latitude": 26.0712, "longitude": 119.2968},
        permissions=["geolocation"],
    )
    branch.get_by_role("link", name="登记新站点").click()
    branch.get_by_label("站点名称").fill("兴业银行南门支行爱心驿站")
    branch.get_by_label("地址").fill("福州市鼓楼区八一七北路68号")
    branch.get_by_role("button", name="使用我的位置（在站点现场）").click()
    expect(branch.get_by_label("纬度")).to_have_value("26.071200")
    branch.get_by_label("站长", exact=True).fill("郑红")
    branch.get_by_label("站长电话").fill("13905910088")
    branch.get_by_role("button", name="登记").click()  # no service ticked
    expect(branch.get_by_test_id("form-error")).to_contain_text("services")
    page_errors.forgive("/manage/new")
    expect(branch.get_by_label("站点名称")).to_have_value("兴业银行南门支行爱心驿站")
    expect(branch.get_by_label("经度")).to_have_value("119.296800")

    branch.get_by_label("饮水").check()
    branch.get_by_label("充电").check()
    branch.get_by_role("button", name="登记").click()
    expect(branch.get_by_role("status")).to_contain_text("站点已登记")
    expect(branch.get_by_test_id("status")).to_have_text("待挂牌")
    code = branch.url.rsplit("/", 1)[-1].split("?")[0]
    registered = public(front_system, code)
    assert registered["operator"] == "cib-bank" and registered["area_code"] == "350102"
    assert sorted(registered["services"]) == ["charging", "drinking_water"]
    branch.goto(front_system.url("front", "/manage"))
    expect(branch.get_by_test_id("managed").locator(".result")).to_have_count(2)
