"""Two-stage clarification: the first message not understood gets "did you mean...?" options;
a second one in a row hands the conversation to a person rather than loop."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import start_handoff
from actions.quick_replies import buttons

FALLBACK_INTENT = "nlu_fallback"


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the visitor's latest messages in a row were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if consecutive_fallbacks(tracker) >= 2:
            dispatcher.utter_message(
                text="I'm sorry, I'm struggling to understand. Let me get a person to help.")
            return start_handoff(tracker, dispatcher, reason="not_understood")
        dispatcher.utter_message(
            text="Sorry, I'm not sure I understood. Did you mean one of these? "
                 "Or tell me in other words.",
            buttons=buttons("clarify"))
        return []
