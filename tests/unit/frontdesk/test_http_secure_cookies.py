"""With CONSOLE_SECURE_COOKIES=true the cookies are Secure and host-bound, and HSTS is sent."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from frontdesk.config import Settings
from store.db import Database
from tests.unit.frontdesk.conftest import Served
from tests.unit.frontdesk.fake_rasa import FakeRasa


@pytest.fixture
def settings(fake_rasa: FakeRasa, db: Database) -> Settings:
    return Settings(rasa_url=fake_rasa.url, rasa_token=fake_rasa.token, database_url=db.url,
                    secure_cookies=True)


@pytest.mark.asyncio
async def test_secure_cookies_and_hsts(served: Served) -> None:
    reply = await served.get("/login")
    jar: SimpleCookie = SimpleCookie()
    for header in reply.headers.getall("Set-Cookie", []):
        jar.load(header)
    cookie = jar["__Host-fd_login"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == "/" and not cookie["domain"]
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=")
