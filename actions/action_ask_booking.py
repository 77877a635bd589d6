"""The booking questions that depend on the conversation: the phone number (on WhatsApp the
visitor's own number is offered) and the final confirmation with everything spelled out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies
from actions.booking_reason import booking_reason
from actions.validate_booking_form import sender_phone
from privacy import mask_phone


class ActionAskBookingPhone(Action):
    def name(self) -> Text:
        return "action_ask_booking_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        own = sender_phone(tracker)
        if own:
            dispatcher.utter_message(
                text=f"Can we reach you on this WhatsApp number ({mask_phone(own)})? "
                     "Or type another number.",
                buttons=[{"title": "Yes, this number", "payload": "/affirm"}])
        else:
            dispatcher.utter_message(text="What phone number can we reach you on?")
        return []


class ActionAskBookingConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_booking_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        deps = dependencies.get()
        start = datetime.fromisoformat(tracker.get_slot("booking_time"))
        when = start.astimezone(deps.profile.tz).strftime("%A %-d %B at %H:%M")
        text = (
            "Please check your booking request:\n"
            f"• Name: {tracker.get_slot('booking_name')}\n"
            f"• Phone: {tracker.get_slot('booking_phone')}\n"
            f"• Preferred time: {when}\n"
            f"• Reason: {booking_reason(deps.engine, tracker.slots)}\n"
            "Shall I send it to the front desk?"
        )
        dispatcher.utter_message(text=text, buttons=[
            {"title": "Yes, send it", "payload": "/affirm"},
            {"title": "No, change it", "payload": "/deny"},
        ])
        return []
