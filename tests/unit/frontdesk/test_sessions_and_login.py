"""Server-side sessions and signing in against a real (temp SQLite) store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from frontdesk.repository import AuditLog, SessionRepository, StaffRepository
from frontdesk.security import Passwords, hash_token
from frontdesk.service import Console, LoginFailed, LoginRateLimited
from store.db import Database
from store.models import LoginAttempt, StaffSession
from tests.unit.frontdesk.conftest import PASSWORD, add_staff

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
IDLE = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)


def test_a_session_lives_while_used_and_expires_when_idle(db: Database,
                                                          passwords: Passwords) -> None:
    staff = add_staff(db, passwords)
    sessions = SessionRepository(db)
    sessions.create(staff.id, "h" * 64, "csrf-token", T0, IDLE)

    found = sessions.lookup("h" * 64, T0 + timedelta(minutes=29), IDLE, MAX_AGE)
    assert found is not None and found.username == "sam" and found.csrf_token == "csrf-token"
    # that use moved the idle expiry forward: 29 + 29 minutes is still alive
    assert sessions.lookup("h" * 64, T0 + timedelta(minutes=58), IDLE, MAX_AGE) is not None
    # 31 idle minutes later it is gone, and stays gone
    assert sessions.lookup("h" * 64, T0 + timedelta(minutes=89), IDLE, MAX_AGE) is None
    assert sessions.lookup("h" * 64, T0 + timedelta(minutes=60), IDLE, MAX_AGE) is None


def test_a_lookup_without_touch_does_not_extend_the_session(db: Database,
                                                            passwords: Passwords) -> None:
    staff = add_staff(db, passwords)
    sessions = SessionRepository(db)
    sessions.create(staff.id, "p" * 64, "csrf", T0, IDLE)
    assert sessions.lookup("p" * 64, T0 + timedelta(minutes=20), IDLE, MAX_AGE,
                           touch=False) is not None
    assert sessions.lookup("p" * 64, T0 + timedelta(minutes=31), IDLE, MAX_AGE) is None


def test_a_session_ends_at_its_maximum_age_however_busy(db: Database,
                                                        passwords: Passwords) -> None:
    staff = add_staff(db, passwords)
    sessions = SessionRepository(db)
    sessions.create(staff.id, "m" * 64, "csrf", T0, IDLE)
    moment = T0
    while moment < T0 + MAX_AGE - timedelta(minutes=20):
        moment += timedelta(minutes=20)
        assert sessions.lookup("m" * 64, moment, IDLE, MAX_AGE) is not None
    assert sessions.lookup("m" * 64, T0 + MAX_AGE, IDLE, MAX_AGE) is None


def test_deactivating_staff_ends_their_sessions(db: Database, passwords: Passwords) -> None:
    staff = add_staff(db, passwords)
    sessions = SessionRepository(db)
    sessions.create(staff.id, "d" * 64, "csrf", T0, IDLE)
    assert StaffRepository(db).set_active("sam", False)
    assert sessions.lookup("d" * 64, T0, IDLE, MAX_AGE) is None


def test_purge_removes_only_expired_sessions(db: Database, passwords: Passwords) -> None:
    staff = add_staff(db, passwords)
    sessions = SessionRepository(db)
    sessions.create(staff.id, "a" * 64, "csrf", T0, IDLE)
    sessions.create(staff.id, "b" * 64, "csrf", T0 + timedelta(hours=1), IDLE)
    assert sessions.purge_expired(T0 + timedelta(minutes=45), MAX_AGE) == 1
    assert sessions.lookup("b" * 64, T0 + timedelta(minutes=70), IDLE, MAX_AGE) is not None


@pytest.mark.asyncio
async def test_login_creates_a_session_storing_only_the_token_hash(console: Console,
                                                                   db: Database,
                                                                   passwords: Passwords) -> None:
    add_staff(db, passwords)
    signed_in = await console.login("  SAM ", PASSWORD, "10.0.0.5")
    with db.session() as session:
        stored = session.execute(select(StaffSession)).scalars().all()
    assert [s.token_hash for s in stored] == [hash_token(signed_in.token)]
    assert signed_in.token not in stored[0].token_hash
    assert stored[0].csrf_token == signed_in.session.csrf_token
    found = await console.session_for(signed_in.token)
    assert found is not None and found.display_name == "Sam (front desk)"
    assert await console.session_for(signed_in.token + "x") is None
    assert await console.session_for("") is None


@pytest.mark.parametrize(
    ("username", "password"),
    [("sam", "wrong password, long"), ("nobody", PASSWORD), ("", ""), ("sam", ""),
     ("sam\x00", PASSWORD), ("sam\udc80", PASSWORD), ("<script>", PASSWORD)],
)
@pytest.mark.asyncio
async def test_a_failed_login_says_the_same_thing_whatever_was_wrong(
        console: Console, db: Database, passwords: Passwords, username: str,
        password: str) -> None:
    add_staff(db, passwords)
    with pytest.raises(LoginFailed) as failed:
        await console.login(username, password, "10.0.0.5")
    assert failed.value.message == "The username or password is not correct."


@pytest.mark.asyncio
async def test_an_inactive_account_cannot_sign_in(console: Console, db: Database,
                                                  passwords: Passwords) -> None:
    add_staff(db, passwords)
    StaffRepository(db).set_active("sam", False)
    with pytest.raises(LoginFailed):
        await console.login("sam", PASSWORD, "10.0.0.5")


@pytest.mark.parametrize(("failures", "then_correct_password_works"),
                         [(0, True), (1, True), (4, True), (5, False), (6, False)])
@pytest.mark.asyncio
async def test_login_is_rate_limited_per_username(console: Console, db: Database,
                                                  passwords: Passwords, failures: int,
                                                  then_correct_password_works: bool) -> None:
    add_staff(db, passwords)
    for attempt in range(failures):
        # different addresses: only the username's count can reach the limit
        with pytest.raises((LoginFailed, LoginRateLimited)):
            await console.login("sam", "not the password", f"10.0.1.{attempt}")
    if then_correct_password_works:
        assert (await console.login("sam", PASSWORD, "10.0.2.1")).token
    else:
        with pytest.raises(LoginRateLimited):
            await console.login("sam", PASSWORD, "10.0.2.1")


@pytest.mark.parametrize(("failures", "limited"), [(7, False), (8, True)])
@pytest.mark.asyncio
async def test_login_is_rate_limited_per_address(console: Console, db: Database,
                                                 passwords: Passwords, failures: int,
                                                 limited: bool) -> None:
    add_staff(db, passwords)  # the settings fixture allows 8 failures per address
    for attempt in range(failures):
        with pytest.raises(LoginFailed):
            await console.login(f"guess{attempt}", "not the password", "10.9.9.9")
    if limited:
        with pytest.raises(LoginRateLimited):
            await console.login("sam", PASSWORD, "10.9.9.9")
    else:
        assert (await console.login("sam", PASSWORD, "10.9.9.9")).token
    assert (await console.login("sam", PASSWORD, "10.9.9.10")).token  # another machine


@pytest.mark.asyncio
async def test_the_rate_limit_holds_across_processes(console: Console, db: Database,
                                                     passwords: Passwords) -> None:
    add_staff(db, passwords)
    other_process = Console(console.settings, Database(db.url), console.rasa, console.profile,
                            passwords)
    for _ in range(5):
        with pytest.raises(LoginFailed):
            await other_process.login("sam", "not the password", "10.0.0.5")
    with pytest.raises(LoginRateLimited):
        await console.login("sam", PASSWORD, "10.0.0.6")
    with db.session() as session:
        keys = {row.key for row in session.execute(select(LoginAttempt)).scalars()}
    assert all("sam" not in key and "10.0.0" not in key for key in keys)


@pytest.mark.asyncio
async def test_a_success_resets_the_username_count(console: Console, db: Database,
                                                   passwords: Passwords) -> None:
    add_staff(db, passwords)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            await console.login("sam", "not the password", "10.0.0.5")
    await console.login("sam", PASSWORD, "10.0.0.5")
    for _ in range(4):  # from another machine: the address's own count stays low
        with pytest.raises(LoginFailed):
            await console.login("sam", "not the password", "10.0.0.6")
    assert (await console.login("sam", PASSWORD, "10.0.0.6")).token


@pytest.mark.asyncio
async def test_login_logout_and_failures_are_audited(console: Console, db: Database,
                                                     passwords: Passwords) -> None:
    add_staff(db, passwords)
    with pytest.raises(LoginFailed):
        await console.login("sam", "not the password", "10.0.0.5")
    with pytest.raises(LoginFailed):
        await console.login("correct horse battery", "typed into the wrong box", "10.0.0.5")
    signed_in = await console.login("sam", PASSWORD, "10.0.0.5")
    await console.logout(signed_in.token, signed_in.session)
    assert await console.session_for(signed_in.token) is None
    entries = [(e.action, e.staff_username) for e in reversed(AuditLog(db).page())]
    assert entries == [("login.failed", "sam"), ("login.failed", None), ("login", "sam"),
                       ("logout", "sam")]
    # what was typed as a username that is no account is not kept anywhere
    assert all("correct horse" not in str(e.detail) for e in AuditLog(db).page())
