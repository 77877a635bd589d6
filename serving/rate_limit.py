"""Per-sender rate limiting for the public webhooks.

With one Rasa process (`make run`) a sliding window in memory. With replicas (production:
REDIS_HOST set, or RATE_LIMIT_REDIS_URL) a window shared in Redis, so a sender gets the limit
once, not once per replica. Redis keys carry a digest of the sender, never a phone number. If
Redis cannot be reached the message is let through (and a warning logged): a patient is never
refused because the limiter's store is down; the lock store reports that outage anyway.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections import deque
from typing import Callable, Deque, Dict, Mapping, Optional, Protocol

from redis import asyncio as redis_asyncio

logger = logging.getLogger(__name__)


class Limiter(Protocol):
    async def admit(self, sender_id: str) -> bool:
        """True if the sender may send this message now."""


class SlidingWindowLimiter:
    def __init__(self, max_messages: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_messages = max_messages
        self.window = window_seconds
        self.clock = clock
        self._seen: Dict[str, Deque[float]] = {}
        self._last_sweep = clock()

    def allow(self, sender_id: str) -> bool:
        now = self.clock()
        if now - self._last_sweep > self.window:
            self._sweep(now)
        times = self._seen.setdefault(sender_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.max_messages:
            return False
        times.append(now)
        return True

    async def admit(self, sender_id: str) -> bool:
        return self.allow(sender_id)

    def _sweep(self, now: float) -> None:
        """Forgets senders that have been quiet for a whole window (bounded memory)."""
        for sender in [s for s, t in self._seen.items() if not t or now - t[-1] >= self.window]:
            del self._seen[sender]
        self._last_sweep = now


class RedisWindowLimiter:
    """The same sliding window, kept in Redis (a sorted set of send times per sender) and
    shared by every replica. A refused message is not counted, as in memory."""

    def __init__(self, client: redis_asyncio.Redis, max_messages: int, window_seconds: float,
                 prefix: str = "physio:rate", clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.max_messages = max_messages
        self.window = window_seconds
        self.prefix = prefix
        self.clock = clock

    def key(self, sender_id: str) -> str:
        digest = hashlib.sha256(sender_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{self.prefix}:{digest}"

    async def admit(self, sender_id: str) -> bool:
        key, now = self.key(sender_id), self.clock()
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, "-inf", now - self.window)
                pipe.zadd(key, {member: now})
                pipe.zcard(key)
                pipe.expire(key, int(self.window) + 1)
                _, _, count, _ = await pipe.execute()
            if int(count) <= self.max_messages:
                return True
            await self.client.zrem(key, member)
            return False
        except Exception as error:  # noqa: BLE001 - the limiter must never fail a turn
            # Redis down surfaces as RedisError, OSError or, from a reset connection,
            # RuntimeError ("unable to perform operation on <TCPTransport closed=True>").
            logger.warning("rate_limit.store_unavailable error=%s", type(error).__name__)
            return True


def redis_url(env: Mapping[str, str]) -> Optional[str]:
    """RATE_LIMIT_REDIS_URL, else the lock store's Redis (REDIS_HOST, REDIS_PORT, REDIS_DB)."""
    if env.get("RATE_LIMIT_REDIS_URL"):
        return env["RATE_LIMIT_REDIS_URL"]
    if env.get("REDIS_HOST"):
        return (f"redis://{env['REDIS_HOST']}:{env.get('REDIS_PORT') or 6379}/"
                f"{env.get('REDIS_DB') or 0}")
    return None


def limiter_for(env: Mapping[str, str], max_messages: int,
                window_seconds: float = 60.0) -> Limiter:
    url = redis_url(env)
    if url is None:
        return SlidingWindowLimiter(max_messages, window_seconds)
    client = redis_asyncio.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    return RedisWindowLimiter(client, max_messages, window_seconds)
