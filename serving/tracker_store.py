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
the retry window bounds the wait for it. The exception: reads of an SQLite file (WAL mode,
where a reader never waits for a writer, and no network) run on the event loop's thread, as
the hand-off to a worker thread and back cost more than the read (`reads_on_the_loop`).

endpoints.yml:
    tracker_store:
      type: serving.tracker_store.ResilientSQLTrackerStore
      dialect: postgresql
      url: ${POSTGRES_HOST}
      ...                       # as Rasa's SQL tracker store
      retry_seconds: 8          # optional
      cache_conversations: 100  # optional: trackers kept between turns (0: none)
      cache_seconds: 300        # optional: how long one is kept (tracker_cache.py)
      reads_on_the_loop: false  # optional: default true for SQLite only

What was read or saved is remembered on the tracker (how many of its events are stored), so a
save appends the new events without first counting the stored ones (Rasa's way, kept for a
tracker this store did not read).

The new events are written with one multi-row INSERT of SQLAlchemy Core into Rasa's own table
(the same columns and values as Rasa's ORM objects), and the conversation's version with one
prepared Core query: the ORM's unit of work (one INSERT per event on SQLite, an identity map
nothing here reads) was about a twentieth of the Rasa server's CPU per turn under load.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Generator,
    Iterable,
    Optional,
    Text,
    TypeVar,
)

from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import bindparam, create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from privacy import conversation_ref
from serving import event_json, turn_state
from serving.tracker_cache import TrackerCache, Version

logger = logging.getLogger(__name__)
T = TypeVar("T")
STORED_EVENTS = "_physio_stored_events"  # on a tracker: how many of its events are stored


class TrackerStoreUnavailable(RuntimeError):
    """The conversation store could not be reached within the retry window."""


class ResilientSQLTrackerStore(SQLTrackerStore):
    engine: Engine

    def __init__(self, domain: Any = None, retry_seconds: float = 8.0,
                 host: Optional[Text] = None, worker_threads: int = 8,
                 cache_conversations: int = 100, cache_seconds: float = 300.0,
                 reads_on_the_loop: Optional[bool] = None, **kwargs: Any) -> None:
        self.retry_seconds = float(retry_seconds)
        self.worker_threads = int(worker_threads)
        self.cache = TrackerCache(int(cache_conversations), float(cache_seconds))
        self._workers = ThreadPoolExecutor(max_workers=self.worker_threads,
                                           thread_name_prefix="tracker-store")
        super().__init__(domain=domain, host=host, **kwargs)
        table = self.SQLEvent.__table__
        self._insert_events = table.insert()
        self._version_query = select(func.count(table.c.id), func.max(table.c.id)).where(
            table.c.sender_id == bindparam("sender_id"))
        self._check_schema()
        # Connections dropped by a database restart are replaced, not reused.
        self.engine.pool._pre_ping = True
        sqlite = self.engine.dialect.name == "sqlite"
        if sqlite:
            self._tune_sqlite()
        # A read of an SQLite file in WAL mode never waits for a writer, and a file has no
        # network to hang on: it runs on the event loop's thread, without the hand-off to a
        # worker thread and back (about 150 us of CPU each, a twentieth of a turn). Writes,
        # which may wait for another process's write lock, and any database server's
        # queries stay on the worker threads.
        self.reads_on_the_loop = sqlite if reads_on_the_loop is None else \
            yes_or_no("reads_on_the_loop", reads_on_the_loop)

    def _tune_sqlite(self) -> None:
        """Pooled connections, WAL journal, NORMAL sync: a commit survives a crash of the
        process (the guarantee `make run` promises) without opening a connection and an fsync
        per query, which was about a third of the server's time per turn on these machines
        (SQLAlchemy 1.4 opens and closes a connection per session for an SQLite file). One
        pooled connection per worker thread: a smaller pool opened and closed overflow
        connections under load. No ping before each use: a file has no server to lose."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = create_engine(url, poolclass=QueuePool, pool_size=self.worker_threads,
                                    max_overflow=4, pool_pre_ping=False,
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
                        attempt: Callable[[], Awaitable[T]], on_the_loop: bool = False) -> T:
        state = turn_state.current()
        if state is not None and state.store_failed:
            # This turn already lost the database: fail fast, the visitor is told.
            raise TrackerStoreUnavailable(f"tracker store {what} skipped after a failure")
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.2
        while True:
            try:
                if on_the_loop:
                    return await attempt()
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
        job = loop.run_in_executor(self._workers, _on_this_threads_loop, attempt)
        return await asyncio.wait_for(job, timeout=max(deadline - time.monotonic(), 0.05))

    def _version(self, session: Session, sender_id: Text) -> Version:
        count, highest = session.execute(self._version_query, {"sender_id": sender_id}).one()
        return int(count), highest

    async def _retrieve_latest(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        held = self.cache.take(sender_id) if self.cache.enabled else None
        if held is not None:
            with self.session_scope() as session:
                if self._version(session, sender_id) == held.version:
                    return held.tracker
        tracker = await SQLTrackerStore.retrieve(self, sender_id)
        if tracker is not None:
            tracker.__dict__[STORED_EVENTS] = len(tracker.events)
        return tracker

    def _events_to_store(self, session: Session, tracker: DialogueStateTracker
                         ) -> Iterable[Event]:
        stored = tracker.__dict__.get(STORED_EVENTS)
        if isinstance(stored, int) and 0 <= stored <= len(tracker.events):
            return itertools.islice(tracker.events, stored, None)
        return self._additional_events(session, tracker)  # Rasa's count of stored events

    async def _save_and_keep(self, tracker: DialogueStateTracker) -> None:
        """Rasa 3.6.21's SQL save, with the stored count known and the tracker kept."""
        await self.stream_events(tracker)
        self.cache.forget(tracker.sender_id)
        with self.session_scope() as session:
            rows = [event_row(tracker.sender_id, event_)
                    for event_ in self._events_to_store(session, tracker)]
            if rows:
                session.execute(self._insert_events, rows)
            version = self._version(session, tracker.sender_id) if self.cache.enabled else None
            session.commit()
        tracker.__dict__[STORED_EVENTS] = len(tracker.events)
        if version is not None:
            self.cache.put(tracker, version)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrying("retrieve", sender_id,
                                    lambda: self._retrieve_latest(sender_id),
                                    on_the_loop=self.reads_on_the_loop)

    def _rehearse(self) -> None:
        """A new conversation's queries, the insert rolled back: connections opened and
        statements compiled before the first visitor, nothing kept. The same statements as
        a turn's: its read, the count of stored events that the first save of a conversation
        asks (Rasa's, compiled on first use: it made each worker's first new conversation
        3 to 4 ms slower than the next), the multi-row insert and the version."""
        sender_id = f"warm-up-{uuid.uuid4().hex}"
        with self.session_scope() as session:
            self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            new_conversation = DialogueStateTracker(sender_id, None)
            list(self._additional_events(session, new_conversation))
            session.execute(self._insert_events,
                            [event_row(sender_id, ActionExecuted(ACTION_LISTEN_NAME))])
            self._version(session, sender_id)
            session.rollback()

    async def warm_up(self) -> None:
        await self._off_the_loop(_run(self._rehearse),
                                 time.monotonic() + self.retry_seconds)

    async def retrieve_full_tracker(self, conversation_id: Text
                                    ) -> Optional[DialogueStateTracker]:
        return await self._retrying(
            "retrieve_full", conversation_id,
            lambda: SQLTrackerStore.retrieve_full_tracker(self, conversation_id),
            on_the_loop=self.reads_on_the_loop)

    async def save(self, tracker: DialogueStateTracker) -> None:
        attempts = 0

        async def attempt() -> None:
            nonlocal attempts
            attempts += 1
            if attempts > 1:  # an earlier attempt may have landed after all: count instead
                tracker.__dict__.pop(STORED_EVENTS, None)
            await self._save_and_keep(tracker)

        await self._retrying("save", tracker.sender_id, attempt)


def yes_or_no(name: str, value: Any) -> bool:
    """A true/false setting from endpoints.yml, where a substituted variable comes as text."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ValueError(f"tracker_store {name} must be true or false, not {value!r}")


def event_row(sender_id: Text, event_: Event) -> Dict[str, Any]:
    """The row Rasa 3.6.21's SQL store writes for an event (its `save`)."""
    data = event_.as_dict()
    return {"sender_id": sender_id, "type_name": event_.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": event_json.text(event_)}


_thread_loops = threading.local()


def _on_this_threads_loop(attempt: Callable[[], Awaitable[T]]) -> T:
    """Runs an attempt on the worker thread's own event loop, made once per thread (a new
    loop per call, as `asyncio.run` makes, was a measurable part of a turn)."""
    loop = getattr(_thread_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _thread_loops.loop = loop
    return loop.run_until_complete(attempt())


def _run(work: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    async def run() -> T:
        return work()
    return run
