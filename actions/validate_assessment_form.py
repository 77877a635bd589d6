"""Validates the guided assessment's answers and lets the triage engine choose the next question.

The engine decides what is still open (`next_questions`), so the form never asks for what the
visitor already said, skips the self-tests when they are unsafe, and stops at once when the
answers become urgent or an emergency.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import dependencies, names
from actions.answer_parsing import parse_pain_score
from actions.answer_words import codes_in
from actions.slot_facts import facts_from_slots

QUESTION_SLOTS = [
    names.COMPLAINT, names.SCREEN_EMERGENCY, names.SCREEN_URGENT, names.MECHANISM,
    names.LIMITED_ACTIVITIES, names.PAIN_SCORE, *names.TEST_SLOTS, names.LEG_SYMPTOMS,
]
UPDATED = "Got it, I've updated that."
NOTED = "Thanks, noted."


def value_before_this_turn(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the visitor's latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def negated_result_means_fine(tracker: Tracker, slot: str) -> Dict[str, Any]:
    """'No pain at all' answers a test: only negated results were said, so it felt fine."""
    if tracker.get_slot(names.REQUESTED_SLOT) != slot or tracker.get_slot(slot) is not None:
        return {}
    results = [e for e in (tracker.latest_message or {}).get("entities", [])
               if e.get("entity") == "test_result"]
    if results and all(e.get("role") == "negated" for e in results):
        return {slot: "fine"}
    return {}


class ValidateAssessmentForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_assessment_form"

    def domain_slots(self, domain: DomainDict) -> List[Text]:
        # Fixed here so the action needs no domain in its request (selective domain).
        return list(QUESTION_SLOTS)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        # Every question's answer is extracted and validated whenever it is given; which
        # question is still open is the engine's decision (next_requested_slot).
        return list(QUESTION_SLOTS)

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Optional[EventType]:
        engine = dependencies.get().engine
        remaining = engine.next_questions(facts_from_slots(engine, tracker.slots))
        return SlotSet(names.REQUESTED_SLOT, remaining[0] if remaining else None)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot(names.REQUESTED_SLOT)
        changed = [slot for slot in tracker.slots_to_validate() if slot in QUESTION_SLOTS]
        events = await super().run(dispatcher, tracker, domain)
        out_of_order = [slot for slot in changed if slot != requested]
        if requested and out_of_order:
            corrected = any(value_before_this_turn(tracker, slot) is not None
                            for slot in out_of_order)
            dispatcher.utter_message(text=UPDATED if corrected else NOTED)
        return events

    async def extract_limited_activities(self, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict
                                         ) -> Dict[Text, Any]:
        """Plain activity words count when they answer the activities question."""
        if tracker.get_slot(names.REQUESTED_SLOT) != names.LIMITED_ACTIVITIES:
            return {}
        text = str((tracker.latest_message or {}).get("text") or "")
        words = codes_in(names.LIMITED_ACTIVITIES, text)
        if not words:
            return {}
        current = [a for a in (tracker.get_slot(names.LIMITED_ACTIVITIES) or [])
                   if a != names.NOTHING]
        return {names.LIMITED_ACTIVITIES: sorted(set(current) | set(words))}

    # Extraction of answers the slot mappings cannot express.
    async def extract_test_forward_lean(self, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return negated_result_means_fine(tracker, "test_forward_lean")

    async def extract_test_side_bend_left(self, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict
                                          ) -> Dict[Text, Any]:
        return negated_result_means_fine(tracker, "test_side_bend_left")

    async def extract_test_side_bend_right(self, dispatcher: CollectingDispatcher,
                                           tracker: Tracker, domain: DomainDict
                                           ) -> Dict[Text, Any]:
        return negated_result_means_fine(tracker, "test_side_bend_right")

    async def extract_test_rotation_left(self, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict
                                         ) -> Dict[Text, Any]:
        return negated_result_means_fine(tracker, "test_rotation_left")

    async def extract_test_rotation_right(self, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict
                                          ) -> Dict[Text, Any]:
        return negated_result_means_fine(tracker, "test_rotation_right")

    async def extract_test_pelvic_tilt(self, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return negated_result_means_fine(tracker, "test_pelvic_tilt")

    async def extract_leg_symptoms(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        """The leg question is answered through `findings` (kept by the per-turn triage);
        the slot mirrors them so the form sees its question answered."""
        if tracker.get_slot(names.REQUESTED_SLOT) != names.LEG_SYMPTOMS:
            return {}
        leg = dependencies.get().engine.knowledge.symptom_groups.get("leg", ())
        findings = tracker.get_slot(names.FINDINGS) or {}
        present = sorted(code for code in leg if findings.get(code) == "present")
        if present:
            return {names.LEG_SYMPTOMS: present}
        if any(findings.get(code) == "absent" for code in leg):
            return {names.LEG_SYMPTOMS: [names.NOTHING]}
        return {}

    # Validation.
    async def validate_pain_score(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        score = parse_pain_score(value)
        if score is None:
            if tracker.get_slot(names.REQUESTED_SLOT) == names.PAIN_SCORE:
                dispatcher.utter_message(
                    text="Please give me a number from 0 (no pain) to 10 (the worst pain).")
            return {names.PAIN_SCORE: None}
        return {names.PAIN_SCORE: float(score)}

    async def validate_complaint(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if len(text) < 2:
            return {names.COMPLAINT: None}
        return {names.COMPLAINT: text[:500]}

    async def validate_limited_activities(self, value: Any, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict
                                          ) -> Dict[Text, Any]:
        known = set(dependencies.get().engine.knowledge.activities) | {names.NOTHING}
        items = [v for v in (value or []) if v in known]
        if names.NOTHING in items and len(items) > 1:
            items = [v for v in items if v != names.NOTHING]  # a named activity wins
        return {names.LIMITED_ACTIVITIES: sorted(set(items)) or None}
