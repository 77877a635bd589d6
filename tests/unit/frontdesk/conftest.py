"""Fixtures for the console's unit tests: a migrated temp database, the Rasa stand-in, a console
service wired to both, and the console app served in-process on a free port."""

from __future__ import annotations

import itertools
import re
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, Optional

import aiohttp
import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from sanic import Sanic

from clinic.profile import ClinicProfile, load_profile
from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.rasa_client import RasaClient
from frontdesk.repository import (
    BookingRecord,
    BookingRepository,
    HandoffRecord,
    HandoffRepository,
    StaffRecord,
    StaffRepository,
)
from frontdesk.security import Passwords
from frontdesk.service import Console
from store.db import Database
from tests.unit.frontdesk.fake_rasa import FakeRasa

PASSWORD = "correct horse battery staple"
_app_names = itertools.count()
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def summary(**overrides: Any) -> Dict[str, Any]:
    base: Dict[str, Any] = {
        "complaint": "my back locked up when I lifted my son",
        "pain_score": 7, "urgency": "urgent", "red_flags": [],
        "lines": ["Complaint: my back locked up when I lifted my son", "Urgency: URGENT"],
    }
    base.update(overrides)
    return base


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'console.db'}")
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def fake_rasa_server() -> Iterator[FakeRasa]:
    server = FakeRasa()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_rasa(fake_rasa_server: FakeRasa) -> FakeRasa:
    fake_rasa_server.reset()
    return fake_rasa_server


@pytest.fixture(scope="session")
def profile() -> ClinicProfile:
    return load_profile()


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    """Cheap argon2 parameters: these tests are about the flow, not the hash strength."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def settings(fake_rasa: FakeRasa, db: Database) -> Settings:
    return Settings(rasa_url=fake_rasa.url, rasa_token=fake_rasa.token, database_url=db.url,
                    rasa_timeout_s=5, max_failures_per_user=5, max_failures_per_address=8)


def add_staff(db: Database, passwords: Passwords, username: str = "sam",
              display_name: str = "Sam (front desk)", password: str = PASSWORD) -> StaffRecord:
    return StaffRepository(db).create(username, display_name, passwords.hash(password))


def add_handoff(db: Database, conversation_id: str = "visitor-1", channel: str = "socketio",
                urgency: Optional[str] = "urgent", reason: str = "asked_for_person",
                created_at: Optional[datetime] = None, **summary_overrides: Any) -> HandoffRecord:
    return HandoffRepository(db).open(conversation_id, channel, reason, urgency,
                                      summary(urgency=urgency, **summary_overrides),
                                      now=created_at)


def add_booking(db: Database, conversation_id: str = "visitor-1", channel: str = "socketio",
                urgency: Optional[str] = "routine", key: str = "visitor-1:3",
                created_at: Optional[datetime] = None) -> BookingRecord:
    return BookingRepository(db).request(
        idempotency_key=key, conversation_id=conversation_id, channel=channel,
        name="Thandi Example", phone="+27821234567",
        preferred_start=datetime(2030, 3, 4, 7, 30, tzinfo=timezone.utc),
        preferred_text="Monday morning", reason="lower back spasm", urgency=urgency,
        now=created_at)


@pytest_asyncio.fixture
async def console(settings: Settings, db: Database, profile: ClinicProfile,
                  passwords: Passwords) -> AsyncIterator[Console]:
    client = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_s)
    await client.start()
    yield Console(settings, db, client, profile, passwords)
    await client.close()


@pytest.fixture(autouse=True)
def _sanic_test_mode() -> None:
    Sanic.test_mode = True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """The console app listening in-process, and a browser-like client for it."""

    url: str
    http: aiohttp.ClientSession
    app: Sanic

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.http.get(self.url + path, allow_redirects=False, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.http.post(self.url + path, allow_redirects=False, **kwargs)

    async def login(self, username: str = "sam", password: str = PASSWORD) -> str:
        """Signs in through the form; returns the session's CSRF token."""
        page = await (await self.get("/login")).text()
        token = _CSRF_FIELD.search(page)
        assert token, "the login form has a CSRF field"
        reply = await self.post("/login", data={"csrf_token": token.group(1),
                                                "username": username, "password": password})
        assert reply.status == 303, await reply.text()
        return await self.csrf()

    async def csrf(self) -> str:
        page = await (await self.get("/")).text()
        found = _CSRF_META.search(page)
        assert found, "a signed-in page carries the CSRF token"
        return found.group(1)


@pytest_asyncio.fixture
async def served(settings: Settings, db: Database, profile: ClinicProfile,
                 passwords: Passwords) -> AsyncIterator[Served]:
    app = create_app(settings, name=f"frontdesk_test_{next(_app_names)}", db=db,
                     profile=profile, passwords=passwords)
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, access_log=False,
                                     return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()  # create_server is already listening; nothing calls it yet
    await server.after_start()
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        yield Served(url=f"http://127.0.0.1:{port}", http=http, app=app)
    await server.before_stop()
    closing = server.close()
    if closing is not None:
        await closing
    await server.after_stop()


def ago(**delta: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(**delta)
