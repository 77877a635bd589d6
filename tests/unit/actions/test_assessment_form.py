"""validate_assessment_form: the engine picks the next question; answers are checked."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.validate_assessment_form import ValidateAssessmentForm
from tests.conftest import make_tracker

SCREENED = {"complaint": "sore back", "screen_emergency": "absent", "screen_urgent": "absent",
            "disclaimer_shown": True}


async def next_slot(slots: Dict[str, Any]) -> Any:
    form = ValidateAssessmentForm()
    event = await form.next_requested_slot(CollectingDispatcher(), make_tracker(slots=slots), {})
    return event["value"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({}, "complaint"),
        ({"complaint": "sore back"}, "screen_emergency"),
        ({"complaint": "sore back", "screen_emergency": "absent"}, "screen_urgent"),
        (SCREENED, "mechanism"),
        ({**SCREENED, "mechanism": "lifting"}, "limited_activities"),
        ({**SCREENED, "mechanism": "lifting", "limited_activities": ["none"]}, "pain_score"),
        ({**SCREENED, "mechanism": "lifting", "limited_activities": ["bending"],
          "pain_score": 5.0}, "test_forward_lean"),
        ({**SCREENED, "mechanism": "lifting", "limited_activities": ["bending"],
          "pain_score": 5.0, "test_forward_lean": "skipped"}, "test_side_bend_left"),
    ],
)
async def test_the_next_question_comes_from_the_engine(deps, slots, expected):
    assert await next_slot(slots) == expected


@pytest.mark.asyncio
async def test_what_was_already_said_is_not_asked(deps):
    # The first message told how it started and the pain score: neither is asked.
    slots = {**SCREENED, "mechanism": "lifting", "pain_score": 7.0}
    assert await next_slot(slots) == "limited_activities"


@pytest.mark.asyncio
async def test_an_emergency_ends_the_questions(deps):
    slots = {"complaint": "sore back", "findings": {"saddle_numbness": "present"}}
    assert await next_slot(slots) is None


@pytest.mark.asyncio
@pytest.mark.parametrize(("given", "stored"),
                         [("7", 7.0), ("about a six", 6.0), ("8/10", 8.0), (3.0, 3.0),
                          ("eleven", None), ("bad", None)])
async def test_pain_scores_are_checked(deps, given, stored):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"requested_slot": "pain_score"})
    result = await ValidateAssessmentForm().validate_pain_score(given, dispatcher, tracker, {})
    assert result == {"pain_score": stored}
    assert bool(dispatcher.messages) == (stored is None)


@pytest.mark.asyncio
async def test_only_negated_test_results_mean_fine(deps):
    tracker = make_tracker(
        slots={"requested_slot": "test_forward_lean"}, intent="report_test_result",
        entities=[{"entity": "test_result", "value": "pain", "role": "negated"}],
        text="no pain at all")
    result = await ValidateAssessmentForm().extract_test_forward_lean(
        CollectingDispatcher(), tracker, {})
    assert result == {"test_forward_lean": "fine"}


@pytest.mark.asyncio
@pytest.mark.parametrize(("findings", "expected"), [
    ({"pins_and_needles": "present", "leg_pain": "absent"}, {"leg_symptoms": ["pins_and_needles"]}),
    ({"leg_pain": "absent", "leg_numbness": "absent"}, {"leg_symptoms": ["none"]}),
    ({"leg_pain": "unsure"}, {}),
    ({}, {}),
])
async def test_the_leg_question_is_answered_from_the_findings(deps, findings, expected):
    tracker = make_tracker(slots={"requested_slot": "leg_symptoms", "findings": findings})
    result = await ValidateAssessmentForm().extract_leg_symptoms(
        CollectingDispatcher(), tracker, {})
    assert result == expected


@pytest.mark.asyncio
@pytest.mark.parametrize(("text", "expected"), [
    ("bending and putting on my pants", ["bending", "dressing"]),
    ("sitting", ["sitting"]),
    ("walking and getting up from a chair", ["standing_up", "walking"]),
])
async def test_plain_activity_words_answer_the_activities_question(deps, text, expected):
    tracker = make_tracker(slots={"requested_slot": "limited_activities"}, intent="inform",
                           text=text)
    result = await ValidateAssessmentForm().extract_limited_activities(
        CollectingDispatcher(), tracker, {})
    assert result == {"limited_activities": expected}


@pytest.mark.asyncio
async def test_activity_words_mean_nothing_outside_their_question(deps):
    tracker = make_tracker(slots={"requested_slot": "mechanism"}, intent="inform",
                           text="bending down to pick up a box")
    assert await ValidateAssessmentForm().extract_limited_activities(
        CollectingDispatcher(), tracker, {}) == {}
