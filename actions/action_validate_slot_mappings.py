"""Runs the triage engine on every visitor message, before the next reply is chosen.

Rasa calls this action from `action_extract_slots` on every user turn, so the triage slots
(`urgency`, `red_flags`, ...) are current from the very first message, inside or outside a form.
It also shows the disclaimer once per session (unless this turn escalates: then the emergency
instruction must come first), and, while the conversation is handed off to a person (paused),
it still sends an emergency instruction itself, because no other action runs then.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies, names
from actions.notices import escalation_messages
from actions.slot_facts import facts_from_slots, triage_slots, updated_findings
from privacy import conversation_ref
from triage import Mention

logger = logging.getLogger(__name__)

RANK = {None: 0, "self_care": 0, "routine": 0, "urgent": 1, "emergency": 2}
COMPLAINT_INTENTS = {"describe_pain", "check_my_back"}


def context_mentions(tracker: Tracker, leg_codes: List[str]) -> List[Mention]:
    """Answers that only mean something in the context of the question just asked."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if tracker.get_slot(names.REQUESTED_SLOT) == names.LEG_SYMPTOMS and intent == "deny":
        return [Mention(code=code, role="negated") for code in leg_codes]
    return []


class ActionValidateSlotMappings(Action):
    def name(self) -> Text:
        return "action_validate_slot_mappings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        deps = dependencies.get()
        engine = deps.engine
        leg_codes = sorted(engine.knowledge.symptom_groups.get("leg", ()))
        findings = updated_findings(tracker, engine, context_mentions(tracker, leg_codes))
        slots = dict(tracker.slots)
        events: List[EventType] = []

        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        if not slots.get(names.COMPLAINT) and intent in COMPLAINT_INTENTS and \
                message.get("text") and not str(message.get("text")).startswith("/"):
            slots[names.COMPLAINT] = str(message["text"])[:500]
            events.append(SlotSet(names.COMPLAINT, slots[names.COMPLAINT]))

        assessment = engine.assess(facts_from_slots(engine, slots, findings))
        new_values = {names.FINDINGS: findings, **triage_slots(assessment)}
        events += [SlotSet(k, v) for k, v in new_values.items() if tracker.get_slot(k) != v]

        urgency = assessment.urgency.value
        escalating = RANK[urgency] > RANK.get(tracker.get_slot(names.ESCALATED), 0)
        if escalating:
            logger.warning("triage.escalation conversation=%s urgency=%s flags=%s",
                           conversation_ref(tracker.sender_id), urgency,
                           ",".join(assessment.red_flags))
            if tracker.is_paused():
                # Handed off: the policies will not run, so the instruction goes out now.
                for text in escalation_messages(engine, assessment, deps.profile):
                    dispatcher.utter_message(text=text)
                events.append(SlotSet(names.ESCALATED, urgency))
        if not tracker.get_slot(names.DISCLAIMER_SHOWN) and not escalating \
                and not tracker.is_paused():
            dispatcher.utter_message(response=names.UTTER_DISCLAIMER)
            events.append(SlotSet(names.DISCLAIMER_SHOWN, True))
        return events
