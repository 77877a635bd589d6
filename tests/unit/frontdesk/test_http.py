"""The console over HTTP: sign-in, sessions, CSRF, refusals, headers, escaping, errors."""

from __future__ import annotations

import logging
import re
from http.cookies import SimpleCookie
from typing import Any

import aiohttp
import pytest

from frontdesk.app import CSP
from frontdesk.repository import AuditLog, HandoffRepository
from frontdesk.service import Console
from store.db import Database
from tests.unit.frontdesk.conftest import PASSWORD, Served, add_booking, add_handoff, add_staff
from tests.unit.frontdesk.fake_rasa import FakeRasa

pytestmark = pytest.mark.asyncio
SCRIPT = "<script>alert(1)</script>"


def _set_cookies(reply: aiohttp.ClientResponse) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in reply.headers.getall("Set-Cookie", []):
        jar.load(header)
    return jar


def _actions(db: Database) -> list:
    return [e.action for e in reversed(AuditLog(db).page())]


async def test_health_answers_without_a_session(served: Served) -> None:
    reply = await served.get("/health")
    assert reply.status == 200
    assert await reply.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/audit", "/handoffs/abc123", "/bookings/abc123"])
async def test_signed_out_pages_redirect_to_the_login(served: Served, path: str) -> None:
    reply = await served.get(path)
    assert reply.status == 303
    assert reply.headers["Location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", ["/api/queue", "/api/handoffs/abc/transcript",
                                  "/api/bookings/abc/transcript"])
async def test_signed_out_json_is_refused_with_401(served: Served, path: str) -> None:
    reply = await served.get(path)
    assert reply.status == 401
    assert (await reply.json())["error"] == "unauthenticated"


@pytest.mark.parametrize(("path", "status"), [
    ("/handoffs/{h}/reply", 403), ("/handoffs/{h}/hand-back", 403),
    ("/bookings/{b}/confirm", 403), ("/bookings/{b}/decline", 403), ("/logout", 403),
    ("/api/handoffs/{h}/reply", 401),
])
async def test_signed_out_state_changes_are_refused(served: Served, db: Database,
                                                    fake_rasa: FakeRasa, path: str,
                                                    status: int) -> None:
    handoff = add_handoff(db)
    booking = add_booking(db)
    reply = await served.post(path.format(h=handoff.id, b=booking.id),
                              data={"text": "hello", "csrf_token": "guess"})
    assert reply.status == status
    assert fake_rasa.posts_for("visitor-1") == []
    assert HandoffRepository(db).get(handoff.id).is_open  # type: ignore[union-attr]


async def test_login_sets_a_strict_http_only_session_cookie(served: Served, db: Database,
                                                            passwords: Any) -> None:
    add_staff(db, passwords)
    page = await served.get("/login")
    login_cookie = _set_cookies(page)["fd_login"]
    assert login_cookie["httponly"] and login_cookie["samesite"] == "Strict"
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert token is not None
    reply = await served.post("/login?x=1", data={"csrf_token": token.group(1),
                                                  "username": "sam", "password": PASSWORD,
                                                  "next": "/audit"})
    assert reply.status == 303 and reply.headers["Location"] == "/audit"
    session = _set_cookies(reply)["fd_session"]
    assert session["httponly"] and session["samesite"] == "Strict" and session["path"] == "/"
    assert not session["secure"]  # CONSOLE_SECURE_COOKIES is off in this test
    assert (await served.get("/")).status == 200


async def test_the_login_form_needs_its_own_csrf_token(served: Served, db: Database,
                                                       passwords: Any) -> None:
    add_staff(db, passwords)
    await served.get("/login")
    reply = await served.post("/login", data={"csrf_token": "forged", "username": "sam",
                                              "password": PASSWORD})
    assert reply.status == 403
    assert "fd_session" not in _set_cookies(reply)


async def test_a_wrong_password_gets_the_generic_message(served: Served, db: Database,
                                                         passwords: Any) -> None:
    add_staff(db, passwords)
    page = await (await served.get("/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore
    for username in ("sam", "nobody"):
        reply = await served.post("/login", data={"csrf_token": token, "username": username,
                                                  "password": "not the password"})
        assert reply.status == 401
        assert "The username or password is not correct." in await reply.text()
        assert "fd_session" not in _set_cookies(reply)


async def test_repeated_failures_get_429_with_a_clear_message(served: Served, db: Database,
                                                              passwords: Any) -> None:
    add_staff(db, passwords)
    page = await (await served.get("/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore
    statuses = []
    for password in ["wrong password 1"] * 5 + [PASSWORD]:
        reply = await served.post("/login", data={"csrf_token": token, "username": "sam",
                                                  "password": password})
        statuses.append(reply.status)
    assert statuses == [401] * 5 + [429]
    assert "Too many failed sign-in attempts" in await reply.text()
    assert reply.headers["Retry-After"] == "900"
    assert _actions(db) == ["login.failed"] * 5 + ["login.rate_limited"]


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)", "/login"])
async def test_login_never_redirects_off_the_console(served: Served, db: Database,
                                                     passwords: Any, target: str) -> None:
    add_staff(db, passwords)
    page = await (await served.get("/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore
    reply = await served.post("/login", data={"csrf_token": token, "username": "sam",
                                              "password": PASSWORD, "next": target})
    assert reply.headers["Location"] == "/"


@pytest.mark.parametrize("given", [None, "", "wrong-token", "x" * 43])
async def test_a_form_post_without_the_right_csrf_token_is_refused(
        served: Served, db: Database, passwords: Any, fake_rasa: FakeRasa,
        given: Any) -> None:
    add_staff(db, passwords)
    handoff = add_handoff(db)
    await served.login()
    data = {"text": "hello"}
    if given is not None:
        data["csrf_token"] = given
    reply = await served.post(f"/handoffs/{handoff.id}/reply", data=data)
    assert reply.status == 403
    hand_back = await served.post(f"/handoffs/{handoff.id}/hand-back", data=data)
    assert hand_back.status == 403
    assert fake_rasa.posts_for("visitor-1") == []
    assert HandoffRepository(db).get(handoff.id).is_open  # type: ignore[union-attr]
    assert "handoff.reply" not in _actions(db)


async def test_the_right_csrf_token_is_accepted_in_the_form_or_the_header(
        served: Served, db: Database, passwords: Any, fake_rasa: FakeRasa) -> None:
    add_staff(db, passwords)
    handoff = add_handoff(db)
    csrf = await served.login()
    reply = await served.post(f"/handoffs/{handoff.id}/reply",
                              data={"csrf_token": csrf, "text": "from the form"})
    assert reply.status == 303
    assert reply.headers["Location"] == f"/handoffs/{handoff.id}?notice=reply_sent"
    refused = await served.post(f"/api/handoffs/{handoff.id}/reply", json={"text": "x"},
                                headers={"X-CSRF-Token": csrf[:-1]})
    assert refused.status == 403
    assert (await refused.json())["error"] == "csrf"
    accepted = await served.post(f"/api/handoffs/{handoff.id}/reply",
                                 json={"text": "from the script"},
                                 headers={"X-CSRF-Token": csrf})
    assert accepted.status == 200 and await accepted.json() == {"status": "sent"}
    texts = [p.body[0]["data"]["custom"]["text"] for p in fake_rasa.posts_for("visitor-1")]
    assert texts == ["from the form", "from the script"]


async def test_another_sessions_csrf_token_is_refused(served: Served, db: Database,
                                                      passwords: Any,
                                                      fake_rasa: FakeRasa) -> None:
    add_staff(db, passwords)
    add_staff(db, passwords, username="alex", display_name="Alex")
    handoff = add_handoff(db)
    alex_token = await served.login("alex")
    served.http.cookie_jar.clear()
    await served.login("sam")
    reply = await served.post(f"/handoffs/{handoff.id}/reply",
                              data={"csrf_token": alex_token, "text": "hello"})
    assert reply.status == 403
    assert fake_rasa.posts_for("visitor-1") == []


async def test_logout_ends_the_session_server_side(served: Served, db: Database,
                                                   passwords: Any) -> None:
    add_staff(db, passwords)
    csrf = await served.login()
    token = next(c.value for c in served.http.cookie_jar if c.key == "fd_session")
    reply = await served.post("/logout", data={"csrf_token": csrf})
    assert reply.status == 303 and reply.headers["Location"] == "/login?notice=signed_out"
    assert _set_cookies(reply)["fd_session"]["max-age"] == "0"
    # replaying the old cookie does not work: the server forgot the session
    replay = await served.http.get(served.url + "/", allow_redirects=False,
                                   cookies={"fd_session": token})
    assert replay.status == 303
    assert _actions(db) == ["login", "logout"]


async def test_security_headers(served: Served, db: Database, passwords: Any) -> None:
    add_staff(db, passwords)
    await served.login()
    for path in ("/", "/login", "/api/queue", "/audit", "/nowhere"):
        reply = await served.get(path)
        headers = reply.headers
        assert headers["Content-Security-Policy"] == CSP, path
        assert "'unsafe-inline'" not in CSP and "frame-ancestors 'none'" in CSP
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store", path
    static = await served.get("/static/console.js")
    assert static.status == 200 and static.headers["X-Content-Type-Options"] == "nosniff"
    assert static.headers["Cache-Control"] == "no-cache"


async def test_pages_have_no_inline_script_or_style(served: Served, db: Database,
                                                    passwords: Any, fake_rasa: FakeRasa) -> None:
    add_staff(db, passwords)
    handoff = add_handoff(db)
    await served.login()
    for path in ("/", f"/handoffs/{handoff.id}", "/audit", "/login"):
        html = await (await served.get(path)).text()
        assert re.findall(r"<script(?![^>]*\ssrc=)", html) == [], path
        assert "<style" not in html and " style=" not in html and " onclick" not in html


async def test_visitor_text_is_escaped_on_every_page(served: Served, db: Database,
                                                     passwords: Any,
                                                     fake_rasa: FakeRasa) -> None:
    add_staff(db, passwords)
    handoff = add_handoff(db, complaint=SCRIPT, lines=[f"Complaint: {SCRIPT}"])
    fake_rasa.user_says("visitor-1", SCRIPT)
    fake_rasa.user_says("visitor-1", '"><img src=x onerror=alert(2)>')
    await served.login()
    for path in ("/", f"/handoffs/{handoff.id}"):
        html = await (await served.get(path)).text()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert SCRIPT not in html and "<img src=x" not in html
    transcript = await (await served.get(f"/api/handoffs/{handoff.id}/transcript")).json()
    assert transcript["messages"][0]["text"] == SCRIPT  # JSON carries text; the script
    # inserts it with textContent (tests/browser/test_console_security.py)


async def test_queue_json_is_ordered_by_urgency_then_age(served: Served, db: Database,
                                                         passwords: Any) -> None:
    from tests.unit.frontdesk.conftest import ago

    add_staff(db, passwords)
    routine = add_handoff(db, "c1", urgency="routine", created_at=ago(minutes=50))
    emergency = add_handoff(db, "c2", urgency="emergency", created_at=ago(minutes=1))
    urgent_new = add_handoff(db, "c3", urgency="urgent", created_at=ago(minutes=2))
    urgent_old = add_handoff(db, "c4", urgency="urgent", created_at=ago(minutes=20))
    unknown = add_handoff(db, "c5", urgency=None, created_at=ago(minutes=99))
    await served.login()
    body = await (await served.get("/api/queue")).json()
    assert [row["id"] for row in body["handoffs"]] == [
        emergency.id, urgent_old.id, urgent_new.id, routine.id, unknown.id]
    first = body["handoffs"][0]
    assert first["urgency"] == "emergency" and first["urgency_label"] == "Emergency"
    assert first["channel_label"] == "Website chat" and first["url"] == f"/handoffs/{emergency.id}"


async def test_viewing_a_conversation_is_audited(served: Served, db: Database,
                                                 passwords: Any, fake_rasa: FakeRasa) -> None:
    add_staff(db, passwords)
    handoff = add_handoff(db)
    booking = add_booking(db)
    await served.login()
    assert (await served.get(f"/handoffs/{handoff.id}")).status == 200
    assert (await served.get(f"/bookings/{booking.id}")).status == 200
    await served.get(f"/api/handoffs/{handoff.id}/transcript")  # polling is not a view
    entries = [(e.action, e.target_type, e.target_id) for e in reversed(AuditLog(db).page())]
    assert entries == [("login", None, None), ("conversation.view", "handoff", handoff.id),
                       ("conversation.view", "booking", booking.id)]


async def test_rasa_down_shows_a_message_and_keeps_the_draft(served: Served, db: Database,
                                                             passwords: Any,
                                                             fake_rasa: FakeRasa) -> None:
    add_staff(db, passwords)
    handoff = add_handoff(db)
    csrf = await served.login()
    fake_rasa.fail_with = 503
    page = await served.get(f"/handoffs/{handoff.id}")
    assert page.status == 200
    assert "The transcript cannot be shown right now." in await page.text()
    reply = await served.post(f"/handoffs/{handoff.id}/reply",
                              data={"csrf_token": csrf, "text": "Are you still there?"})
    assert reply.status == 502
    html = await reply.text()
    assert "The assistant&#39;s server failed (HTTP 503). The reply was not sent." in html
    assert ">Are you still there?</textarea>" in html
    assert "Reply sent" not in html
    api = await served.post(f"/api/handoffs/{handoff.id}/reply", json={"text": "x"},
                            headers={"X-CSRF-Token": csrf})
    assert api.status == 502 and (await api.json())["error"] == "rasa_rejected"
    poll = await served.get(f"/api/handoffs/{handoff.id}/transcript")
    assert poll.status == 502


async def test_an_unexpected_error_shows_no_details_and_logs_none(
        served: Served, db: Database, passwords: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    add_staff(db, passwords)
    await served.login()
    console: Console = served.app.ctx.console

    async def broken() -> Any:
        raise ValueError("Thandi +27821234567 saddle numbness")

    console.queue = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO):
        page = await served.get("/")
        api = await served.get("/api/queue")
    html = await page.text()
    assert page.status == 500 and api.status == 500
    assert "Something went wrong" in html and "Traceback" not in html
    assert "Thandi" not in html and "Thandi" not in await api.text()
    assert "frontdesk.request.failed" in caplog.text
    assert "Thandi" not in caplog.text and "+27821234567" not in caplog.text


async def test_unknown_ids_are_404(served: Served, db: Database, passwords: Any) -> None:
    add_staff(db, passwords)
    await served.login()
    assert (await served.get("/handoffs/nope")).status == 404
    assert (await served.get("/bookings/..%2f..%2fetc")).status == 404
    assert (await served.get("/api/handoffs/nope/transcript")).status == 404


async def test_the_transcript_json_returns_only_newer_messages(served: Served, db: Database,
                                                               passwords: Any,
                                                               fake_rasa: FakeRasa) -> None:
    add_staff(db, passwords)
    handoff = add_handoff(db)
    fake_rasa.user_says("visitor-1", "first")
    fake_rasa.user_says("visitor-1", "second")
    await served.login()
    body = await (await served.get(f"/api/handoffs/{handoff.id}/transcript?after=0")).json()
    assert [(m["seq"], m["role"], m["text"]) for m in body["messages"]] == [
        (1, "visitor", "second")]
    assert body["can_reply"] is True and body["status_text"] == "Waiting for staff"


async def test_background_polls_do_not_keep_an_idle_session_alive(served: Served, db: Database,
                                                                  passwords: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import select, update

    from store.models import StaffSession, utcnow

    add_staff(db, passwords)
    await served.login()
    soon = utcnow() + timedelta(minutes=5)
    with db.session() as session:
        session.execute(update(StaffSession).values(expires_at=soon))

    def expiry() -> Any:
        with db.session() as session:
            return session.execute(select(StaffSession.expires_at)).scalar_one()

    assert (await served.get("/api/queue")).status == 200
    assert expiry() == soon  # a poll is not activity
    assert (await served.get("/")).status == 200
    assert expiry() > soon + timedelta(minutes=20)  # a page view is


async def test_signing_in_again_replaces_the_previous_session(served: Served, db: Database,
                                                              passwords: Any) -> None:
    from sqlalchemy import select

    from frontdesk.security import hash_token
    from store.models import StaffSession

    add_staff(db, passwords)
    await served.login()
    first = next(c.value for c in served.http.cookie_jar if c.key == "fd_session")
    # a second tab's sign-in form: its token is stale, so the console hands out a fresh one
    stale = await served.post("/login", data={"csrf_token": "stale", "username": "sam",
                                              "password": PASSWORD})
    assert stale.status == 403
    login_form = (await stale.text()).split('id="login-form"', 1)[1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_form)
    assert token is not None
    again = await served.post("/login", data={"csrf_token": token.group(1), "username": "sam",
                                              "password": PASSWORD})
    assert again.status == 303
    second = next(c.value for c in served.http.cookie_jar if c.key == "fd_session")
    with db.session() as session:
        stored = list(session.execute(select(StaffSession.token_hash)).scalars())
    assert stored == [hash_token(second)] and first != second


async def test_the_audit_log_pages_through_older_entries(served: Served, db: Database,
                                                         passwords: Any) -> None:
    add_staff(db, passwords)
    audit = AuditLog(db)
    for number in range(104):
        audit.record("conversation.view", "sam", "handoff", f"h{number:03d}")
    await served.login()
    first = await (await served.get("/audit")).text()
    assert first.count('<tr data-action="') == 100
    older = re.search(r'href="(/audit\?before=\d+)"', first)
    assert older is not None and "handoff h103" not in first.split("<tbody>")[0]
    second = await (await served.get(older.group(1))).text()
    assert second.count('<tr data-action="') == 5  # 104 views + the sign-in = 105
    assert "handoff h000" in second and 'href="/audit?before=' not in second


async def test_erasing_a_persons_data_needs_a_session_csrf_and_a_confirmation(
        served: Served, db: Database, passwords: Any) -> None:
    from sqlalchemy import select

    from store.models import Booking, ErasureRequest, Handoff

    add_staff(db, passwords)
    handoff = add_handoff(db)
    add_booking(db)
    refused = await served.post(f"/handoffs/{handoff.id}/erase", data={"confirm": "yes"})
    assert refused.status == 403  # signed out
    csrf = await served.login()
    no_token = await served.post(f"/handoffs/{handoff.id}/erase", data={"confirm": "yes"})
    assert no_token.status == 403
    unconfirmed = await served.post(f"/handoffs/{handoff.id}/erase",
                                    data={"csrf_token": csrf})
    assert unconfirmed.status == 400
    with db.session() as session:
        assert session.execute(select(Handoff)).scalars().all()  # nothing erased yet
    done = await served.post(f"/handoffs/{handoff.id}/erase",
                             data={"csrf_token": csrf, "confirm": "yes"})
    assert done.status == 303 and done.headers["Location"] == "/?notice=erased"
    with db.session() as session:
        assert session.execute(select(Handoff)).scalars().all() == []
        assert session.execute(select(Booking)).scalars().all() == []
        request = session.execute(select(ErasureRequest)).scalars().one()
    assert request.conversation_id == "visitor-1" and request.requested_by == "sam"
    assert "privacy.erase" in _actions(db)
