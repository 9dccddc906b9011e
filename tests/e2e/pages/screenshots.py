"""Regenerate the pages' screenshots in docs/screenshots/ from a freshly seeded system:

    uv run python -m tests.e2e.pages.screenshots

Uses REDIS_URL if set (under a key prefix of its own, deleted after), else an embedded server.
Add a page by adding a `Shot` to `SHOTS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from redis.asyncio import Redis

from gonghui.shared.auth import Principal, Role, UserDirectory
from gonghui.shared.streams import StreamKeys
from tests.e2e.pages import seed_cases as cases
from tests.e2e.pages.browsing import (
    CHROMIUM,
    DESKTOP,
    PAGES_ENV,
    PHONE,
    sign_in_with_code,
    sign_in_with_password,
)
from tests.e2e.pages.seed import Seeded, seed_fuzhou
from tests.support.servers import own_redis_server
from tests.support.system import RunningSystem, shared_system

OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
PASSWORD = "screenshots-Password-1"


@dataclass(frozen=True)
class Shot:
    """One screenshot: a page, at a viewport, as someone (None: anonymous)."""

    name: str
    path: Callable[[Seeded], str]
    viewport: dict[str, int] = field(default_factory=lambda: PHONE)
    role: Role | None = None
    prepare: Callable[[Page], None] | None = None
    full_page: bool = True
    account: str | None = None
    """A password account of its own instead of the role's (the case pages' people)."""


SHOTS = [
    Shot("finder-phone", lambda s: "/?lat=26.08&lon=119.30&service=drinking_water"),
    Shot("finder-desktop", lambda s: "/?lat=26.08&lon=119.30&service=drinking_water", DESKTOP),
    Shot("station-phone", lambda s: f"/stations/{s.open_with_water}", role=Role.WORKER),
    Shot("sign-in-phone", lambda s: "/sign-in"),
    Shot("password-change-phone", lambda s: "/password", role=Role.REPRESENTATIVE),
    Shot("api-docs-desktop", lambda s: "/api", DESKTOP),
    Shot("case-new-phone", lambda s: "/cases/new", account=cases.REPRESENTATIVE.sub),
    Shot("cases-phone", lambda s: "/cases", account=cases.REPRESENTATIVE.sub),
    Shot("case-phone", lambda s: f"/cases/{s.case_no}", account=cases.REPRESENTATIVE.sub),
    Shot("messages-phone", lambda s: "/messages", account=cases.REPRESENTATIVE.sub),
    Shot("work-queue-desktop", lambda s: "/work", DESKTOP, account=cases.UNIT_DESK.sub),
    Shot("work-case-phone", lambda s: f"/work/{s.case_no}", account=cases.UNIT_DESK.sub),
    Shot("desk-queue-desktop", lambda s: "/desk", DESKTOP, account=cases.REVIEW_GROUP.sub),
    Shot("desk-case-phone", lambda s: f"/desk/{s.case_no}", account=cases.REVIEW_GROUP.sub),
    Shot("dashboard-desktop", lambda s: "/dashboard", DESKTOP, account=cases.ADMIN.sub),
    Shot("dashboard-phone", lambda s: "/dashboard", account=cases.ADMIN.sub),
    Shot("manage-phone", lambda s: "/manage", account=cases.ADMIN.sub),
    Shot(
        "manage-station-phone",
        lambda s: f"/manage/{s.open_with_water}",
        account=cases.ADMIN.sub,
        full_page=False,
    ),
]
"""The pages the README shows; the cases, work queue, desk and dashboard pages add theirs here."""


def sign_in(page: Page, system: RunningSystem, role: Role | None, account: str | None) -> None:
    """Sign in on the page: a worker with a texted code, anyone else with a password."""
    page.goto(system.url("front", "/sign-in"))
    if account is not None:
        sign_in_with_password(page, account, PASSWORD)
        page.wait_for_url(lambda url: "/sign-in" not in url)
    elif role is Role.WORKER:
        sign_in_with_code(page, system, "13912345678")
    else:
        sign_in_with_password(page, f"shots-{role.value}", PASSWORD)


def accounts(redis_url: str, prefix: str) -> None:
    """A password account for each role but the worker's (first password, to be changed)."""

    async def add() -> None:
        redis = Redis.from_url(redis_url)
        try:
            users = UserDirectory(redis, StreamKeys(prefix))
            for role in Role:
                if role not in (Role.WORKER, Role.SERVICE):
                    principal = Principal(sub=f"shots-{role.value}", role=role, area="350100")
                    await users.set_password(principal, PASSWORD, must_change=True)
        finally:
            await redis.aclose()

    asyncio.run(add())


@contextlib.contextmanager
def redis() -> Iterator[str]:
    """REDIS_URL, else an embedded server of our own."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    with own_redis_server() as url:
        yield url


def take(browser: Browser, system: RunningSystem, seeded: Seeded, shot: Shot) -> Path:
    """One screenshot into docs/screenshots/<name>.png."""
    context: BrowserContext = browser.new_context(
        viewport=shot.viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    try:
        page = context.new_page()
        if shot.role is not None or shot.account is not None:
            sign_in(page, system, shot.role, shot.account)
        page.goto(system.url("front", shot.path(seeded)))
        if shot.prepare:
            shot.prepare(page)
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)  # let the map place its markers
        target = OUT / f"{shot.name}.png"
        page.screenshot(path=str(target), full_page=shot.full_page)
        return target
    finally:
        context.close()


def main() -> int:
    """Start, seed, shoot, stop."""
    if not CHROMIUM.exists():
        print("needs Debian's Chromium at /usr/bin/chromium", file=sys.stderr)
        return 2
    os.environ.setdefault("GONGHUI_AUTH_SECRET", "screenshots-only-" + os.urandom(16).hex())
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        redis() as url,
        tempfile.TemporaryDirectory(prefix="gonghui-shots-") as work,
        shared_system(url, Path(work), front=True, extra_env=PAGES_ENV) as (system, prefix),
    ):
        case_no = cases.seed_case(system.url("proposals"), url, prefix, password=PASSWORD)
        seeded = replace(seed_fuzhou(system.url("stations")), case_no=case_no)
        accounts(url, prefix)  # before Playwright, whose sync API runs an event loop
        with sync_playwright() as playwright:
            shoot(playwright, system, seeded)
    return 0


def shoot(playwright: Playwright, system: RunningSystem, seeded: Seeded) -> None:
    """Every shot of `SHOTS`, each in a browser context of its own."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    try:
        for shot in SHOTS:
            print(take(browser, system, seeded, shot))
    finally:
        browser.close()


if __name__ == "__main__":
    raise SystemExit(main())
