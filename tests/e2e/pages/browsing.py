"""What the browser tests and the screenshot command share: viewports, settings, signing in."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import Page, expect
from redis.asyncio import Redis

from gonghui.shared.streams import StreamKeys
from tests.support.system import RunningSystem, wait_until

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
UNREACHABLE_TILES = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"
"""The map tiles' URL in these tests: nothing listens there, as when tiles are out of reach."""
PAGES_ENV = {
    "FRONT_MAP_TILES_URL": UNREACHABLE_TILES,
    "FRONT_SIGN_IN_CLIENT_PER_MINUTE": "600",
    "FRONT_CODE_CLIENT_PER_HOUR": "600",
}
"""Every browser of the tests comes from 127.0.0.1: the per-client limits are raised."""


def texted_code(system: RunningSystem, mobile: str) -> str:
    """The newest code notify logged for `mobile` (development: no SMS gateway)."""
    masked = re.escape(f"{mobile[:3]}****{mobile[-4:]}")
    found = re.findall(rf"development sign-in code (\d{{6}}) for {masked}", system.log("notify"))
    return found[-1] if found else ""


def sign_in_with_code(page: Page, system: RunningSystem, mobile: str) -> None:
    """On the sign-in page: ask for a code, read it from notify's log, enter it."""
    page.get_by_label("手机号").fill(mobile)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("status")).to_contain_text(f"{mobile[:3]}****{mobile[-4:]}")
    code = wait_until(lambda: texted_code(system, mobile))
    page.get_by_label("验证码").fill(code)
    page.locator("#code-sign-in").get_by_role("button", name="登录", exact=True).click()


def sign_in_with_password(page: Page, account: str, password: str) -> None:
    """On the sign-in page: account and password."""
    page.get_by_label("账号").fill(account)
    page.get_by_label("密码").fill(password)
    page.locator("#password-sign-in").get_by_role("button", name="登录", exact=True).click()


def on_redis(system: RunningSystem, work: Callable[[Redis, StreamKeys], Awaitable[T]]) -> T:
    """Do something with the system's Redis as its operator would (`gonghui user|dept ...`).

    Playwright's sync API keeps an event loop running in this thread: the work runs in another.
    """

    async def run() -> T:
        redis = Redis.from_url(system.env["REDIS_URL"])
        try:
            return await work(redis, StreamKeys(system.env["GONGHUI_STREAM_PREFIX"]))
        finally:
            await redis.aclose()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, run()).result()
