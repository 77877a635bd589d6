"""The rate limit shared by replicas through Redis (the real one on 127.0.0.1:6379)."""

from __future__ import annotations

import socket
import uuid
from typing import Dict, Optional

import pytest
from redis import asyncio as redis_asyncio

from serving.rate_limit import (
    RedisWindowLimiter,
    SlidingWindowLimiter,
    limiter_for,
    redis_url,
)


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")


@pytest.mark.parametrize(("env", "url"), [
    ({}, None),
    ({"REDIS_HOST": "redis"}, "redis://redis:6379/0"),
    ({"REDIS_HOST": "redis", "REDIS_PORT": "6380", "REDIS_DB": "2"}, "redis://redis:6380/2"),
    ({"RATE_LIMIT_REDIS_URL": "redis://x:1/3", "REDIS_HOST": "redis"}, "redis://x:1/3"),
])
def test_the_store_follows_the_environment(env: Dict[str, str], url: Optional[str]) -> None:
    assert redis_url(env) == url


def test_without_redis_the_limit_is_kept_in_memory() -> None:
    assert isinstance(limiter_for({}, 3), SlidingWindowLimiter)


@needs_redis
@pytest.mark.asyncio
async def test_replicas_share_one_limit_per_sender() -> None:
    """Two limiters (two replicas) on one Redis: three messages in all, not three each."""
    prefix = f"test:rate:{uuid.uuid4().hex}"
    now = [1_000_000.0]
    replicas = [RedisWindowLimiter(redis_asyncio.Redis(host="127.0.0.1", port=6379), 3, 60.0,
                                   prefix=prefix, clock=lambda: now[0]) for _ in range(2)]
    try:
        results = []
        for moment in (0, 1, 2, 3, 4):
            now[0] = 1_000_000.0 + moment
            results.append(await replicas[moment % 2].admit("+27821234567"))
        assert results == [True, True, True, False, False]
        now[0] = 1_000_062.5  # the first three have left the window; refusals never counted
        assert [await replicas[0].admit("+27821234567") for _ in range(4)] == \
            [True, True, True, False]
        assert await replicas[0].admit("+27829999999")  # another sender, its own count
        keys = await replicas[0].client.keys(f"{prefix}:*")
        assert keys and not any(b"27821234567" in key for key in keys)  # no number in clear
        ttls = [await replicas[0].client.ttl(key) for key in keys]
        assert all(0 < ttl <= 61 for ttl in ttls)  # windows expire by themselves
    finally:
        for key in await replicas[0].client.keys(f"{prefix}:*"):
            await replicas[0].client.delete(key)
        for replica in replicas:
            await replica.client.close()


@pytest.mark.asyncio
async def test_an_unreachable_store_lets_the_message_through() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = redis_asyncio.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    limiter = RedisWindowLimiter(client, 1, 60.0)
    assert await limiter.admit("visitor") and await limiter.admit("visitor")
    await client.close()


class BrokenPipeline:
    """A Redis client whose connection was reset under it (what redis-py 4.6 raises then)."""

    def pipeline(self, transaction: bool = True) -> BrokenPipeline:
        return self

    async def __aenter__(self) -> BrokenPipeline:
        raise RuntimeError("unable to perform operation on <TCPTransport closed=True>")

    async def __aexit__(self, *exc: object) -> bool:
        return False


@pytest.mark.asyncio
async def test_a_reset_connection_lets_the_message_through() -> None:
    limiter = RedisWindowLimiter(BrokenPipeline(), 1, 60.0)  # type: ignore[arg-type]
    assert await limiter.admit("visitor") and await limiter.admit("visitor")
