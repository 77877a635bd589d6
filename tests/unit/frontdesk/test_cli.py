"""`python -m frontdesk create-staff` and friends: passwords from a prompt or stdin only."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontdesk.__main__ import main
from frontdesk.repository import StaffRepository
from frontdesk.security import Passwords
from store.db import Database

ROOT = Path(__file__).resolve().parents[3]
GOOD = "correct horse battery staple"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _staff(url: str, username: str):  # type: ignore[no-untyped-def]
    db = Database(url)
    try:
        db.migrate()
        return StaffRepository(db).by_username(username)
    finally:
        db.dispose()


def test_create_staff_reads_the_password_from_stdin(db_url: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["create-staff", "Sam", "--name", "Sam (front desk)"],
                stdin=io.StringIO(GOOD + "\n"))
    assert code == 0
    out = capsys.readouterr()
    assert "created staff account 'sam'" in out.out
    assert GOOD not in out.out + out.err
    staff = _staff(db_url, "sam")
    assert staff is not None and staff.display_name == "Sam (front desk)" and staff.active
    assert staff.password_hash.startswith("$argon2id$")
    assert Passwords().verify(staff.password_hash, GOOD).ok


@pytest.mark.parametrize("password", ["", "short", "elevenchars", "samsamsamsamsam!",
                                      "aaaaaaaaaaaaaaaa"])
def test_a_weak_password_is_refused(db_url: str, capsys: pytest.CaptureFixture[str],
                                    password: str) -> None:
    code = main(["create-staff", "sam", "--name", "Sam"], stdin=io.StringIO(password + "\n"))
    assert code == 1
    err = capsys.readouterr().err
    assert "error:" in err
    if password:
        assert password not in err
    assert _staff(db_url, "sam") is None


def test_a_duplicate_username_is_refused(db_url: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-staff", "sam", "--name", "Sam"], stdin=io.StringIO(GOOD)) == 0
    code = main(["create-staff", "SAM", "--name", "Other Sam"],
                stdin=io.StringIO("another good password\n"))
    assert code == 1
    assert "already exists" in capsys.readouterr().err
    staff = _staff(db_url, "sam")
    assert staff is not None and staff.display_name == "Sam"
    assert Passwords().verify(staff.password_hash, GOOD).ok


@pytest.mark.parametrize("username", ["a", "sam smith", "sam@clinic", "_sam", "s" * 65])
def test_an_invalid_username_is_refused(db_url: str, username: str) -> None:
    assert main(["create-staff", username, "--name", "X"], stdin=io.StringIO(GOOD)) == 1


def test_the_password_is_never_an_argument(db_url: str) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["create-staff", "sam", "--name", "Sam", "--password", GOOD])
    assert usage.value.code == 2
    with pytest.raises(SystemExit):
        main(["create-staff", "sam", "--name", "Sam", GOOD])
    assert _staff(db_url, "sam") is None


def test_the_display_name_is_required(db_url: str) -> None:
    with pytest.raises(SystemExit):
        main(["create-staff", "sam"], stdin=io.StringIO(GOOD))


def test_set_password_and_deactivate(db_url: str) -> None:
    assert main(["create-staff", "sam", "--name", "Sam"], stdin=io.StringIO(GOOD)) == 0
    assert main(["set-password", "sam", "--password-stdin"],
                stdin=io.StringIO("a brand new passphrase\n")) == 0
    staff = _staff(db_url, "sam")
    assert staff is not None and Passwords().verify(staff.password_hash,
                                                    "a brand new passphrase").ok
    assert main(["set-password", "sam"], stdin=io.StringIO("tiny\n")) == 1
    assert main(["deactivate-staff", "sam"]) == 0
    assert not _staff(db_url, "sam").active  # type: ignore[union-attr]
    assert main(["deactivate-staff", "nobody"]) == 1


def test_the_module_runs_as_a_command(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'proc.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "frontdesk", "create-staff", "front.desk", "--name", "Front desk",
         "--password-stdin"], input=GOOD + "\n", capture_output=True, text=True, cwd=ROOT,
        env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "created staff account 'front.desk'" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "frontdesk", "create-staff", "front.desk", "--name", "X"],
        input=GOOD + "\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
        check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
