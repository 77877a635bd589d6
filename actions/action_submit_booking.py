"""Saves the confirmed booking request, then tells the visitor its reference.

The booking is committed before the visitor hears it is saved. The idempotency key is derived
from the conversation and the booking's details, so a repeated confirmation (a double tap, a
re-delivered message) returns the same booking instead of making a second one. If the store
fails, the visitor is told and the conversation goes to the front desk: nothing is lost
silently.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies, names
from actions.booking_reason import booking_reason
from actions.handoff import channel_of, start_handoff
from privacy import conversation_ref
from store.bookings import BookingRequest

logger = logging.getLogger(__name__)
CLEARED = ("booking_name", "booking_phone", "booking_time", "booking_time_text",
           "booking_confirmed")


def idempotency_key(tracker: Tracker) -> str:
    parts = [tracker.sender_id] + [str(tracker.get_slot(s)) for s in
                                   ("booking_name", "booking_phone", "booking_time")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class ActionSubmitBooking(Action):
    def name(self) -> Text:
        return "action_submit_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        deps = dependencies.get()
        if tracker.get_slot("booking_confirmed") is not True:
            return []
        request = BookingRequest(
            idempotency_key=idempotency_key(tracker),
            conversation_id=tracker.sender_id,
            channel=channel_of(tracker),
            name=tracker.get_slot("booking_name"),
            phone=tracker.get_slot("booking_phone"),
            preferred_start=datetime.fromisoformat(tracker.get_slot("booking_time")),
            preferred_text=tracker.get_slot("booking_time_text") or "",
            reason=booking_reason(deps.engine, tracker.slots),
            urgency=tracker.get_slot(names.URGENCY),
        )
        try:
            booking, created = deps.bookings.save(request)
        except Exception:
            logger.exception("booking.save_failed conversation=%s",
                             conversation_ref(tracker.sender_id))
            dispatcher.utter_message(
                text="Sorry, I couldn't save your booking request just now, so I'm passing "
                     f"you to our front desk. You can also call us on {deps.profile.phone}.")
            contact = {"name": request.name, "phone": request.phone}
            return start_handoff(tracker, dispatcher, reason="booking_failed", contact=contact)
        logger.info("booking.saved conversation=%s created=%s",
                    conversation_ref(tracker.sender_id), created)
        dispatcher.utter_message(
            text=(f"Your booking request is saved. Your reference is {booking.reference}. "
                  "Our front desk will confirm the time with you. "
                  f"{deps.profile.booking_policy.text}").strip())
        return [SlotSet("booking_reference", booking.reference),
                *(SlotSet(slot, None) for slot in CLEARED)]
