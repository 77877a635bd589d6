"""The retry policy: which answers are retried, how long it waits, when it gives up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import List, Optional

import pytest

from channels.retrying_sender import (
    AttemptResult,
    RetryPolicy,
    is_retryable,
    parse_retry_after,
    send_with_retries,
)


class Scripted:
    """Answers with the given results in turn, then the last one forever."""

    def __init__(self, *results: AttemptResult) -> None:
        self.results = list(results)
        self.calls = 0

    async def __call__(self) -> AttemptResult:
        self.calls += 1
        return self.results[min(self.calls, len(self.results)) - 1]


class FakeTime:
    """An injected sleep that advances an injected clock, so nothing really waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: List[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


OK = AttemptResult(200)
POLICY = RetryPolicy(max_attempts=5, base_delay_s=0.5, max_delay_s=8.0, max_retry_after_s=30.0,
                     deadline_s=45.0)


@pytest.mark.parametrize(("result", "retryable"), [
    (AttemptResult(200), False), (AttemptResult(201), False),
    (AttemptResult(0, error="timeout"), True),
    (AttemptResult(408), True), (AttemptResult(429), True),
    (AttemptResult(500), True), (AttemptResult(502), True), (AttemptResult(503), True),
    (AttemptResult(400), False), (AttemptResult(401), False), (AttemptResult(404), False),
    (AttemptResult(400, temporary=True), True),  # e.g. Graph code 130429 with HTTP 400
])
def test_what_is_retried(result: AttemptResult, retryable: bool) -> None:
    assert is_retryable(result) is retryable


@pytest.mark.parametrize(("retry", "draw", "expected"), [
    (1, 0.0, 0.25), (1, 1.0, 0.5), (2, 0.0, 0.5), (2, 1.0, 1.0), (3, 0.5, 1.5),
    (5, 1.0, 8.0), (10, 0.0, 4.0), (10, 1.0, 8.0),  # capped at max_delay_s
])
def test_backoff_is_exponential_with_equal_jitter(retry: int, draw: float,
                                                  expected: float) -> None:
    assert POLICY.backoff_s(retry, draw) == pytest.approx(expected)


async def run(script: Scripted, fake: FakeTime, policy: RetryPolicy = POLICY, draw: float = 1.0):
    return await send_with_retries(script, policy, sleep=fake.sleep, draw=lambda: draw,
                                   clock=fake.clock)


@pytest.mark.asyncio
async def test_500_twice_then_200_gets_through() -> None:
    fake = FakeTime()
    script = Scripted(AttemptResult(500), AttemptResult(500), OK)
    outcome = await run(script, fake)
    assert outcome.ok and outcome.attempts == 3
    assert fake.sleeps == [0.5, 1.0]


@pytest.mark.asyncio
async def test_retry_after_is_respected() -> None:
    fake = FakeTime()
    outcome = await run(Scripted(AttemptResult(429, retry_after_s=7.0), OK), fake)
    assert outcome.ok and fake.sleeps == [7.0]


@pytest.mark.asyncio
async def test_retry_after_shorter_than_the_backoff_waits_the_backoff() -> None:
    fake = FakeTime()
    await run(Scripted(AttemptResult(500), AttemptResult(429, retry_after_s=0.1), OK), fake)
    assert fake.sleeps == [0.5, 1.0]


@pytest.mark.asyncio
async def test_retry_after_beyond_the_policy_gives_up_at_once() -> None:
    fake = FakeTime()
    outcome = await run(Scripted(AttemptResult(429, retry_after_s=3600.0), OK), fake)
    assert not outcome.ok and outcome.attempts == 1 and fake.sleeps == []


@pytest.mark.asyncio
async def test_permanent_errors_are_not_retried() -> None:
    fake = FakeTime()
    outcome = await run(Scripted(AttemptResult(400, error="bad"), OK), fake)
    assert not outcome.ok and outcome.attempts == 1
    assert outcome.result.error == "bad"


@pytest.mark.asyncio
async def test_gives_up_after_max_attempts() -> None:
    fake = FakeTime()
    script = Scripted(AttemptResult(503))
    outcome = await run(script, fake)
    assert not outcome.ok and outcome.attempts == 5 == script.calls
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0]


@pytest.mark.asyncio
async def test_gives_up_before_passing_the_deadline() -> None:
    fake = FakeTime()
    policy = RetryPolicy(max_attempts=10, base_delay_s=4.0, max_delay_s=8.0, deadline_s=20.0)
    outcome = await run(Scripted(AttemptResult(0, error="timeout")), fake, policy)
    assert not outcome.ok
    assert sum(fake.sleeps) <= 20.0
    assert fake.sleeps == [4.0, 8.0, 8.0]


def test_policy_is_checked() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="base_delay_s"):
        RetryPolicy(base_delay_s=10, max_delay_s=1)


NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("", None), ("12", 12.0), (" 3 ", 3.0), ("soon", None), ("-5", None),
    (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
    (format_datetime(NOW - timedelta(seconds=90), usegmt=True), 0.0),  # in the past: now
])
def test_parse_retry_after(header: Optional[str], expected: Optional[float]) -> None:
    assert parse_retry_after(header, now=NOW) == expected
