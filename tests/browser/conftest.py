"""Fixtures for the widget's browser tests, reusable against the real Rasa server.

- `playwright`: the test process's one sync Playwright (two cannot run side by side, so every
  browser test in this folder, the front-desk console's too, must build on this one).
- `browser`: Debian's Chromium driven by Playwright (no downloaded browser).
- `web_server_factory(rasa_url)`: `python -m web.server` on a free port for that Rasa URL.
- `web_server` + `fake_rasa`: the demo site wired to `tests/browser/fake_rasa.py`.
- `new_page(viewport=..., phone=...)`: a fresh browser context; any uncaught page error,
  CSP violation or JavaScript dialog fails the test.
- `widget`: a `WidgetPage` on the demo page (see `widget_page.py`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.browser.servers import ROOT, FakeRasa, StaticSite, WebServer, free_port
from tests.browser.widget_page import WidgetPage

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE_JS = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=15_000)

WebServerFactory = Callable[[str], WebServer]
PageFactory = Callable[..., Page]


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def wait_until(condition: Callable[[], Any], timeout_s: float = 15.0,
               what: str = "condition") -> Any:
    """Polls `condition` until it returns something truthy (for state outside the page)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def web_server_factory(server_logs: Path) -> Iterator[WebServerFactory]:
    """Starts (once per Rasa URL) the web server whose demo page talks to that Rasa server."""
    started: Dict[str, WebServer] = {}

    def start(rasa_url: str) -> WebServer:
        if rasa_url not in started:
            started[rasa_url] = WebServer.start(rasa_url, server_logs)
        return started[rasa_url]

    yield start
    for server in started.values():
        server.stop()


@pytest.fixture(scope="session")
def fake_rasa_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def web_server(web_server_factory: WebServerFactory, fake_rasa_port: int) -> WebServer:
    return web_server_factory(f"http://127.0.0.1:{fake_rasa_port}")


@pytest.fixture
def fake_rasa(fake_rasa_port: int, web_server: WebServer, server_logs: Path) -> Iterator[FakeRasa]:
    """A fresh fake Rasa for each test, on the port the demo page is configured for."""
    fake = FakeRasa.create(fake_rasa_port, images_base=web_server.base_url,
                           cors_origin=web_server.base_url, log_dir=server_logs)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """The one sync Playwright of the test process (a second one cannot start beside it)."""
    if not Path(CHROMIUM_PATH).exists():
        raise RuntimeError(f"{CHROMIUM_PATH} is missing: run `apt-get install -y chromium`")
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def console_playwright(playwright: Playwright) -> Playwright:
    """The front-desk console's tests (console_fixtures.py) share the process's Playwright."""
    return playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[PageFactory]:
    """Pages in fresh contexts; page errors, CSP violations and dialogs are collected and fail."""
    contexts = []
    problems: List[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            problems.append(f"CSP: {text}")

    def on_dialog(dialog: Any) -> None:
        problems.append(f"dialog: {dialog.type} {dialog.message}")
        dialog.dismiss()

    def make(viewport: Dict[str, int] = DESKTOP, phone: bool = False, **options: Any) -> Page:
        settings: Dict[str, Any] = {"viewport": viewport, "locale": "en-GB",
                                    "timezone_id": "Africa/Johannesburg"}
        if phone:
            settings.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        context = browser.new_context(**settings, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", on_console)
        page.on("dialog", on_dialog)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    return new_page()


@pytest.fixture
def widget(page: Page, web_server: WebServer, fake_rasa: FakeRasa) -> WidgetPage:
    return WidgetPage(page, web_server.base_url).goto()


@pytest.fixture
def other_site() -> Iterator[StaticSite]:
    """A second website (another origin) to embed the widget in."""
    site = StaticSite()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
