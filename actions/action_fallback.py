"""What the assistant does when no rule fits the visitor's message (Rasa's core fallback).

Inside a form the message did not answer the question: say so and ask it again, rather than
leave the visitor with a generic apology. Rasa's own fallback reverts the message, which
would also forget what the triage engine just learned from it (a symptom mentioned in
passing), so the slot updates of this turn are carried over the revert.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.action_ask_booking import ActionAskBookingConfirmed, ActionAskBookingPhone
from actions.action_ask_question import AskQuestion

RESPONSE_QUESTIONS = {"booking_name": "utter_ask_booking_name",
                      "booking_time": "utter_ask_booking_time"}


def _asking_actions() -> Dict[str, Action]:
    found: Dict[str, Action] = {}
    for cls in AskQuestion.__subclasses__():
        action = cls()
        found[action.question] = action  # type: ignore[attr-defined]
    found["booking_phone"] = ActionAskBookingPhone()
    found["booking_confirmed"] = ActionAskBookingConfirmed()
    return found


def slot_updates_this_turn(tracker: Tracker) -> List[EventType]:
    """SlotSet events since the latest user message (except the form's own bookkeeping)."""
    updates: List[EventType] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot" and event.get("name") != names.REQUESTED_SLOT:
            updates.append(SlotSet(event["name"], event.get("value")))
    return list(reversed(updates))


class ActionFallback(Action):
    def name(self) -> Text:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        requested = tracker.get_slot(names.REQUESTED_SLOT)
        if tracker.active_loop_name and requested:
            dispatcher.utter_message(text="Sorry, I didn't catch that as an answer.")
            asking = _asking_actions().get(requested)
            if asking is not None:
                await asking.run(dispatcher, tracker, domain)
            elif requested in RESPONSE_QUESTIONS:
                dispatcher.utter_message(response=RESPONSE_QUESTIONS[requested])
        else:
            dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted(), *slot_updates_this_turn(tracker)]
