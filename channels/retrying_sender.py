"""Retrying an outgoing API call: exponential backoff with jitter, honouring `Retry-After`.

Retried: network errors and timeouts, HTTP 408, 429 and 5xx, and any answer the API client
marks as temporary (e.g. Graph API rate-limit codes that arrive with HTTP 400). Everything else
(bad request, expired token, closed 24-hour window) fails at once: retrying cannot help.
The whole sequence is bounded by `deadline_s`, because Rasa holds the conversation's lock while
it sends.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Awaitable, Callable, Optional

from channels.structured_log import log_event

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class AttemptResult:
    """One call's outcome, described without message content."""

    status: int  # HTTP status; 0 when no answer arrived (network error, timeout)
    error: Optional[str] = None  # short, PHI-free description for logs and the failure record
    retry_after_s: Optional[float] = None
    code: Optional[str] = None  # the API's own error code, safe to log
    temporary: bool = False  # the API said "try again later" in its own words

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class SendOutcome:
    result: AttemptResult
    attempts: int

    @property
    def ok(self) -> bool:
        return self.result.ok


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 30.0  # a longer Retry-After is a failure, not a wait
    deadline_s: float = 45.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < self.base_delay_s:
            raise ValueError("need 0 <= base_delay_s <= max_delay_s")

    def backoff_s(self, retry_number: int, draw: float) -> float:
        """Delay before retry `retry_number` (1-based), "equal jitter": half fixed, half random.

        `draw` is a number in [0, 1). Retry n waits between c/2 and c, c = min(cap, base * 2^(n-1)).
        """
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** (retry_number - 1)))
        return ceiling / 2 + draw * ceiling / 2


def is_retryable(result: AttemptResult) -> bool:
    if result.ok:
        return False
    return (result.status == 0 or result.status in (408, 429) or result.status >= 500
            or result.temporary)


def parse_retry_after(value: Optional[str], now: Optional[datetime] = None) -> Optional[float]:
    """`Retry-After` as seconds: either delta-seconds or an HTTP date. None if absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


async def send_with_retries(attempt: Callable[[], Awaitable[AttemptResult]], policy: RetryPolicy,
                            sleep: Sleep = asyncio.sleep,
                            draw: Callable[[], float] = random.random,
                            clock: Clock = time.monotonic, name: str = "send") -> SendOutcome:
    """Calls `attempt` until it succeeds, fails for good, or the policy's budget is spent.

    Each retry is logged as `<name>.send.retrying` (status, API code, delay; no content)."""
    started = clock()
    attempts = 0
    while True:
        attempts += 1
        result = await attempt()
        if result.ok or not is_retryable(result) or attempts >= policy.max_attempts:
            return SendOutcome(result, attempts)
        delay = policy.backoff_s(attempts, draw())
        if result.retry_after_s is not None:
            if result.retry_after_s > policy.max_retry_after_s:
                return SendOutcome(result, attempts)
            delay = max(delay, result.retry_after_s)
        if clock() - started + delay > policy.deadline_s:
            return SendOutcome(result, attempts)
        log_event(logger, logging.WARNING, f"{name}.send.retrying", attempt=attempts,
                  status=result.status, code=result.code, delay_s=round(delay, 2))
        await sleep(delay)
