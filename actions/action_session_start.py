"""Starts each conversation session with the clinic's current details."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from clinic.profile import cached_profile

# Re-shown at the start of every session: the disclaimer is once per conversation.
RESET_EACH_SESSION = {names.DISCLAIMER_SHOWN}


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        profile = cached_profile()
        events: List[EventType] = [SessionStarted()]
        # Carry the visitor's answers over: nobody should have to repeat themselves.
        events += [
            SlotSet(key, value)
            for key, value in tracker.current_slot_values().items()
            if value is not None and key not in RESET_EACH_SESSION
            and key not in names.CLINIC_SLOTS and key != "requested_slot"
        ]
        events += [
            SlotSet(names.CLINIC_NAME, profile.name),
            SlotSet(names.CLINIC_PHONE, profile.phone),
            SlotSet(names.EMERGENCY_TEXT, profile.emergency.text),
            ActionExecuted("action_listen"),
        ]
        return events
