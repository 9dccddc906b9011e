"""A worker on a phone finds the nearest open station with water, signs in with a texted code,
signs up for its activity and rates it; the API docs render with no network."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages.browsing import DESKTOP, PHONE, sign_in_with_code
from tests.e2e.pages.seed import Seeded, seed_fuzhou
from tests.support.system import RunningSystem

pytestmark = pytest.mark.e2e

WORKER_MOBILE = "13912345678"


@pytest.fixture(scope="module")
def seeded(front_system: RunningSystem) -> Iterator[Seeded]:
    """Four stations around 26.08, 119.30 and an activity."""
    yield seed_fuzhou(front_system.url("stations"))


def test_a_worker_finds_an_open_station_with_water_signs_up_and_rates_it(
    front_system: RunningSystem, seeded: Seeded, open_page: Callable[..., Page]
) -> None:
    page = open_page(
        PHONE,
        geolocation={"latitude": 26.08, "longitude": 119.30},
        permissions=["geolocation"],
    )
    page.goto(front_system.url("front", "/"))
    page.get_by_label("饮水", exact=True).check()
    page.get_by_role("button", name="使用我的位置").click()
    page.wait_for_url(re.compile(r"lat=26\.08"))

    results = page.locator(".result")
    codes = results.evaluate_all("items => items.map(item => item.dataset.code)")
    assert codes == [seeded.open_with_water, seeded.farther_with_water]
    nearest = results.first
    expect(nearest.locator("h3")).to_have_text("兴业银行五四路爱心驿站")
    expect(nearest).to_contain_text("营业中")
    expect(nearest).to_contain_text("米")
    expect(nearest.get_by_role("link", name="13800138000")).to_have_attribute(
        "href", "tel:13800138000"
    )
    expect(nearest.locator("a[data-app=amap]")).to_have_attribute(
        "href", re.compile(r"coordinate=gaode")
    )
    expect(nearest.locator("a[data-app=baidu]")).to_have_attribute(
        "href", re.compile(r"coord_type=bd09ll")
    )

    nearest.get_by_role("link", name="兴业银行五四路爱心驿站").click()
    expect(page.locator("h1")).to_have_text("兴业银行五四路爱心驿站")
    expect(page.locator("#hours")).to_contain_text("每天")
    expect(page.locator("#rules")).to_contain_text("安全须知")
    page.get_by_role("link", name="登录后报名").click()
    sign_in_with_code(page, front_system, WORKER_MOBILE)
    expect(page.locator("h1")).to_have_text("兴业银行五四路爱心驿站")
    expect(page.get_by_test_id("signed-in")).to_have_text("139****5678")

    page.get_by_role("button", name="一键报名").click()
    expect(page.get_by_role("status")).to_have_text("报名成功！")
    expect(page.locator(f"#activity-{seeded.activity_id}")).to_contain_text("剩余 29")

    page.locator("label[title='4 星']").click()
    page.get_by_label("说点什么（选填）").fill("饮水机有热水，很方便，谢谢！")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("status")).to_have_text("感谢您的评价！")

    stations = front_system.url("stations")
    station = httpx.get(f"{stations}/stations/{seeded.open_with_water}", timeout=10).json()
    assert station["rating"] == {"count": 1, "average": 4.0}
    activity = httpx.get(f"{stations}/activities/{seeded.activity_id}", timeout=10).json()
    assert activity["confirmed"] == 1


def test_a_typed_address_or_landmark_finds_stations_with_the_map_tiles_out_of_reach(
    front_system: RunningSystem, seeded: Seeded, desktop: Page
) -> None:
    desktop.goto(front_system.url("front", "/"))
    desktop.get_by_label("或输入地址").fill("福州市鼓楼区")
    desktop.get_by_role("button", name="查找").click()
    expect(desktop.locator("#searched")).to_contain_text("福建省福州市鼓楼区")
    expect(desktop.locator(".result").first).to_be_visible()
    count = desktop.locator(".result").count()
    expect(desktop.locator("#map .leaflet-marker-icon")).to_have_count(count)

    # A bare district name shared by several cities: the one where stations are.
    desktop.get_by_label("或输入地址").fill("鼓楼区")
    desktop.get_by_role("button", name="查找").click()
    expect(desktop.locator("#searched")).to_contain_text("按“福建省福州市鼓楼区”的位置查找")
    # A street or landmark is where a station naming it is, not the district's centre.
    for typed, label in (("鼓楼区五四路154号", "五四路154号"), ("五四路", "五四路")):
        desktop.get_by_label("或输入地址").fill(typed)
        desktop.get_by_role("button", name="查找").click()
        expect(desktop.locator("#searched")).to_contain_text(
            f"按“{label}”的位置查找（以“兴业银行五四路爱心驿站”为准）"
        )
        expect(desktop.locator(".result").first).to_have_attribute(
            "data-code", seeded.open_with_water
        )
    desktop.get_by_label("或输入地址").fill("不存在的地方")
    desktop.get_by_role("button", name="查找").click()
    expect(desktop.get_by_role("alert")).to_contain_text("place_not_found")


def test_a_poster_link_opens_the_finder_at_its_place(
    front_system: RunningSystem, seeded: Seeded, phone: Page
) -> None:
    phone.goto(front_system.url("front", "/?lat=26.08&lon=119.30"))
    codes = phone.locator(".result").evaluate_all("items => items.map(item => item.dataset.code)")
    # Open now by default: the closed station, though nearest, is not offered.
    assert seeded.closed_nearest not in codes
    assert seeded.open_without_water in codes


@pytest.mark.parametrize("service", ["stations", "proposals", "notify", "front"])
def test_api_docs_render_with_no_network(
    front_system: RunningSystem, open_page: Callable[..., Page], service: str
) -> None:
    page = open_page(DESKTOP)
    page.goto(front_system.url(service, "/docs"))
    # Swagger UI's bundle is 1.7 MB of script: give a busy machine time to run it.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("gonghui", timeout=30_000)
    expect(page.locator(".opblock").first).to_be_visible()
    if service != "front":
        page.goto(front_system.url(service, "/asyncapi"))
        expect(page.locator("h1")).to_contain_text("gonghui")
        expect(page.locator("section.channel").first).to_be_visible()
