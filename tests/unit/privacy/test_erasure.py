from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, func, select, text

from privacy.erasure import Eraser, tracker_store_url
from privacy.masking import conversation_ref, mask_phone, redact
from store.bookings import BookingRequest, BookingStore
from store.db import Database
from store.handoffs import HandoffStore
from store.models import Booking, ErasureRequest, Handoff


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'clinic.db'}")
    database.migrate()
    return database


@pytest.fixture
def tracker_db(tmp_path: Path) -> Path:
    return tmp_path / "tracker.db"


def say(tracker_db: Path, sender: str, text_: str, when: float) -> None:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db))
    tracker = DialogueStateTracker(sender, [])
    tracker.update(UserUttered(text_, timestamp=when))
    asyncio.run(store.save(tracker))


def events_of(tracker_db: Path, sender: str) -> int:
    engine = create_engine(f"sqlite:///{tracker_db}")
    with engine.connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM events WHERE sender_id = :s"),
                                  {"s": sender}).scalar_one()


def add_records(db: Database, conversation_id: str) -> None:
    BookingStore(db).save(BookingRequest(
        idempotency_key=f"k-{conversation_id}", conversation_id=conversation_id,
        channel="rest", name="Thandi", phone="+27821234567",
        preferred_start=datetime.now(timezone.utc) + timedelta(days=2),
        preferred_text="friday", reason="sore back", urgency="routine"))
    HandoffStore(db).open(conversation_id, "rest", "asked_for_person", "routine",
                          {"lines": ["Complaint: sore back"]})


def count(db: Database, model) -> int:
    with db.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_tracker_store_is_found_in_the_endpoints_file(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: var/t.db\n")
    assert str(tracker_store_url(endpoints, {})).endswith("/var/t.db")
    endpoints.write_text(
        "tracker_store:\n  type: serving.tracker_store.ResilientSQLTrackerStore\n"
        "  dialect: postgresql\n  url: ${PGHOST}\n  port: 5432\n  db: rasa\n"
        "  username: ${PGUSER}\n  password: ${PGPASSWORD}\n")
    url = tracker_store_url(endpoints, {"PGHOST": "db", "PGUSER": "rasa", "PGPASSWORD": "pw"})
    assert (url.drivername, url.host, url.port, url.database, url.username) == (
        "postgresql", "db", 5432, "rasa", "rasa")
    endpoints.write_text("tracker_store:\n  type: mongod\n")
    assert tracker_store_url(endpoints, {}) is None


def test_a_request_erases_the_records_at_once_and_the_conversation_when_quiet(
        db: Database, tracker_db: Path) -> None:
    add_records(db, "visitor-1")
    add_records(db, "visitor-2")
    now = time.time()
    say(tracker_db, "visitor-1", "my groin is numb", now)
    say(tracker_db, "visitor-2", "hello", now)
    eraser = Eraser(db, create_engine(f"sqlite:///{tracker_db}"))

    eraser.request("visitor-1", requested_by="visitor")
    assert count(db, Booking) == 1 and count(db, Handoff) == 1  # visitor-2's remain
    # Still talking: the conversation itself waits.
    assert eraser.run_due(now=datetime.now(timezone.utc)) == 0
    assert events_of(tracker_db, "visitor-1") == 1
    # Quiet for longer than the setting: erased, and the request is done.
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert eraser.run_due(now=later) == 1
    assert events_of(tracker_db, "visitor-1") == 0
    assert events_of(tracker_db, "visitor-2") == 1
    with db.session() as session:
        assert session.execute(select(ErasureRequest)).scalars().one().done_at is not None
    assert eraser.run_due(now=later) == 0  # done once


def test_purge_deletes_only_what_is_past_the_retention(db: Database, tracker_db: Path) -> None:
    add_records(db, "recent")
    say(tracker_db, "old", "hello from long ago", time.time() - 400 * 86400)
    say(tracker_db, "recent", "hello today", time.time())
    eraser = Eraser(db, create_engine(f"sqlite:///{tracker_db}"))
    counts = eraser.purge(timedelta(days=365))
    assert counts["conversations"] == 1
    assert events_of(tracker_db, "old") == 0 and events_of(tracker_db, "recent") == 1
    assert count(db, Booking) == 1  # made today
    future = datetime.now(timezone.utc) + timedelta(days=400)
    assert eraser.purge(timedelta(days=365), now=future)["bookings"] == 1


@pytest.mark.parametrize(("number", "masked"), [
    ("+27821234567", "+27*****4567"), ("whatsapp:+27821234567", "whatsapp:+27*****4567"),
    ("12345", "*****"), (None, "-"),
])
def test_phone_numbers_are_masked(number, masked) -> None:
    assert mask_phone(number) == masked


def test_conversation_refs_are_stable_and_hide_the_id() -> None:
    assert conversation_ref("+27821234567") == conversation_ref("+27821234567")
    assert "2782" not in conversation_ref("+27821234567")
    assert redact("my groin is numb") == "<16 chars>"
