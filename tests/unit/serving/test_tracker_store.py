"""The resilient tracker store: conversations round-trip, a held-up database never freezes the
server, and a database that stays away fails the turn loudly instead of answering blank."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from serving import turn_state
from serving.tracker_store import ResilientSQLTrackerStore, TrackerStoreUnavailable

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain"))


def store(domain: Domain, tmp_path: Path, retry_seconds: float = 1.0) -> ResilientSQLTrackerStore:
    return ResilientSQLTrackerStore(domain=domain, dialect="sqlite",
                                    db=str(tmp_path / "trackers.db"), retry_seconds=retry_seconds)


def conversation(domain: Domain, sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("my back is in spasm", intent={"name": "describe_pain"}))
    return tracker


@pytest.mark.asyncio
async def test_a_saved_conversation_comes_back(domain: Domain, tmp_path: Path) -> None:
    trackers = store(domain, tmp_path)
    await trackers.save(conversation(domain, "visitor-1"))
    again = await trackers.retrieve("visitor-1")
    assert again is not None
    assert again.latest_message.text == "my back is in spasm"


@pytest.mark.asyncio
async def test_a_held_up_query_leaves_the_server_answering_and_fails_the_turn(
        domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trackers = store(domain, tmp_path, retry_seconds=0.5)
    trackers.reads_on_the_loop = False  # as for a database server (an SQLite file's are)

    async def held_up(self: Any, sender_id: str) -> None:
        time.sleep(3)  # a partition: the synchronous driver blocks, nothing is raised

    monkeypatch.setattr(SQLTrackerStore, "retrieve", held_up)
    ticks = 0

    async def other_visitors() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    state = turn_state.begin()
    others = asyncio.create_task(other_visitors())
    try:
        with pytest.raises(TrackerStoreUnavailable):
            await trackers.retrieve("visitor-2")
    finally:
        others.cancel()
    assert ticks > 0, "the event loop was blocked while the query was held up"
    assert state.store_failed


@pytest.mark.asyncio
async def test_a_failed_turn_does_not_try_the_database_again(
        domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trackers = store(domain, tmp_path, retry_seconds=0.3)
    calls = 0

    async def broken(self: Any, sender_id: str) -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("database gone")

    monkeypatch.setattr(SQLTrackerStore, "retrieve", broken)
    turn_state.begin()
    with pytest.raises(TrackerStoreUnavailable):
        await trackers.retrieve("visitor-3")
    tried = calls
    with pytest.raises(TrackerStoreUnavailable):
        await trackers.retrieve("visitor-3")
    assert tried >= 1 and calls == tried


@pytest.mark.asyncio
async def test_an_sqlite_file_is_read_on_the_loops_thread_and_written_on_a_worker(
        domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    trackers = store(domain, tmp_path)
    assert trackers.reads_on_the_loop is True
    threads: dict = {}
    real_save, real_read = trackers._save_and_keep, trackers._retrieve_latest

    async def save(tracker: DialogueStateTracker) -> None:
        threads["save"] = threading.get_ident()
        await real_save(tracker)

    async def read(sender_id: str) -> Any:
        threads["read"] = threading.get_ident()
        return await real_read(sender_id)

    monkeypatch.setattr(trackers, "_save_and_keep", save)
    monkeypatch.setattr(trackers, "_retrieve_latest", read)
    await trackers.save(conversation(domain, "visitor-threads"))
    assert (await trackers.retrieve("visitor-threads")) is not None
    assert threads["read"] == threading.get_ident()
    assert threads["save"] != threading.get_ident()
    for setting, expected in ((False, False), ("false", False), ("no", False), ("true", True)):
        assert ResilientSQLTrackerStore(domain=domain, dialect="sqlite",
                                        db=str(tmp_path / "x.db"),
                                        reads_on_the_loop=setting).reads_on_the_loop is expected
    with pytest.raises(ValueError, match="reads_on_the_loop must be true or false"):
        ResilientSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "y.db"),
                                 reads_on_the_loop="sometimes")


def test_an_sqlite_file_keeps_one_connection_per_worker_thread_and_no_ping(
        domain: Domain, tmp_path: Path) -> None:
    trackers = ResilientSQLTrackerStore(domain=domain, dialect="sqlite",
                                        db=str(tmp_path / "trackers.db"), worker_threads=3)
    assert trackers.engine.pool.size() == 3
    assert trackers.engine.pool._pre_ping is False


@pytest.mark.asyncio
async def test_each_event_is_stored_as_rasas_own_json(domain: Domain, tmp_path: Path) -> None:
    """The stored text is the one encoded once for action calls (event_json.py); Rasa reads
    it back with the standard library, so it must decode to the event's own dict."""
    import json
    import sqlite3

    tracker = conversation(domain, "visitor-json")
    await store(domain, tmp_path).save(tracker)
    with sqlite3.connect(tmp_path / "trackers.db") as db:
        stored = [json.loads(row[0]) for row in db.execute(
            "SELECT data FROM events WHERE sender_id = 'visitor-json' ORDER BY id")]
    assert stored == [json.loads(json.dumps(event.as_dict())) for event in tracker.events]
