"""A representative's home visits on a phone: a key contact registered (and shown masked), a
visit recorded, and a second visit that finds the house in disrepair raising a zero-distance
report on the spot."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from redis.asyncio import Redis

from gonghui.shared.auth import Principal, Role, UserDirectory
from gonghui.shared.streams import StreamKeys
from tests.e2e.pages.browsing import PHONE, on_redis, sign_in_with_password
from tests.support.system import RunningSystem, wait_until

pytestmark = pytest.mark.e2e

PASSWORD = "visits-Password-1"
REPRESENTATIVE = Principal(sub="rep-pinghu-lu", role=Role.REPRESENTATIVE, area="330482")


def test_a_visit_that_finds_a_need_raises_a_zero_distance_report(
    front_system: RunningSystem, open_page: Callable[..., Page]
) -> None:
    async def account(redis: Redis, keys: StreamKeys) -> None:
        await UserDirectory(redis, keys).set_password(REPRESENTATIVE, PASSWORD, must_change=False)

    on_redis(front_system, account)
    rep = open_page(PHONE)
    rep.goto(front_system.url("front", "/sign-in?next=/visits"))
    sign_in_with_password(rep, REPRESENTATIVE.sub, PASSWORD)
    rep.wait_for_url(re.compile(r"/visits$"))

    rep.locator("#new-contact summary").click()
    rep.get_by_label("姓名").fill("王秀兰")
    rep.get_by_label("电话（可选）").fill("13812345678")
    rep.get_by_label("住址（可选）").fill("平湖市当湖街道东湖小区3幢")
    rep.get_by_label("困难情况（可选）").fill("独居老人，子女在外地")
    rep.get_by_role("button", name="登记").click()
    expect(rep.get_by_role("status")).to_contain_text("已登记")
    contact = rep.get_by_test_id("contacts").locator(".result")
    expect(contact).to_have_count(1)
    expect(contact.locator("h3")).not_to_have_text("王秀兰")  # masked in the list
    expect(rep.locator("main")).not_to_contain_text("13812345678")

    contact.locator("summary").click()
    contact.get_by_label("走访情况").fill("身体尚好，冬季取暖困难")
    contact.get_by_role("button", name="记录走访").click()
    expect(rep.get_by_role("status")).to_have_text("走访已记录。")
    expect(contact).to_contain_text("走访 1 次")

    contact.locator("summary").click()
    contact.get_by_label("走访情况").fill("屋顶漏雨")
    contact.get_by_label("需求标题").fill("困难职工家中屋顶漏雨待修")
    contact.get_by_label("需求说明").fill("老房屋顶多处漏雨，需专业维修，请物业或相关单位认领。")
    contact.get_by_label("类别").select_option(label="住房修缮")
    contact.get_by_role("button", name="记录走访").click()
    rep.wait_for_url(re.compile(r"/cases/"))
    expect(rep.locator("main")).to_contain_text("困难职工家中屋顶漏雨待修")
    expect(rep.locator("main")).to_contain_text("零距离")

    rep.goto(front_system.url("front", "/visits"))
    expect(rep.get_by_test_id("contacts").locator(".result")).to_contain_text("走访 2 次")

    # The duty report wrote itself from the visits' events.
    def visits_on_record() -> bool:
        rep.goto(front_system.url("front", "/duty"))
        row = rep.get_by_test_id("duty-counts").locator("tr", has_text="入户走访")
        return row.locator("td").inner_text() == "2"

    wait_until(visits_on_record, timeout=15, interval=0.5)
    expect(rep.get_by_test_id("timeline")).to_contain_text("入户走访")
