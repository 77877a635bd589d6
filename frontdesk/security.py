"""Passwords, session tokens, CSRF tokens and the login rate-limit rule.

Pure functions and small classes with no I/O: the repository stores what these produce, the web
layer calls them. Everything secret is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, List, Optional, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024  # hashing cost is bounded: longer input is refused, not hashed
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says why (never echoes it)."""


class InvalidUsername(ValueError):
    """Usernames are 2-64 characters: lower-case letters, digits, dot, dash, underscore."""


def normalise_username(raw: Optional[str]) -> str:
    return (raw or "").strip().lower()


def check_username(username: str) -> str:
    if not USERNAME_PATTERN.match(username):
        raise InvalidUsername(
            "usernames are 2-64 characters: lower-case letters, digits, '.', '-' or '_', "
            "starting with a letter or digit")
    return username


def check_password_policy(password: str, username: str = "") -> None:
    """Raises WeakPassword unless the password is long enough and not built on the username."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(f"the password must be at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise WeakPassword(f"the password must be at most {MAX_PASSWORD_CHARS} characters")
    if password.strip() != password or not password.strip():
        raise WeakPassword("the password must not start or end with spaces")
    if len(set(password)) < 4:
        raise WeakPassword("the password must not repeat the same few characters")
    if username and username.lower() in password.lower():
        raise WeakPassword("the password must not contain the username")


@dataclass(frozen=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


class Passwords:
    """argon2id hashing. Verifying an unknown user still costs one argon2 verification."""

    def __init__(self, hasher: Optional[PasswordHasher] = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: Optional[str] = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def warm_up(self) -> None:
        """Computes the dummy hash ahead of the first login (it takes as long as a real one)."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(24))

    def verify(self, stored_hash: Optional[str], password: str) -> Verification:
        """Checks `password` against `stored_hash`; with no hash, burns the same time and fails."""
        too_long = len(password) > MAX_PASSWORD_CHARS
        if stored_hash is None:
            self.warm_up()
        target = stored_hash if stored_hash is not None else self._dummy_hash
        try:
            self._hasher.verify(target or "", password[:MAX_PASSWORD_CHARS])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verification(ok=False)
        if stored_hash is None or too_long:
            return Verification(ok=False)
        return Verification(ok=True, needs_rehash=self._hasher.check_needs_rehash(stored_hash))


def new_secret_token() -> str:
    """A 256-bit random token, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the database keeps of a session token: a leaked table cannot be replayed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_match(expected: Optional[str], given: Optional[str]) -> bool:
    """Constant-time comparison; a missing or empty token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def attempt_keys(username: str, address: str) -> List[str]:
    """The rate-limit keys of a login attempt: one for the username, one for the address.

    Hashed so the table never holds what someone typed into the username box (often a password).
    """
    return [
        "user:" + hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest(),
        "addr:" + hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest(),
    ]


@dataclass(frozen=True)
class Attempt:
    key: str
    succeeded: bool
    at: datetime


@dataclass(frozen=True)
class RateLimit:
    window: timedelta
    max_failures_per_user: int
    max_failures_per_address: int

    def limit_for(self, key: str) -> int:
        return self.max_failures_per_user if key.startswith("user:") else \
            self.max_failures_per_address

    def failures(self, key: str, attempts: Iterable[Attempt], now: datetime) -> int:
        """Failures for `key` inside the window, counted after its latest success."""
        since = now - self.window
        relevant = sorted((a for a in attempts if a.key == key and a.at > since),
                          key=lambda a: a.at)
        count = 0
        for attempt in relevant:
            count = 0 if attempt.succeeded else count + 1
        return count

    def is_limited(self, keys: Sequence[str], attempts: Sequence[Attempt],
                   now: datetime) -> bool:
        return any(self.failures(key, attempts, now) >= self.limit_for(key) for key in keys)
