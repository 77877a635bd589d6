"""Passwords, tokens and the rate-limit rule, without a database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.security import (
    MAX_PASSWORD_CHARS,
    Attempt,
    InvalidUsername,
    Passwords,
    RateLimit,
    WeakPassword,
    attempt_keys,
    check_password_policy,
    check_username,
    hash_token,
    new_secret_token,
    tokens_match,
)

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)


def test_a_password_hash_is_argon2id_and_verifies_only_the_password() -> None:
    passwords = Passwords()  # the production parameters
    stored = passwords.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert passwords.verify(stored, "correct horse battery staple").ok
    assert not passwords.verify(stored, "correct horse battery stapl").ok
    assert not passwords.verify(stored, "").ok


def test_the_same_password_hashes_differently_each_time(passwords: Passwords) -> None:
    assert passwords.hash("correct horse battery") != passwords.hash("correct horse battery")


def test_an_unknown_user_is_verified_against_a_dummy_and_fails(passwords: Passwords) -> None:
    result = passwords.verify(None, "anything at all here")
    assert not result.ok
    assert passwords._dummy_hash is not None  # the same argon2 work was done


def test_a_corrupt_stored_hash_fails_without_raising(passwords: Passwords) -> None:
    assert not passwords.verify("not-a-hash", "correct horse battery").ok


def test_an_over_long_password_never_verifies(passwords: Passwords) -> None:
    long_password = "x" * (MAX_PASSWORD_CHARS + 1)
    stored = passwords.hash(long_password[:MAX_PASSWORD_CHARS])
    assert not passwords.verify(stored, long_password).ok


def test_old_parameters_ask_for_a_rehash() -> None:
    from argon2 import PasswordHasher

    weak = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    stored = weak.hash("correct horse battery")
    result = Passwords().verify(stored, "correct horse battery")
    assert result.ok and result.needs_rehash


@pytest.mark.parametrize(
    ("password", "username", "accepted"),
    [
        ("short", "sam", False),
        ("elevenchars", "sam", False),          # 11
        ("twelve chars", "sam", True),          # 12: the minimum
        ("aaaaaaaaaaaaaaaa", "sam", False),     # one character repeated
        ("samantha-rules-ok", "samantha", False),  # contains the username
        (" leading space pw", "sam", False),
        ("correct horse battery", "sam", True),
        ("y" * (MAX_PASSWORD_CHARS + 1), "sam", False),
    ],
)
def test_password_policy(password: str, username: str, accepted: bool) -> None:
    if accepted:
        check_password_policy(password, username)
    else:
        with pytest.raises(WeakPassword) as refused:
            check_password_policy(password, username)
        assert password not in str(refused.value)  # the message never echoes it


@pytest.mark.parametrize("name", ["sam", "front.desk", "a1", "thandi_m", "x-y"])
def test_valid_usernames(name: str) -> None:
    assert check_username(name) == name


@pytest.mark.parametrize("name", ["", "a", "Sam", "sam smith", "-sam", "s" * 65, "sam@clinic"])
def test_invalid_usernames(name: str) -> None:
    with pytest.raises(InvalidUsername):
        check_username(name)


def test_session_tokens_are_random_and_stored_only_as_a_hash() -> None:
    tokens = {new_secret_token() for _ in range(50)}
    assert len(tokens) == 50
    token = tokens.pop()
    assert len(token) >= 43  # 256 bits
    digest = hash_token(token)
    assert len(digest) == 64 and token not in digest
    assert hash_token(token) == digest


@pytest.mark.parametrize(
    ("expected", "given", "matches"),
    [
        ("abc123", "abc123", True),
        ("abc123", "abc124", False),
        ("abc123", "abc12", False),
        ("abc123", "", False),
        ("abc123", None, False),
        ("", "", False),      # an empty expected token never matches
        (None, None, False),
    ],
)
def test_csrf_comparison(expected: str, given: str, matches: bool) -> None:
    assert tokens_match(expected, given) is matches


@given(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=80))
def test_csrf_comparison_is_equality(a: str, b: str) -> None:
    assert tokens_match(a, b) is (a == b)


def test_attempt_keys_hash_the_username_and_the_address() -> None:
    user_key, address_key = attempt_keys("sam", "10.0.0.5")
    assert user_key.startswith("user:") and "sam" not in user_key
    assert address_key.startswith("addr:") and "10.0.0.5" not in address_key
    assert len(user_key) <= 128 and len(address_key) <= 128


LIMIT = RateLimit(window=timedelta(minutes=15), max_failures_per_user=5,
                  max_failures_per_address=20)
USER, ADDRESS = attempt_keys("sam", "10.0.0.5")


def _failures(key: str, count: int, minutes_ago: float = 1) -> List[Attempt]:
    return [Attempt(key, False, NOW - timedelta(minutes=minutes_ago, seconds=i))
            for i in range(count)]


@pytest.mark.parametrize(
    ("case", "attempts", "limited"),
    [
        ("no attempts", [], False),
        ("4 user failures", _failures(USER, 4), False),
        ("5 user failures", _failures(USER, 5), True),
        ("6 user failures", _failures(USER, 6), True),
        ("5 failures, all older than the window", _failures(USER, 5, minutes_ago=16), False),
        ("5 failures, one just outside the window",
         _failures(USER, 4) + _failures(USER, 1, minutes_ago=15.5), False),
        ("5 failures then a success",
         [*_failures(USER, 5, minutes_ago=3), Attempt(USER, True, NOW - timedelta(minutes=2))],
         False),
        ("a success then 5 failures",
         [Attempt(USER, True, NOW - timedelta(minutes=10)), *_failures(USER, 5)], True),
        ("19 address failures", _failures(ADDRESS, 19), False),
        ("20 address failures", _failures(ADDRESS, 20), True),
        ("another user's failures do not count",
         _failures(attempt_keys("alex", "10.0.0.9")[0], 9), False),
    ],
)
def test_rate_limit_around_the_threshold(case: str, attempts: List[Attempt],
                                         limited: bool) -> None:
    assert LIMIT.is_limited([USER, ADDRESS], attempts, NOW) is limited, case


def test_failures_are_counted_per_key() -> None:
    attempts = _failures(USER, 3) + _failures(ADDRESS, 7)
    assert LIMIT.failures(USER, attempts, NOW) == 3
    assert LIMIT.failures(ADDRESS, attempts, NOW) == 7
