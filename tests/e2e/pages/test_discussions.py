"""职工事大家议 on the pages: a representative puts livestream sellers' lack of skills to everyone,
members comment and support it, and the review group turns it into a case it then handles."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from redis.asyncio import Redis

from gonghui.shared.auth import Principal, Role, UserDirectory, auth_secret
from gonghui.shared.streams import StreamKeys
from tests.e2e.pages.browsing import PHONE, on_redis, sign_in_with_password
from tests.e2e.pages.conftest import PageErrors
from tests.support.system import RunningSystem

pytestmark = pytest.mark.e2e

PASSWORD = "discuss-Password-1"
REPRESENTATIVE = Principal(sub="rep-pinghu-shen", role=Role.REPRESENTATIVE, area="330482")
MEMBER = Principal(sub="member-zhu", role=Role.MEMBER, area="330482")
REVIEWER = Principal(sub="review-pinghu", role=Role.REVIEWER, area="330482")
NAMES = {REPRESENTATIVE.sub: "沈代表", MEMBER.sub: "朱会员", REVIEWER.sub: "审议小组"}


def signed_in(open_page: Callable[..., Page], system: RunningSystem, person: Principal) -> Page:
    page = open_page(PHONE)
    page.goto(system.url("front", "/sign-in?next=/discuss"))
    sign_in_with_password(page, person.sub, PASSWORD)
    page.wait_for_url(re.compile(r"/discuss$"))
    return page


def test_an_issue_is_discussed_supported_and_becomes_a_case(
    front_system: RunningSystem, open_page: Callable[..., Page], page_errors: PageErrors
) -> None:
    async def accounts(redis: Redis, keys: StreamKeys) -> None:
        users = UserDirectory(redis, keys)
        for person in (REPRESENTATIVE, MEMBER, REVIEWER):
            await users.add(person, secret=auth_secret(), name=NAMES[person.sub])
            await users.set_password(person, PASSWORD, must_change=False)

    on_redis(front_system, accounts)

    rep = signed_in(open_page, front_system, REPRESENTATIVE)
    rep.get_by_role("link", name="发起议题").click()
    rep.get_by_label("议题").fill("直播    ")  # too short once trimmed
    rep.get_by_label("详细说明").fill("不少职工转做直播带货，但缺少选品、拍摄和运营技能。")
    rep.get_by_role("button", name="发布").click()
    expect(rep.get_by_test_id("form-error")).to_contain_text("title")
    page_errors.forgive("/discuss/new")
    expect(rep.get_by_label("详细说明")).to_have_value(re.compile("缺少选品"))
    rep.get_by_label("议题").fill("直播带货职工缺少技能培训")
    rep.get_by_label("类别").select_option(label="技能培训")
    rep.get_by_role("button", name="发布").click()
    expect(rep.get_by_role("status")).to_contain_text("议题已发布")
    discussion = rep.url.split("?")[0]

    member = signed_in(open_page, front_system, MEMBER)
    member.get_by_test_id("discussions").get_by_role(
        "link", name="直播带货职工缺少技能培训"
    ).click()
    member.get_by_label("我的看法").fill("建议请做得好的企业工会结对，开展实操培训。")
    member.get_by_role("button", name="发表").click()
    expect(member.get_by_role("status")).to_have_text("评论已发表。")
    member.get_by_role("button", name="附议").click()
    expect(member.get_by_test_id("supports")).to_have_text("1")
    member.get_by_role("button", name="附议").click()  # once per member
    expect(member.get_by_test_id("form-error")).to_be_visible()
    page_errors.forgive("/support")
    expect(member.get_by_test_id("supports")).to_have_text("1")
    comment = member.get_by_test_id("comment")
    expect(comment).to_contain_text("朱会员")
    expect(comment).to_contain_text("企业工会结对")

    reviewer = signed_in(open_page, front_system, REVIEWER)
    reviewer.goto(discussion)
    expect(reviewer.locator("main")).to_contain_text("沈代表")
    reviewer.get_by_label("转为").select_option(label="实事项目")
    reviewer.get_by_label("说明（可选）").fill("议定由企业工会结对开展培训")
    reviewer.get_by_role("button", name="转为办理事项").click()
    reviewer.wait_for_url(re.compile(r"/desk/"))
    expect(reviewer.locator("main")).to_contain_text("直播带货职工缺少技能培训")

    rep.goto(discussion)
    expect(rep.get_by_test_id("converted")).to_contain_text("已转为办理事项")
    expect(rep.get_by_role("button", name="附议")).to_have_count(0)
