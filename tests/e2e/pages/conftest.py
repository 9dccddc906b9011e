"""Browser fixtures: Debian's Chromium driven by Playwright, against the whole running system.

A page that throws, logs a console error or asks the internet for anything fails its test;
only the map tiles may fail to load (they are unreachable here on purpose).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.pages.browsing import CHROMIUM, DESKTOP, PAGES_ENV, PHONE, UNREACHABLE_TILES
from tests.support.system import RunningSystem, shared_system

if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright for one module's tests.

    Its sync API keeps an event loop running in this thread while it is open: were it open for
    the whole session, every async test after the pages' would fail to run its own loop.
    """
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless (no browser is downloaded)."""
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def front_system(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """The three services, their relays and the web front, each a process of its own, shared
    by the tests of a module (starting them is the slow part)."""
    with shared_system(
        redis_url,
        tmp_path_factory.mktemp("pages"),
        front=True,
        extra_env=PAGES_ENV,
    ) as (running, _):
        yield running


class PageErrors:
    """What went wrong on the pages of one test: script errors, console errors, outside calls."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page) -> Page:
        """Record every problem `page` shows from now on."""
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        return page

    def forgive(self, path: str) -> None:
        """A refusal the test provoked on purpose: the browser logs its 4xx page as an error."""
        self.errors = [
            e
            for e in self.errors
            if not (e.startswith("console error: Failed to load") and path in e)
        ]

    def check_width(self, page: Page) -> None:
        """A page fits its screen's width: what is wider (a table) scrolls inside its own box."""
        try:
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        except PlaywrightError:
            return  # closed or navigating away: nothing left to judge
        if overflow > 1:
            self.errors.append(f"{page.url} is {overflow}px wider than the screen")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "") if message.location else ""
        if _is_tile(source):
            return
        self.errors.append(f"console error: {message.text} ({source})")


def _is_tile(url: str) -> bool:
    tiles = urlparse(UNREACHABLE_TILES)
    found = urlparse(url)
    return (found.hostname, found.port) == (tiles.hostname, tiles.port)


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    """Fails the test if any watched page threw or logged an error."""
    errors = PageErrors()
    yield errors
    assert not errors.errors, "the pages reported errors:\n" + "\n".join(errors.errors)


@pytest.fixture
def open_page(browser: Browser, page_errors: PageErrors) -> Iterator[Callable[..., Page]]:
    """A factory of watched pages: `open_page(PHONE)` or `open_page(DESKTOP)`, own cookies each.

    Every request off this machine is refused and fails the test: pages work offline. A page
    left wider than its screen at the end of the test fails it too.
    """
    contexts = []

    def new_page(viewport: dict[str, int] = PHONE, **options: object) -> Page:
        context = browser.new_context(
            viewport=viewport,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            **options,  # type: ignore[arg-type]
        )
        contexts.append(context)

        def local_only(route, request) -> None:  # type: ignore[no-untyped-def]
            host = urlparse(request.url).hostname
            if host in ("127.0.0.1", "localhost") or request.url.startswith(("data:", "blob:")):
                route.continue_()
                return
            page_errors.errors.append(f"request off this machine: {request.url}")
            route.abort()

        context.route("**/*", local_only)
        return page_errors.watch(context.new_page())

    yield new_page
    for context in contexts:
        for page in context.pages:
            page_errors.check_width(page)
        context.close()


@pytest.fixture
def phone(open_page: Callable[..., Page]) -> Page:
    """A watched page at a phone's viewport (375×812)."""
    return open_page(PHONE)


@pytest.fixture
def desktop(open_page: Callable[..., Page]) -> Page:
    """A watched page at a desktop's viewport (1280×800)."""
    return open_page(DESKTOP)
