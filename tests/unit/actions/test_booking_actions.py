from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.action_submit_booking import ActionSubmitBooking
from actions.validate_booking_form import ValidateBookingForm
from store.models import Booking, Handoff
from tests.conftest import make_tracker

START = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0).isoformat()
CONFIRMED = {"booking_name": "Thandi M", "booking_phone": "+27821234567",
             "booking_time": START, "booking_time_text": "Friday at 10",
             "booking_confirmed": True, "complaint": "my back locked up", "urgency": "routine"}


def count(database, model) -> int:
    with database.session() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.asyncio
async def test_a_confirmed_booking_is_saved_and_gets_a_reference(deps, database):
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(dispatcher, make_tracker(slots=CONFIRMED), {})
    reference = next(e["value"] for e in events if e["name"] == "booking_reference")
    assert reference.startswith("BK-")
    assert reference in dispatcher.messages[0]["text"]
    booking = deps.bookings.by_reference(reference)
    assert booking.phone == "+27821234567"
    assert "my back locked up" in booking.reason  # pre-filled from the assessment


@pytest.mark.asyncio
async def test_a_double_submitted_confirmation_makes_one_booking(deps, database):
    first, second = CollectingDispatcher(), CollectingDispatcher()
    a = await ActionSubmitBooking().run(first, make_tracker(slots=CONFIRMED), {})
    b = await ActionSubmitBooking().run(second, make_tracker(slots=CONFIRMED), {})
    ref = [next(e["value"] for e in events if e["name"] == "booking_reference")
           for events in (a, b)]
    assert ref[0] == ref[1]
    assert count(database, Booking) == 1


@pytest.mark.asyncio
async def test_an_unconfirmed_booking_is_not_saved(deps, database):
    slots = {**CONFIRMED, "booking_confirmed": None}
    assert await ActionSubmitBooking().run(CollectingDispatcher(), make_tracker(slots=slots),
                                           {}) == []
    assert count(database, Booking) == 0


@pytest.mark.asyncio
async def test_a_store_failure_is_told_and_handed_to_the_front_desk(deps, database,
                                                                    monkeypatch):
    def broken(_request):
        raise RuntimeError("database is down")

    monkeypatch.setattr(deps.bookings, "save", broken)
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitBooking().run(dispatcher, make_tracker(slots=CONFIRMED), {})
    assert "couldn't save" in dispatcher.messages[0]["text"]
    assert any(e["event"] == "pause" for e in events)
    with database.session() as session:
        handoff = session.execute(select(Handoff)).scalars().one()
    assert handoff.reason == "booking_failed"
    assert handoff.summary["contact"]["phone"] == "+27821234567"


@pytest.mark.asyncio
async def test_on_whatsapp_yes_uses_the_senders_number(deps):
    tracker = make_tracker(slots={"requested_slot": "booking_phone"}, intent="affirm",
                           text="/affirm", sender_id="whatsapp:+27829876543",
                           input_channel="twilio_whatsapp")
    result = await ValidateBookingForm().validate_booking_phone(
        "/affirm", CollectingDispatcher(), tracker, {})
    assert result == {"booking_phone": "+27829876543"}


@pytest.mark.asyncio
async def test_an_invalid_phone_is_asked_again(deps):
    dispatcher = CollectingDispatcher()
    result = await ValidateBookingForm().validate_booking_phone(
        "12345", dispatcher, make_tracker(), {})
    assert result == {"booking_phone": None}
    assert dispatcher.messages


@pytest.mark.asyncio
async def test_saying_no_at_the_confirmation_starts_the_details_again(deps):
    dispatcher = CollectingDispatcher()
    result = await ValidateBookingForm().validate_booking_confirmed(
        False, dispatcher, make_tracker(slots=CONFIRMED), {})
    assert all(value is None for value in result.values())
    assert set(result) == {"booking_name", "booking_phone", "booking_time", "booking_confirmed"}
