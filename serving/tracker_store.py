"""An SQL tracker store that rides out short database outages and never fails silently.

Rasa wraps every tracker store in a fail-safe store that, on a read error, returns no tracker
(so the conversation silently starts afresh) and, on a write error, keeps the tracker in
memory. This store retries each read and write for a few seconds first (a database restart or
a failover), and when the database stays away it marks the turn as failed, so the turn guard
tells the visitor to try again in a moment instead of answering a blank conversation. Nothing
is ever written over the stored conversation: the SQL store only appends, and a turn that
could not read the conversation is not answered.

Rasa's SQL store is synchronous inside `async` methods: a query held up by a network partition
(packets dropped, no reset) would block the server's event loop, and with it every other
visitor and the retry window itself. Each attempt runs on a worker thread of its own pool, and
the retry window bounds the wait for it.

endpoints.yml:
    tracker_store:
      type: serving.tracker_store.ResilientSQLTrackerStore
      dialect: postgresql
      url: ${POSTGRES_HOST}
      ...                       # as Rasa's SQL tracker store
      retry_seconds: 8          # optional
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Generator, Optional, Text, TypeVar

from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from privacy import conversation_ref
from serving import turn_state

logger = logging.getLogger(__name__)
T = TypeVar("T")


class TrackerStoreUnavailable(RuntimeError):
    """The conversation store could not be reached within the retry window."""


class ResilientSQLTrackerStore(SQLTrackerStore):
    engine: Engine

    def __init__(self, domain: Any = None, retry_seconds: float = 8.0,
                 host: Optional[Text] = None, worker_threads: int = 8, **kwargs: Any) -> None:
        self.retry_seconds = float(retry_seconds)
        self._workers = ThreadPoolExecutor(max_workers=int(worker_threads),
                                           thread_name_prefix="tracker-store")
        super().__init__(domain=domain, host=host, **kwargs)
        self._check_schema()
        # Connections dropped by a database restart are replaced, not reused.
        self.engine.pool._pre_ping = True
        if self.engine.dialect.name == "sqlite":
            self._tune_sqlite()

    def _tune_sqlite(self) -> None:
        """Pooled connections, WAL journal, NORMAL sync: a commit survives a crash of the
        process (the guarantee `make run` promises) without opening a connection and an fsync
        per query, which was about a third of the server's time per turn on these machines
        (SQLAlchemy 1.4 opens and closes a connection per session for an SQLite file)."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = create_engine(url, poolclass=QueuePool, pool_size=4, max_overflow=4,
                                    pool_pre_ping=True,
                                    connect_args={"check_same_thread": False, "timeout": 30})
        self.sessionmaker = sessionmaker(bind=self.engine)

        @event.listens_for(self.engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    def _check_schema(self) -> None:
        """A missing POSTGRESQL_SCHEMA stops start-up, once, with Rasa's own message."""
        with contextlib.closing(self.sessionmaker()) as session:
            try:
                ensure_schema_exists(session)
            except ValueError as error:
                raise SystemExit(f"PostgreSQL schema '{error}' not found: create it or unset "
                                 "POSTGRESQL_SCHEMA") from None

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        """Rasa's session scope exits the whole server on any ValueError raised inside it
        (it means "schema missing", but the database driver raises ValueError too, e.g. for
        a NUL in a conversation id): every visitor would lose the server. Here an error
        fails the one query; the schema is checked once, at start."""
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()

    async def _retrying(self, what: str, sender_id: str,
                        attempt: Callable[[], Awaitable[T]]) -> T:
        state = turn_state.current()
        if state is not None and state.store_failed:
            # This turn already lost the database: fail fast, the visitor is told.
            raise TrackerStoreUnavailable(f"tracker store {what} skipped after a failure")
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.2
        while True:
            try:
                return await self._off_the_loop(attempt, deadline)
            except Exception as error:
                if time.monotonic() + delay > deadline:
                    turn_state.store_failed()
                    logger.error("tracker_store.%s.failed conversation=%s error=%s", what,
                                 conversation_ref(sender_id), type(error).__name__)
                    raise TrackerStoreUnavailable(f"tracker store {what} failed") from error
                logger.warning("tracker_store.%s.retry conversation=%s error=%s", what,
                               conversation_ref(sender_id), type(error).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _off_the_loop(self, attempt: Callable[[], Awaitable[T]], deadline: float) -> T:
        """One attempt on a worker thread (with an event loop of its own), waited for no
        longer than the retry window. A timed-out attempt's thread finishes on its own."""
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._workers, lambda: asyncio.run(_as_coroutine(attempt)))
        return await asyncio.wait_for(job, timeout=max(deadline - time.monotonic(), 0.05))

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrying("retrieve", sender_id,
                                    lambda: SQLTrackerStore.retrieve(self, sender_id))

    async def retrieve_full_tracker(self, conversation_id: Text
                                    ) -> Optional[DialogueStateTracker]:
        return await self._retrying(
            "retrieve_full", conversation_id,
            lambda: SQLTrackerStore.retrieve_full_tracker(self, conversation_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._retrying("save", tracker.sender_id,
                             lambda: SQLTrackerStore.save(self, tracker))


async def _as_coroutine(attempt: Callable[[], Awaitable[T]]) -> T:
    return await attempt()
