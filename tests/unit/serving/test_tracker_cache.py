"""Trackers kept between turns: handed back only while the database holds exactly what was
saved, and the database always ends up with every event once, in order."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from serving.tracker_cache import TrackerCache, starts_its_session
from serving.tracker_store import ResilientSQLTrackerStore

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain"))


def store(domain: Domain, db: Path, **settings: float) -> ResilientSQLTrackerStore:
    return ResilientSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db),
                                    retry_seconds=1.0, **settings)


def new_conversation(domain: Domain, sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, domain.slots)
    for event in [SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event)
    return tracker


def turn(tracker: DialogueStateTracker, text: str) -> None:
    for event in [UserUttered(text, intent={"name": "describe_pain", "confidence": 1.0}),
                  BotUttered(f"you said {text}"), ActionExecuted("action_listen")]:
        tracker.update(event)


def stored_texts(db: Path, sender: str) -> List[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id",
                                  (sender,)).fetchall()
    return [json.loads(data).get("text") for (data,) in rows if json.loads(data).get("text")]


@pytest.mark.asyncio
async def test_the_saved_tracker_comes_back_and_every_event_is_stored_once(
        domain: Domain, tmp_path: Path) -> None:
    trackers = store(domain, tmp_path / "t.db")
    tracker = new_conversation(domain, "v1")
    await trackers.save(tracker)
    for text in ["one", "two", "three"]:
        again = await trackers.retrieve("v1")
        assert again is tracker  # no read-back: the same object
        turn(again, text)
        await trackers.save(again)
    assert stored_texts(tmp_path / "t.db", "v1") == [
        "one", "you said one", "two", "you said two", "three", "you said three"]
    from_database = await store(domain, tmp_path / "t.db").retrieve("v1")
    assert from_database is not None and from_database is not tracker
    assert list(from_database.events) == list(tracker.events)


@pytest.mark.asyncio
async def test_a_turn_written_by_another_replica_is_read_from_the_database(
        domain: Domain, tmp_path: Path) -> None:
    here, there = store(domain, tmp_path / "t.db"), store(domain, tmp_path / "t.db")
    tracker = new_conversation(domain, "v2")
    turn(tracker, "first")
    await here.save(tracker)
    elsewhere = await there.retrieve("v2")
    assert elsewhere is not None
    turn(elsewhere, "second, on the other replica")
    await there.save(elsewhere)
    again = await here.retrieve("v2")
    assert again is not tracker and again is not None
    assert again.latest_message.text == "second, on the other replica"
    turn(again, "third")
    await here.save(again)
    assert stored_texts(tmp_path / "t.db", "v2")[-2:] == ["third", "you said third"]
    assert len(stored_texts(tmp_path / "t.db", "v2")) == 6  # nothing written twice


@pytest.mark.asyncio
async def test_an_erased_conversation_is_not_handed_back(domain: Domain, tmp_path: Path
                                                         ) -> None:
    trackers = store(domain, tmp_path / "t.db")
    tracker = new_conversation(domain, "v3")
    turn(tracker, "private")
    await trackers.save(tracker)
    with sqlite3.connect(tmp_path / "t.db") as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'v3'")
    assert await trackers.retrieve("v3") is None
    assert len(trackers.cache) == 0


@pytest.mark.asyncio
async def test_a_tracker_that_began_a_new_session_is_read_back_from_that_session(
        domain: Domain, tmp_path: Path) -> None:
    trackers = store(domain, tmp_path / "t.db")
    tracker = new_conversation(domain, "v4")
    turn(tracker, "yesterday")
    await trackers.save(tracker)
    tracker = await trackers.retrieve("v4")
    assert tracker is not None
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    turn(tracker, "today")
    await trackers.save(tracker)
    again = await trackers.retrieve("v4")
    assert again is not tracker and again is not None
    assert "yesterday" not in [e.text for e in again.events if isinstance(e, UserUttered)]
    assert stored_texts(tmp_path / "t.db", "v4") == [
        "yesterday", "you said yesterday", "today", "you said today"]


@pytest.mark.asyncio
async def test_a_turn_that_fails_before_saving_leaves_nothing_cached(
        domain: Domain, tmp_path: Path) -> None:
    trackers = store(domain, tmp_path / "t.db")
    tracker = new_conversation(domain, "v5")
    await trackers.save(tracker)
    taken = await trackers.retrieve("v5")
    turn(taken, "lost: this turn failed and was never saved")  # type: ignore[arg-type]
    again = await trackers.retrieve("v5")
    assert again is not taken and again is not None
    assert again.latest_message is None or again.latest_message.text is None


@pytest.mark.asyncio
async def test_with_the_cache_off_every_turn_reads_the_database(domain: Domain,
                                                                 tmp_path: Path) -> None:
    trackers = store(domain, tmp_path / "t.db", cache_conversations=0)
    tracker = new_conversation(domain, "v6")
    await trackers.save(tracker)
    again = await trackers.retrieve("v6")
    assert again is not tracker and again is not None
    turn(again, "still stored once")
    await trackers.save(again)
    assert stored_texts(tmp_path / "t.db", "v6") == ["still stored once",
                                                      "you said still stored once"]


def test_the_cache_is_bounded_and_short_lived(domain: Domain) -> None:
    now = [0.0]
    cache = TrackerCache(max_conversations=2, seconds=10, clock=lambda: now[0])
    for sender in ["a", "b", "c"]:
        cache.put(new_conversation(domain, sender), (2, 2))
    assert len(cache) == 2 and cache.take("a") is None  # the oldest went first
    now[0] = 11.0
    assert cache.take("b") is None and len(cache) == 0  # too old
    cache.put(new_conversation(domain, "d"), (2, 2))
    held = cache.take("d")
    assert held is not None and held.version == (2, 2)
    assert cache.take("d") is None  # taken: one turn owns it


@pytest.mark.asyncio
async def test_a_new_conversations_empty_tracker_is_not_kept(domain: Domain,
                                                             tmp_path: Path) -> None:
    """Rasa saves the empty tracker it creates and goes on using that very object."""
    trackers = store(domain, tmp_path / "t.db")
    created = await trackers.get_or_create_tracker("v7", append_action_listen=False)
    assert len(trackers.cache) == 0
    turn(created, "first words")
    again = await trackers.retrieve("v7")
    assert again is None  # nothing stored yet, and not the object the turn is using


def test_a_session_start_after_the_first_event_means_not_its_own_session(domain: Domain
                                                                         ) -> None:
    tracker = new_conversation(domain, "x")
    assert starts_its_session(tracker)
    tracker.update(SessionStarted())
    assert not starts_its_session(tracker)
    with pytest.raises(ValueError):
        TrackerCache(max_conversations=-1)


@pytest.mark.asyncio
async def test_the_warm_up_rehearses_a_turn_and_keeps_nothing(domain: Domain,
                                                              tmp_path: Path) -> None:
    trackers = store(domain, tmp_path / "t.db")
    asked: list = []
    counted = trackers._additional_events

    def additional_events(session: object, tracker: object) -> object:
        asked.append(tracker)
        return counted(session, tracker)  # type: ignore[arg-type]

    trackers._additional_events = additional_events  # type: ignore[method-assign]
    await trackers.warm_up()
    # What a new conversation's first save asks (the count of its stored events) is
    # compiled before the first visitor too.
    assert len(asked) == 1
    with sqlite3.connect(tmp_path / "t.db") as connection:
        assert connection.execute("SELECT count(*) FROM events").fetchone() == (0,)
