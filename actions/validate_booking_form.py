"""Checks the booking details as they are given: a real name, a valid phone number (the
WhatsApp sender's own number when they agree), a time the clinic is open, and a yes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import dependencies
from booking.phone import normalise_phone
from booking.preferred_time import parse_preferred_time

BOOKING_SLOTS = ["booking_name", "booking_phone", "booking_time", "booking_confirmed"]
WHATSAPP_CHANNELS = {"whatsapp", "twilio_whatsapp"}


def sender_phone(tracker: Tracker) -> str | None:
    """On WhatsApp the conversation id is the visitor's own number."""
    if tracker.get_latest_input_channel() in WHATSAPP_CHANNELS:
        return tracker.sender_id.removeprefix("whatsapp:")
    return None


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


class ValidateBookingForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_booking_form"

    def domain_slots(self, domain: DomainDict) -> List[Text]:
        return list(BOOKING_SLOTS)

    async def validate_booking_name(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        name = " ".join(str(value or "").split())
        if not 2 <= len(name) <= 80 or name.startswith("/") or not any(c.isalpha()
                                                                      for c in name):
            dispatcher.utter_message(text="Please type the name the booking should be under.")
            return {"booking_name": None}
        return {"booking_name": name}

    async def validate_booking_phone(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        own = sender_phone(tracker)
        if own and latest_intent(tracker) == "affirm":
            value = own
        check = normalise_phone(str(value or ""), dependencies.get().profile.phone_region)
        if check.problem:
            dispatcher.utter_message(text=check.problem)
            return {"booking_phone": None}
        return {"booking_phone": check.e164}

    async def validate_booking_time(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        profile = dependencies.get().profile
        check = parse_preferred_time(str(value or ""), datetime.now(timezone.utc), profile)
        if check.problem or check.start is None:
            dispatcher.utter_message(text=check.problem or "Which day and time suit you?")
            return {"booking_time": None}
        return {"booking_time": check.start.isoformat(), "booking_time_text": str(value)[:200]}

    async def validate_booking_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict
                                         ) -> Dict[Text, Any]:
        if value is False:
            dispatcher.utter_message(text="No problem, let's go through the details again.")
            return {slot: None for slot in BOOKING_SLOTS}
        return {"booking_confirmed": True if value is True else None}
