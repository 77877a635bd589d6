"""Asks the guided assessment's questions: text from the triage knowledge, quick replies from
config/quick_replies.yml, and for the movement tests the steps, a picture and a progress hint.

One small class per question, because Rasa names an asking action after its slot.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import dependencies
from actions.quick_replies import buttons
from triage import TriageEngine

SIDE_WORDS = {"left": "left side", "right": "right side"}


def image_url(image: str) -> str:
    base = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return f"{base}/images/tests/{image}"


def movement_test_prompt(engine: TriageEngine, slot: str) -> Dict[str, Any]:
    """Progress, name, side and steps of the test behind `slot` (e.g. test_side_bend_left)."""
    tests = list(engine.knowledge.movement_tests)
    for number, test in enumerate(tests, start=1):
        for side in (test.sides or [None]):
            test_slot = f"test_{test.id}" + (f"_{side}" if side else "")
            if test_slot != slot:
                continue
            first_side = not test.sides or side == test.sides[0]
            heading = f"Test {number} of {len(tests)}: {test.name}"
            if side:
                heading += f" ({SIDE_WORDS.get(side, side)})"
            lines = [heading]
            if first_side:
                lines += [f"{i}. {step}" for i, step in enumerate(test.steps, start=1)]
            else:
                lines.append(f"Same movement, now to the {side}.")
            lines.append(engine.question_text(slot))
            return {"text": "\n".join(lines), "image": image_url(test.image) if first_side
                    else None}
    raise KeyError(slot)


class AskQuestion(Action, ABC):
    @property
    @abstractmethod
    def question(self) -> str:
        """The question id (= the slot it fills)."""

    button_group: Optional[str] = None

    def name(self) -> Text:
        return f"action_ask_{self.question}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        engine = dependencies.get().engine
        quick = buttons(self.button_group) if self.button_group else []
        if self.question.startswith("test_"):
            prompt = movement_test_prompt(engine, self.question)
            if prompt["image"]:
                dispatcher.utter_message(image=prompt["image"])
            dispatcher.utter_message(text=prompt["text"], buttons=quick)
        else:
            dispatcher.utter_message(text=engine.question_text(self.question), buttons=quick)
        return []


class AskComplaint(AskQuestion):
    question = "complaint"


class AskScreenEmergency(AskQuestion):
    question = "screen_emergency"
    button_group = "screen"


class AskScreenUrgent(AskQuestion):
    question = "screen_urgent"
    button_group = "screen"


class AskMechanism(AskQuestion):
    question = "mechanism"
    button_group = "mechanism"


class AskLimitedActivities(AskQuestion):
    question = "limited_activities"
    button_group = "limited_activities"


class AskPainScore(AskQuestion):
    question = "pain_score"


class AskLegSymptoms(AskQuestion):
    question = "leg_symptoms"
    button_group = "leg_symptoms"


class AskTestForwardLean(AskQuestion):
    question = "test_forward_lean"
    button_group = "movement_test"


class AskTestSideBendLeft(AskQuestion):
    question = "test_side_bend_left"
    button_group = "movement_test"


class AskTestSideBendRight(AskQuestion):
    question = "test_side_bend_right"
    button_group = "movement_test"


class AskTestRotationLeft(AskQuestion):
    question = "test_rotation_left"
    button_group = "movement_test"


class AskTestRotationRight(AskQuestion):
    question = "test_rotation_right"
    button_group = "movement_test"


class AskTestPelvicTilt(AskQuestion):
    question = "test_pelvic_tilt"
    button_group = "movement_test"
