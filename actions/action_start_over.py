"""Clears the visitor's answers so the assessment starts again.

Affirmed red flags are kept: a warning sign does not stop being true because the visitor
restarted, and forgetting it could hide an emergency.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies, names

CLEARED = (
    names.COMPLAINT, names.SCREEN_EMERGENCY, names.SCREEN_URGENT, names.MECHANISM,
    names.DURATION, names.PAIN_SCORE, names.LIMITED_ACTIVITIES, names.LEG_SYMPTOMS,
    *names.TEST_SLOTS, names.REQUESTED_SLOT, names.ASSESSMENT, names.STRAIN_GRADE,
    names.SEVERITY, names.DIFFERENTIALS,
)


class ActionStartOver(Action):
    def name(self) -> Text:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        red_flags = set(dependencies.get().engine.knowledge.red_flags)
        findings = tracker.get_slot(names.FINDINGS) or {}
        kept = {code: state for code, state in findings.items()
                if code in red_flags and state == "present"}
        events: List[EventType] = [SlotSet(slot, None) for slot in CLEARED
                                   if tracker.get_slot(slot) is not None]
        events.append(SlotSet(names.FINDINGS, kept))
        if tracker.active_loop_name:
            events.append(ActiveLoop(None))
        return events
