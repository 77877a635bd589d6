"""What the console sends to Rasa's HTTP API (docs/contracts.md), checked against a stand-in
that records every request, and what happens when Rasa is down or refuses."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from frontdesk.rasa_client import RasaClient, RasaError
from frontdesk.repository import AuditLog, BookingRepository, HandoffRepository, SessionRecord
from frontdesk.service import Conflict, Console, DeliveryFailed, InvalidInput
from store.db import Database
from store.models import BookingStatus
from tests.unit.frontdesk.conftest import add_booking, add_handoff, ago, free_port
from tests.unit.frontdesk.fake_rasa import FakeRasa

WHATSAPP_ID = "whatsapp:+27821234567"
STAFF = SessionRecord(staff_id=1, username="sam", display_name="Sam (front desk)",
                      csrf_token="unused", created_at=ago(minutes=1), expires_at=ago(minutes=-30))

pytestmark = pytest.mark.usefixtures("fake_rasa")


def _only_post(fake_rasa: FakeRasa, conversation_id: str) -> Dict[str, Any]:
    posts = fake_rasa.posts_for(conversation_id)
    assert len(posts) == 1, posts
    post = posts[0]
    assert post.endpoint == "events"
    assert post.query == {"token": fake_rasa.token, "output_channel": "latest",
                          "execute_side_effects": "true"}
    return {"body": post.body}


def _audit(db: Database) -> List[tuple]:
    return [(e.action, e.staff_username, e.target_id, dict(e.detail))
            for e in reversed(AuditLog(db).page())]


@pytest.mark.asyncio
async def test_a_staff_reply_is_a_bot_event_with_the_reply_in_custom(
        console: Console, db: Database, fake_rasa: FakeRasa) -> None:
    handoff = add_handoff(db, conversation_id=WHATSAPP_ID, channel="whatsapp")
    await console.reply(STAFF, handoff.id, "  Hi, this is Sam from the front desk.  ")
    sent = _only_post(fake_rasa, WHATSAPP_ID)["body"]
    assert sent == [{
        "event": "bot", "text": None,
        "data": {"custom": {"kind": "staff_reply", "text": "Hi, this is Sam from the front desk.",
                            "author": "Sam (front desk)"}},
        "metadata": {"from_staff": True},
    }]
    assert _audit(db) == [("handoff.reply", "sam", handoff.id, {"chars": 36})]


@pytest.mark.asyncio
async def test_the_conversation_id_reaches_rasa_unchanged(console: Console, db: Database,
                                                          fake_rasa: FakeRasa) -> None:
    for conversation_id in (WHATSAPP_ID, "+27821234567", "Ab-9_xYz"):
        handoff = add_handoff(db, conversation_id=conversation_id)
        await console.reply(STAFF, handoff.id, "hello")
        assert len(fake_rasa.posts_for(conversation_id)) == 1, conversation_id


@pytest.mark.asyncio
async def test_hand_back_resumes_clears_the_slot_tells_the_visitor_and_closes(
        console: Console, db: Database, fake_rasa: FakeRasa) -> None:
    handoff = add_handoff(db, conversation_id="visitor-7")
    await console.hand_back(STAFF, handoff.id)
    sent = _only_post(fake_rasa, "visitor-7")["body"]
    assert sent == [
        {"event": "resume"},
        {"event": "slot", "name": "handoff_active", "value": False},
        {"event": "bot", "text": None,
         "data": {"custom": {"kind": "handoff_closed", "text": "You're back with the assistant.",
                             "author": "Sam (front desk)"}},
         "metadata": {"from_staff": True}},
        {"event": "action", "name": "action_listen"},
    ]
    closed = HandoffRepository(db).get(handoff.id)
    assert closed is not None and closed.status == "closed" and closed.closed_by == "sam"
    assert closed.closed_at is not None
    assert _audit(db) == [("handoff.hand_back", "sam", handoff.id, {})]


@pytest.mark.asyncio
async def test_a_closed_handoff_takes_no_reply_and_no_second_hand_back(
        console: Console, db: Database, fake_rasa: FakeRasa) -> None:
    handoff = add_handoff(db, conversation_id="visitor-8")
    await console.hand_back(STAFF, handoff.id)
    with pytest.raises(Conflict):
        await console.reply(STAFF, handoff.id, "hello?")
    with pytest.raises(Conflict):
        await console.hand_back(STAFF, handoff.id)
    assert len(fake_rasa.posts_for("visitor-8")) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "kind", "wording"), [
    (BookingStatus.confirmed, "confirm", "is confirmed"),
    (BookingStatus.declined, "decline", "can't offer"),
])
async def test_a_booking_decision_is_recorded_and_told_to_the_visitor(
        console: Console, db: Database, fake_rasa: FakeRasa, status: BookingStatus,
        kind: str, wording: str) -> None:
    booking = add_booking(db, conversation_id="visitor-9")
    await console.decide_booking(STAFF, booking.id, status)
    sent = _only_post(fake_rasa, "visitor-9")["body"]
    assert len(sent) == 1
    event = sent[0]
    assert event["event"] == "bot" and event["text"] is None
    assert event["metadata"] == {"from_staff": True}
    custom = event["data"]["custom"]
    assert custom["kind"] == "booking_update"
    assert custom["author"] == "Sam (front desk)"
    assert custom["reference"] == booking.reference and custom["status"] == status.value
    assert wording in custom["text"] and booking.reference in custom["text"]
    assert "Mon 04 Mar 2030, 09:30" in custom["text"]  # the clinic's time zone (UTC+2)
    decided = BookingRepository(db).get(booking.id)
    assert decided is not None and decided.status == status.value
    assert decided.decided_by == "sam" and decided.decided_at is not None
    assert _audit(db) == [(f"booking.{kind}", "sam", booking.id,
                           {"reference": booking.reference})]
    with pytest.raises(Conflict):
        await console.decide_booking(STAFF, booking.id, BookingStatus.confirmed)


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
async def test_an_empty_or_over_long_reply_is_refused_before_rasa(
        console: Console, db: Database, fake_rasa: FakeRasa, text: str) -> None:
    handoff = add_handoff(db, conversation_id="visitor-10")
    with pytest.raises(InvalidInput):
        await console.reply(STAFF, handoff.id, text)
    assert fake_rasa.posts_for("visitor-10") == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "kind", "says"), [
    (500, "rejected", "failed (HTTP 500)"),
    (503, "rejected", "failed (HTTP 503)"),
    (401, "rejected", "RASA_TOKEN"),
    (404, "rejected", "refused the request (HTTP 404)"),
])
async def test_a_reply_rasa_refuses_is_not_recorded_as_sent(
        console: Console, db: Database, fake_rasa: FakeRasa, status: int, kind: str,
        says: str) -> None:
    handoff = add_handoff(db, conversation_id="visitor-11")
    fake_rasa.fail_posts_with = status
    with pytest.raises(DeliveryFailed) as failed:
        await console.reply(STAFF, handoff.id, "hello")
    assert says in failed.value.message and "The reply was not sent." in failed.value.message
    assert _audit(db) == [("handoff.reply.failed", "sam", handoff.id,
                           {"error": kind, "status": status})]


@pytest.mark.asyncio
async def test_hand_back_and_decisions_are_undone_when_rasa_refuses(
        console: Console, db: Database, fake_rasa: FakeRasa) -> None:
    handoff = add_handoff(db, conversation_id="visitor-12")
    booking = add_booking(db, conversation_id="visitor-12")
    fake_rasa.fail_posts_with = 500
    with pytest.raises(DeliveryFailed) as failed:
        await console.hand_back(STAFF, handoff.id)
    assert "still with staff" in failed.value.message
    with pytest.raises(DeliveryFailed):
        await console.decide_booking(STAFF, booking.id, BookingStatus.confirmed)
    reopened = HandoffRepository(db).get(handoff.id)
    assert reopened is not None and reopened.status == "open" and reopened.closed_by is None
    undecided = BookingRepository(db).get(booking.id)
    assert undecided is not None and undecided.status == "requested"
    assert undecided.decided_by is None
    assert [a[0] for a in _audit(db)] == ["handoff.hand_back.failed", "booking.confirm.failed"]


@pytest.mark.asyncio
async def test_rasa_down_is_a_clear_message_and_nothing_changes(
        console: Console, db: Database, fake_rasa: FakeRasa) -> None:
    down = RasaClient(f"http://127.0.0.1:{free_port()}", "token", timeout_s=5)
    offline = Console(console.settings, db, down, console.profile, console.passwords)
    handoff = add_handoff(db, conversation_id="visitor-13")
    try:
        with pytest.raises(DeliveryFailed) as failed:
            await offline.reply(STAFF, handoff.id, "hello")
        assert failed.value.message == ("The assistant's server (Rasa) could not be reached. "
                                        "The reply was not sent.")
        with pytest.raises(DeliveryFailed):
            await offline.hand_back(STAFF, handoff.id)
        conversation = await offline.conversation("visitor-13", "socketio")
        assert conversation.events == []
        assert conversation.transcript_error is not None
        assert "could not be reached" in conversation.transcript_error
    finally:
        await down.close()
    still_open = HandoffRepository(db).get(handoff.id)
    assert still_open is not None and still_open.is_open


@pytest.mark.asyncio
async def test_the_tracker_is_read_with_the_token_and_every_event(
        console: Console, fake_rasa: FakeRasa) -> None:
    fake_rasa.user_says(WHATSAPP_ID, "my back hurts", channel="whatsapp")
    events = await console.events(WHATSAPP_ID)
    assert [e["text"] for e in events] == ["my back hurts"]
    request = fake_rasa.requests[-1]
    assert (request.method, request.conversation_id, request.endpoint) == \
        ("GET", WHATSAPP_ID, "tracker")
    assert request.query == {"token": fake_rasa.token, "include_events": "ALL"}


@pytest.mark.asyncio
async def test_client_errors_hide_the_token(fake_rasa: FakeRasa) -> None:
    client = RasaClient(fake_rasa.url, "wrong-token-value", timeout_s=5)
    try:
        with pytest.raises(RasaError) as refused:
            await client.tracker("visitor-14")
    finally:
        await client.close()
    assert refused.value.status == 401
    assert "wrong-token-value" not in str(refused.value)
    down = RasaClient(f"http://127.0.0.1:{free_port()}", "secret-token-value", timeout_s=5)
    try:
        with pytest.raises(RasaError) as unreachable:
            await down.tracker("visitor-14")
    finally:
        await down.close()
    # the aiohttp error (whose text has the URL, token included) is not chained
    assert unreachable.value.__cause__ is None and unreachable.value.__suppress_context__
    assert "secret-token-value" not in str(unreachable.value)
