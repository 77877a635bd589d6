"""`python -m frontdesk` runs the console; `python -m frontdesk create-staff` adds an account.

    python -m frontdesk [serve]
    python -m frontdesk create-staff USERNAME --name "Display Name" [--password-stdin]
    python -m frontdesk set-password USERNAME [--password-stdin]
    python -m frontdesk deactivate-staff USERNAME

Passwords are never taken from the command line (it shows in `ps` and shell history): they are
asked for twice at a terminal, or read as one line from standard input (`--password-stdin`, or
whenever standard input is not a terminal). There is no default account or password.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from typing import List, Optional, TextIO

from clinic.profile import ProfileError, load_profile
from frontdesk.config import ConfigError, Settings
from frontdesk.repository import DuplicateUsername, StaffRepository
from frontdesk.security import (
    InvalidUsername,
    Passwords,
    WeakPassword,
    check_password_policy,
    check_username,
    normalise_username,
)
from store.db import Database

logger = logging.getLogger("frontdesk")


class CommandError(Exception):
    """A CLI failure; the message is printed as is and the exit status is 1."""


def read_password(from_stdin: bool, stdin: TextIO) -> str:
    if from_stdin or not stdin.isatty():
        line = stdin.readline()
        if not line:
            raise CommandError("no password on standard input")
        return line.rstrip("\r\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    second = getpass.getpass("Same password again: ")
    if first != second:
        raise CommandError("the two passwords differ")
    return first


def _database(settings: Settings) -> Database:
    db = Database(settings.database_url)
    db.migrate()
    return db


def create_staff(settings: Settings, username: str, display_name: str, from_stdin: bool,
                 stdin: TextIO, passwords: Optional[Passwords] = None) -> str:
    username = normalise_username(username)
    try:
        check_username(username)
    except InvalidUsername as exc:
        raise CommandError(str(exc)) from None
    display_name = " ".join(display_name.split())
    if not display_name or len(display_name) > 120:
        raise CommandError("--name must be 1-120 characters (shown to visitors as the author)")
    password = read_password(from_stdin, stdin)
    try:
        check_password_policy(password, username)
    except WeakPassword as exc:
        raise CommandError(f"password refused: {exc}") from None
    db = _database(settings)
    try:
        repo = StaffRepository(db)
        if repo.by_username(username) is not None:
            raise CommandError(f"a staff account named {username!r} already exists")
        try:
            repo.create(username, display_name, (passwords or Passwords()).hash(password))
        except DuplicateUsername:
            raise CommandError(f"a staff account named {username!r} already exists") from None
    finally:
        db.dispose()
    return username


def set_password(settings: Settings, username: str, from_stdin: bool, stdin: TextIO) -> None:
    username = normalise_username(username)
    db = _database(settings)
    try:
        repo = StaffRepository(db)
        staff = repo.by_username(username)
        if staff is None:
            raise CommandError(f"no staff account named {username!r}")
        password = read_password(from_stdin, stdin)
        try:
            check_password_policy(password, username)
        except WeakPassword as exc:
            raise CommandError(f"password refused: {exc}") from None
        repo.set_password_hash(staff.id, Passwords().hash(password))
    finally:
        db.dispose()


def deactivate_staff(settings: Settings, username: str) -> None:
    db = _database(settings)
    try:
        if not StaffRepository(db).set_active(normalise_username(username), False):
            raise CommandError(f"no staff account named {username!r}")
    finally:
        db.dispose()


def serve(settings: Settings) -> None:
    from frontdesk.app import create_app

    try:  # a broken profile stops start-up with a message naming the field
        profile = load_profile(settings.clinic_profile)
    except ProfileError as exc:
        raise CommandError(str(exc)) from None
    app = create_app(settings, profile=profile)
    logger.info("frontdesk.start host=%s port=%s rasa=%s secure_cookies=%s", settings.host,
                settings.port, settings.rasa_url, settings.secure_cookies)
    app.run(host=settings.host, port=settings.port, access_log=False, workers=1, motd=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m frontdesk",
                                     description="The clinic's front-desk console.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the console (the default)")
    create = sub.add_parser("create-staff", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--name", required=True,
                        help="display name, shown to visitors as the author of replies")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password as one line from standard input")
    reset = sub.add_parser("set-password", help="set a staff account's password")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    deactivate = sub.add_parser("deactivate-staff",
                                help="disable an account and end its sessions")
    deactivate.add_argument("username")
    return parser


def main(argv: Optional[List[str]] = None, stdin: Optional[TextIO] = None) -> int:
    args = build_parser().parse_args(argv)
    default_level = "INFO" if args.command in (None, "serve") else "WARNING"
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", default_level),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stdin = stdin or sys.stdin
    try:
        settings = Settings.from_env()
        if args.command == "create-staff":
            username = create_staff(settings, args.username, args.name, args.password_stdin,
                                    stdin)
            print(f"created staff account {username!r}")
        elif args.command == "set-password":
            set_password(settings, args.username, args.password_stdin, stdin)
            print(f"password changed for {normalise_username(args.username)!r}")
        elif args.command == "deactivate-staff":
            deactivate_staff(settings, args.username)
            print(f"deactivated {normalise_username(args.username)!r}")
        else:
            serve(settings)
    except (CommandError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
