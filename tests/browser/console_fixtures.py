"""Fixtures for the front-desk console's browser tests (tests/browser/test_console_*.py).

The console runs as a real server process (`python -m frontdesk`) on a free port with a temp
SQLite database; Chromium is Debian's (/usr/bin/chromium), driven by Playwright.

Rasa: by default a stand-in for its HTTP API (tests/unit/frontdesk/fake_rasa.py) that records
the events posted and serves the trackers the tests script. To run the same tests against a real
Rasa server, set CONSOLE_TEST_RASA_URL and CONSOLE_TEST_RASA_TOKEN: the tests only talk to Rasa
through `RasaBackend` (seed a visitor's messages, read a tracker's events), which both implement.

Register in a test module with `pytest_plugins = ["tests.browser.console_fixtures"]`. Fixture
names start with `console_` so they never collide with the widget tests' fixtures.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Protocol

import pytest
import requests
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from frontdesk.repository import (
    BookingRecord,
    BookingRepository,
    HandoffRecord,
    HandoffRepository,
)
from store.channel_state import ChannelState
from store.db import Database
from tests.unit.frontdesk.fake_rasa import FakeRasa, RecordedRequest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic",
                 "--disable-sync"]
START_TIMEOUT_S = 90.0
EXPECT_TIMEOUT_MS = 15_000
STAFF_USERNAME = "frontdesk.tester"
STAFF_NAME = "Sam (front desk)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def new_conversation_id(prefix: str = "visitor") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --- Rasa: the stand-in or a real server ------------------------------------------------------


class RasaBackend(Protocol):
    url: str
    token: str

    def staff_events(self, conversation_id: str, kind: str) -> List[Dict[str, Any]]: ...

    def recorded_posts(self, conversation_id: str) -> Optional[List[RecordedRequest]]:
        """The POSTs the stand-in recorded (None with a real Rasa, which records nothing)."""

    def fail_posts(self, status: Optional[int]) -> bool:
        """Makes event POSTs fail with `status` (None: stop); False if this backend cannot."""

    def seed_user(self, conversation_id: str, text: str, channel: str = "socketio",
                  timestamp: Optional[float] = None) -> None: ...

    def seed_bot(self, conversation_id: str, text: str) -> None: ...

    def events(self, conversation_id: str) -> List[Dict[str, Any]]: ...

    def close(self) -> None: ...


class _StaffEvents:
    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        raise NotImplementedError

    def staff_events(self, conversation_id: str, kind: str) -> List[Dict[str, Any]]:
        return staff_events(self.events(conversation_id), kind)


class StandInRasa(_StaffEvents):
    """The recording stand-in, in this test process (the console reaches it over HTTP)."""

    def __init__(self) -> None:
        self.fake = FakeRasa(token=secrets.token_urlsafe(16))
        self.url = self.fake.start()
        self.token = self.fake.token

    def seed_user(self, conversation_id: str, text: str, channel: str = "socketio",
                  timestamp: Optional[float] = None) -> None:
        self.fake.user_says(conversation_id, text, channel=channel, timestamp=timestamp)

    def seed_bot(self, conversation_id: str, text: str) -> None:
        self.fake.bot_says(conversation_id, text)

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        return self.fake.events_of(conversation_id)

    def recorded_posts(self, conversation_id: str) -> Optional[List[RecordedRequest]]:
        return self.fake.posts_for(conversation_id)

    def fail_posts(self, status: Optional[int]) -> bool:
        self.fake.fail_posts_with = status
        return True

    def close(self) -> None:
        self.fake.stop()


class RealRasa(_StaffEvents):
    """A running Rasa server's HTTP API (`rasa run --enable-api --auth-token ...`)."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url.rstrip("/"), token

    def _events_url(self, conversation_id: str) -> str:
        return f"{self.url}/conversations/{conversation_id}/tracker/events"

    def _append(self, conversation_id: str, event: Dict[str, Any]) -> None:
        reply = requests.post(self._events_url(conversation_id), params={"token": self.token},
                              json=[event], timeout=30)
        reply.raise_for_status()

    def seed_user(self, conversation_id: str, text: str, channel: str = "socketio",
                  timestamp: Optional[float] = None) -> None:
        event: Dict[str, Any] = {"event": "user", "text": text, "input_channel": channel}
        if timestamp is not None:
            event["timestamp"] = timestamp
        self._append(conversation_id, event)

    def seed_bot(self, conversation_id: str, text: str) -> None:
        self._append(conversation_id, {"event": "bot", "text": text})

    def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        reply = requests.get(f"{self.url}/conversations/{conversation_id}/tracker",
                             params={"token": self.token, "include_events": "ALL"}, timeout=30)
        reply.raise_for_status()
        return list(reply.json().get("events") or [])

    def recorded_posts(self, conversation_id: str) -> Optional[List[RecordedRequest]]:
        return None

    def fail_posts(self, status: Optional[int]) -> bool:
        return False

    def close(self) -> None:
        return None


def staff_events(events: List[Dict[str, Any]], kind: str) -> List[Dict[str, Any]]:
    """The `custom` payloads of the bot events of `kind` (staff_reply, booking_update, ...)."""
    found = []
    for event in events:
        custom = ((event.get("data") or {}).get("custom") or {}) if event.get("event") == "bot" \
            else {}
        if custom.get("kind") == kind:
            found.append(custom)
    return found


# --- the console process ----------------------------------------------------------------------


@dataclass
class ConsoleServer:
    url: str
    database_url: str
    username: str
    display_name: str
    password: str = field(repr=False)
    process: subprocess.Popen = field(repr=False)
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


def start_console(workdir: Path, rasa_url: str, rasa_token: str,
                  extra_env: Optional[Dict[str, str]] = None) -> ConsoleServer:
    port = free_port()
    database_url = f"sqlite:///{workdir / 'console.db'}"
    env = {**os.environ, "CONSOLE_HOST": "127.0.0.1", "CONSOLE_PORT": str(port),
           "DATABASE_URL": database_url, "RASA_URL": rasa_url, "RASA_TOKEN": rasa_token,
           "CONSOLE_POLL_SECONDS": "1", "LOG_LEVEL": "INFO", **(extra_env or {})}
    password = secrets.token_urlsafe(18)
    created = subprocess.run(
        [sys.executable, "-m", "frontdesk", "create-staff", STAFF_USERNAME, "--name", STAFF_NAME,
         "--password-stdin"], input=password + "\n", text=True, capture_output=True, cwd=ROOT,
        env=env, timeout=120, check=False)
    if created.returncode != 0:
        raise RuntimeError(f"create-staff failed: {created.stderr}")
    log_path = workdir / "console.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "frontdesk"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = ConsoleServer(url=f"http://127.0.0.1:{port}", database_url=database_url,
                           username=STAFF_USERNAME, display_name=STAFF_NAME,
                           password=password, process=process,
                           log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the console exited at start-up:\n{server.log_tail()}")
        try:
            if requests.get(server.url + "/health", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)  # polling the health check, not waiting for a guess
    server.stop()
    raise RuntimeError(f"the console did not become healthy:\n{server.log_tail()}")


# --- the store, seen from the tests ------------------------------------------------------------


@dataclass
class ConsoleStore:
    db: Database

    def open_handoff(self, conversation_id: str, channel: str = "socketio",
                     urgency: Optional[str] = "urgent", reason: str = "asked_for_person",
                     summary: Optional[Dict[str, Any]] = None) -> HandoffRecord:
        payload = summary if summary is not None else {
            "complaint": "my back locked up when I lifted my son", "pain_score": 7,
            "urgency": urgency, "lines": ["Complaint: my back locked up when I lifted my son",
                                          f"Urgency: {(urgency or 'unknown').upper()}"]}
        return HandoffRepository(self.db).open(conversation_id, channel, reason, urgency,
                                               payload)

    def request_booking(self, conversation_id: str, name: str = "Thandi Example",
                        urgency: Optional[str] = "routine") -> BookingRecord:
        return BookingRepository(self.db).request(
            idempotency_key=f"{conversation_id}:1", conversation_id=conversation_id,
            channel="socketio", name=name, phone="+27820000000",
            preferred_start=datetime(2030, 3, 4, 7, 30, tzinfo=timezone.utc),
            preferred_text="Monday morning", reason="lower back spasm after lifting",
            urgency=urgency)

    def visitor_last_wrote(self, conversation_id: str, channel: str, when: datetime) -> None:
        ChannelState(self.db).touch_contact(conversation_id, channel, when)

    def delivery_failed(self, conversation_id: str, channel: str, error: str) -> None:
        ChannelState(self.db).record_delivery_failure(conversation_id, channel, error)

    def handoff(self, handoff_id: str) -> HandoffRecord:
        found = HandoffRepository(self.db).get(handoff_id)
        assert found is not None
        return found

    def booking(self, booking_id: str) -> BookingRecord:
        found = BookingRepository(self.db).get(booking_id)
        assert found is not None
        return found


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def console_rasa() -> Iterator[RasaBackend]:
    url, token = os.environ.get("CONSOLE_TEST_RASA_URL"), os.environ.get("CONSOLE_TEST_RASA_TOKEN")
    backend: RasaBackend = RealRasa(url, token or "") if url else StandInRasa()
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def console_server(tmp_path_factory: pytest.TempPathFactory,
                   console_rasa: RasaBackend) -> Iterator[ConsoleServer]:
    server = start_console(tmp_path_factory.mktemp("console"), console_rasa.url,
                           console_rasa.token)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def console_store(console_server: ConsoleServer) -> Iterator[ConsoleStore]:
    db = Database(console_server.database_url)
    yield ConsoleStore(db)
    db.dispose()


@pytest.fixture(scope="session")
def console_playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        expect.set_options(timeout=EXPECT_TIMEOUT_MS)
        yield playwright


@pytest.fixture(scope="session")
def console_browser(console_playwright: Playwright) -> Iterator[Browser]:
    browser = console_playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class ConsoleTab:
    """A browser tab on the console, recording any JavaScript dialog that opens."""

    page: Page
    context: BrowserContext
    server: ConsoleServer
    dialogs: List[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url + path)

    def sign_in(self) -> None:
        self.goto("/login")
        self.page.get_by_label("Username").fill(self.server.username)
        self.page.get_by_label("Password").fill(self.server.password)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("heading", name="Waiting for the front desk")).to_be_visible()

    def csrf_token(self) -> str:
        token = self.page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert token
        return token


def _open_tab(browser: Browser, server: ConsoleServer,
              javascript: bool = True) -> Iterator[ConsoleTab]:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    tab = ConsoleTab(page=page, context=context, server=server)

    def on_dialog(dialog: Dialog) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield tab
    context.close()


@pytest.fixture
def console_tab(console_browser: Browser, console_server: ConsoleServer) -> Iterator[ConsoleTab]:
    """A fresh, signed-out browser context (no cookies)."""
    yield from _open_tab(console_browser, console_server)


@pytest.fixture
def console_tab_without_js(console_browser: Browser,
                           console_server: ConsoleServer) -> Iterator[ConsoleTab]:
    """A signed-out context with JavaScript off: the console must work with plain forms."""
    yield from _open_tab(console_browser, console_server, javascript=False)


@pytest.fixture
def console_new_id() -> Callable[[], str]:
    """Makes conversation ids no other test uses (the console and Rasa live for the session)."""
    return new_conversation_id


@pytest.fixture
def signed_in_tab(console_tab: ConsoleTab) -> ConsoleTab:
    console_tab.sign_in()
    return console_tab
