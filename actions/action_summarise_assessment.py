"""Ends the guided assessment: what the answers suggest, the advice that fits, the next step."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies
from actions.quick_replies import buttons
from actions.slot_facts import facts_from_slots
from actions.text_chunks import bullet_messages


class ActionSummariseAssessment(Action):
    def name(self) -> Text:
        return "action_summarise_assessment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        engine = dependencies.get().engine
        assessment = engine.assess(facts_from_slots(engine, tracker.slots))
        for text in bullet_messages("Here's what your answers suggest:",
                                    engine.explain(assessment)):
            dispatcher.utter_message(text=text)
        for title, items in (("What helps:", assessment.advice_do),
                             ("What to avoid for now:", assessment.advice_dont)):
            for text in bullet_messages(title, [item.text for item in items]):
                dispatcher.utter_message(text=text)
        recommendation = assessment.recommendation
        offer = buttons("after_summary") if recommendation.book else [
            b for b in buttons("after_summary") if b["payload"] != "/book_appointment"]
        dispatcher.utter_message(text=recommendation.text, buttons=offer)
        return []
