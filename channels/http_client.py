"""One aiohttp session per API client and event loop, created on first use (never at import),
and the mapping of one HTTP exchange to an `AttemptResult`."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Callable, Optional

import aiohttp

from channels.retrying_sender import AttemptResult, parse_retry_after
from privacy import mask_phone

_PHONE_LIKE = re.compile(r"\+?\d[\d ]{5,}\d")
ERROR_TEXT_LIMIT = 160


class LazySession:
    def __init__(self, timeout_s: float) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def get(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._loop = loop
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed and self._loop is asyncio.get_running_loop():
            await session.close()


ErrorReader = Callable[[int, Any, Optional[float]], AttemptResult]


async def exchange(request: Callable[[], Any], read_error: ErrorReader) -> AttemptResult:
    """Runs one request (`request()` returns aiohttp's request context manager)."""
    try:
        async with request() as response:
            status = response.status
            if 200 <= status < 300:
                await response.read()
                return AttemptResult(status)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            try:
                payload = await response.json(content_type=None)
            except (ValueError, aiohttp.ClientError):
                payload = None
            return read_error(status, payload, retry_after)
    except asyncio.TimeoutError:
        return AttemptResult(0, error="timeout")
    except aiohttp.ClientError as exc:
        return AttemptResult(0, error=f"connection error: {type(exc).__name__}")


def scrub(text: Any) -> str:
    """An API's error text, shortened, with anything like a phone number masked."""
    flat = " ".join(str(text).split())[:ERROR_TEXT_LIMIT]
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), flat)
