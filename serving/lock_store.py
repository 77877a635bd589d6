"""A per-conversation lock that is safe across Rasa replicas (Redis), with leases.

Rasa 3.6's Redis lock store reads a serialised lock, changes it and writes it back: two replicas
can issue the same ticket, and both then process messages of one conversation at once. Here
every step is one atomic Redis operation: tickets come from INCR, waiting tickets live in a
sorted set ordered by ticket number (a second set holds each ticket's lease expiry), and the
lowest live ticket is served. The Redis client
is asynchronous, so waiting never blocks the server's event loop.

A ticket is a lease, renewed while its holder is alive (waiting or processing), so a slow
action (up to the action timeout and beyond) never loses the lock, while a replica that dies
(SIGKILL) frees its conversations within one lease instead of Rasa's fixed lifetime.

endpoints.yml:
    lock_store:
      type: serving.lock_store.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: ${REDIS_DB}
      key_prefix: physio
      lease_seconds: 15        # optional
      max_wait_seconds: 330    # optional: longer than Rasa's 300 s action timeout
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

import redis.asyncio as aioredis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from privacy import conversation_ref

logger = logging.getLogger(__name__)

# KEYS[1]: the queue (ticket -> ticket number), KEYS[2]: the leases (ticket -> expiry).
# Drops tickets whose lease ran out, then answers whether ARGV[1] is the lowest live ticket.
_IS_MY_TURN = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
for _, member in ipairs(expired) do
  redis.call('ZREM', KEYS[1], member)
  redis.call('ZREM', KEYS[2], member)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if first[1] == ARGV[1] then return 1 else return 0 end
"""


class AtomicRedisLockStore(LockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 host: Text = "localhost", port: int = 6379, db: int = 1,
                 password: Optional[Text] = None, key_prefix: Text = "physio",
                 lease_seconds: float = 15.0, max_wait_seconds: float = 330.0,
                 poll_seconds: float = 0.02, socket_timeout: float = 5.0) -> None:
        settings = dict(endpoint_config.kwargs) if endpoint_config else {}
        host = (endpoint_config.url if endpoint_config and endpoint_config.url else host)
        self.redis = aioredis.Redis(
            host=host, port=int(settings.get("port", port)), db=int(settings.get("db", db)),
            password=settings.get("password", password),
            socket_timeout=float(settings.get("socket_timeout", socket_timeout)),
            socket_connect_timeout=float(settings.get("socket_timeout", socket_timeout)))
        prefix = str(settings.get("key_prefix", key_prefix))
        if not prefix.isalnum():
            raise ValueError(f"lock store key_prefix must be alphanumeric, got {prefix!r}")
        self.prefix = f"{prefix}:lock:"
        self.lease = float(settings.get("lease_seconds", lease_seconds))
        self.max_wait = float(settings.get("max_wait_seconds", max_wait_seconds))
        self.poll = float(settings.get("poll_seconds", poll_seconds))
        self._is_my_turn = self.redis.register_script(_IS_MY_TURN)
        super().__init__()

    def _keys(self, conversation_id: Text) -> tuple[str, str, str]:
        base = self.prefix + conversation_id
        return base + ":queue", base + ":leases", base + ":next"

    async def _renew(self, conversation_id: Text, ticket: int) -> None:
        queue, leases, _ = self._keys(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(leases, {str(ticket): time.time() + self.lease}, xx=True)
            for key in (queue, leases):
                pipe.expire(key, int(self.max_wait * 2))
            await pipe.execute()

    async def _issue(self, conversation_id: Text) -> int:
        queue, leases, counter = self._keys(conversation_id)
        ticket = int(await self.redis.incr(counter))  # atomic: no two callers share a number
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(queue, {str(ticket): ticket})
            pipe.zadd(leases, {str(ticket): time.time() + self.lease})
            for key in (queue, leases, counter):
                pipe.expire(key, int(self.max_wait * 2))
            await pipe.execute()
        return ticket

    async def _release(self, conversation_id: Text, ticket: int) -> None:
        queue, leases, _ = self._keys(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(queue, str(ticket))
            pipe.zrem(leases, str(ticket))
            await pipe.execute()

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        try:
            ticket = await self._issue(conversation_id)
        except Exception as error:
            logger.error("lock_store.unavailable conversation=%s error=%s",
                         conversation_ref(conversation_id), type(error).__name__)
            raise LockError("the lock store cannot be reached") from error
        keeper = asyncio.create_task(self._keep_alive(conversation_id, ticket))
        try:
            await self._wait_for_turn(conversation_id, ticket)
            yield TicketLock(conversation_id)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            with contextlib.suppress(Exception):
                await self._release(conversation_id, ticket)

    async def _keep_alive(self, conversation_id: Text, ticket: int) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                await self._renew(conversation_id, ticket)
            except Exception as error:  # noqa: BLE001 - keep trying while we hold it
                logger.warning("lock_store.renew_failed error=%s", type(error).__name__)

    async def _wait_for_turn(self, conversation_id: Text, ticket: int) -> None:
        queue, leases, _ = self._keys(conversation_id)
        deadline = time.monotonic() + self.max_wait
        delay = self.poll
        while True:
            try:
                mine = await self._is_my_turn(keys=[queue, leases],
                                              args=[str(ticket), time.time()])
            except Exception as error:
                raise LockError("the lock store cannot be reached") from error
            if mine == 1:
                return
            if time.monotonic() > deadline:
                raise LockError(f"timed out waiting for conversation "
                                f"{conversation_ref(conversation_id)}")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    # The base class's ticket API is not used by `lock()`; keep it consistent anyway.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return None

    def delete_lock(self, conversation_id: Text) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None

    def is_someone_waiting(self, conversation_id: Text) -> bool:
        return False

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        raise NotImplementedError("use the async lock() context manager")

    @staticmethod
    def create(obj: Any) -> LockStore:
        return LockStore.create(obj)
