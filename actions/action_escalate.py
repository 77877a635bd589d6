"""Sends a visitor with emergency or urgent signs to the right care at once, then hands the
conversation to the front desk. Predicted by policies/safety_policy.py, never by ML."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies, names
from actions.handoff import start_handoff
from actions.notices import escalation_messages
from actions.slot_facts import facts_from_slots


class ActionEscalate(Action):
    def name(self) -> Text:
        return names.ACTION_ESCALATE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        deps = dependencies.get()
        assessment = deps.engine.assess(facts_from_slots(deps.engine, tracker.slots))
        urgency = assessment.urgency.value
        if urgency not in ("emergency", "urgent"):
            return []  # the answers changed since the policy decided; nothing to escalate
        for text in escalation_messages(deps.engine, assessment, deps.profile):
            dispatcher.utter_message(text=text)
        events: List[EventType] = [SlotSet(names.ESCALATED, urgency)]
        if not tracker.get_slot(names.DISCLAIMER_SHOWN):
            dispatcher.utter_message(response=names.UTTER_DISCLAIMER)
            events.append(SlotSet(names.DISCLAIMER_SHOWN, True))
        dispatcher.utter_message(text="I'm also passing your conversation to our front desk.")
        return events + start_handoff(tracker, dispatcher, reason=urgency)
