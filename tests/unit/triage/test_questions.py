"""The guided assessment: open questions in order, stopping at emergency or urgent signs."""

from __future__ import annotations

import pytest

from tests.unit.triage.conftest import SLOTS, calm, with_findings
from triage import Facts, Presence, TestAnswer, TriageEngine

ALL_QUESTIONS = (
    "complaint",
    "screen_emergency",
    "screen_urgent",
    "mechanism",
    "limited_activities",
    "pain_score",
    "test_forward_lean",
    "test_side_bend_left",
    "test_side_bend_right",
    "test_rotation_left",
    "test_rotation_right",
    "test_pelvic_tilt",
    "leg_symptoms",
)
TESTS = tuple(f"test_{slot}" for slot in SLOTS)


def test_nothing_answered_asks_everything_screens_first(engine: TriageEngine) -> None:
    assert engine.next_questions(Facts()) == ALL_QUESTIONS


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (Facts(complaint="sore back"), ALL_QUESTIONS[1:]),
        (
            Facts(complaint="sore back", screen_emergency=Presence.ABSENT),
            ALL_QUESTIONS[2:],
        ),
        (
            Facts(screen_emergency=Presence.ABSENT, screen_urgent=Presence.ABSENT),
            ("complaint", *ALL_QUESTIONS[3:]),
        ),
        # an unsure screen answer is an answer: the visitor was told what to watch for
        (
            Facts(complaint="x", screen_emergency=Presence.UNSURE, screen_urgent=Presence.ABSENT),
            ALL_QUESTIONS[3:],
        ),
        (
            Facts(pain_score=0, limited_activities=frozenset()),
            tuple(q for q in ALL_QUESTIONS if q not in ("pain_score", "limited_activities")),
        ),
        (
            Facts(
                movement_tests={
                    "side_bend_left": TestAnswer.SKIPPED,
                    "pelvic_tilt": TestAnswer.FINE,
                }
            ),
            tuple(q for q in ALL_QUESTIONS if q not in ("test_side_bend_left", "test_pelvic_tilt")),
        ),
    ],
)
def test_answered_questions_drop_out_in_order(
    engine: TriageEngine, facts: Facts, expected: tuple[str, ...]
) -> None:
    assert engine.next_questions(facts) == expected


def test_all_answered_means_no_questions(engine: TriageEngine) -> None:
    facts = with_findings(calm(), leg_pain="absent")
    assert engine.next_questions(facts) == ()


@pytest.mark.parametrize(
    ("findings", "answered"),
    [
        ({"leg_pain": "present"}, True),
        ({"pins_and_needles": "absent"}, True),
        ({"leg_numbness": "unsure"}, False),
        ({"worse_sitting": "present"}, False),  # not a leg symptom
        ({}, False),
    ],
)
def test_leg_symptoms_answered_by_any_present_or_absent_leg_finding(
    engine: TriageEngine, findings: dict[str, str], answered: bool
) -> None:
    facts = with_findings(calm(), **findings)
    assert ("leg_symptoms" not in engine.next_questions(facts)) is answered


def test_a_denied_single_sign_does_not_answer_a_screen(engine: TriageEngine) -> None:
    facts = Facts(
        complaint="x",
        findings={"bladder_dysfunction": Presence.ABSENT, "night_pain": Presence.ABSENT},
    )
    assert engine.next_questions(facts)[:2] == ("screen_emergency", "screen_urgent")


@pytest.mark.parametrize(
    "facts",
    [
        Facts(complaint="x", findings={"saddle_numbness": Presence.PRESENT}),
        Facts(complaint="x", findings={"progressive_leg_weakness": Presence.PRESENT}),
        Facts(complaint="x", screen_emergency=Presence.PRESENT),
        Facts(complaint="x", screen_emergency=Presence.ABSENT, screen_urgent=Presence.PRESENT),
        Facts(findings={"fever_or_unwell": Presence.PRESENT}),
        Facts(findings={"major_trauma": Presence.PRESENT}),
    ],
)
def test_emergency_or_urgent_sign_stops_all_questions(engine: TriageEngine, facts: Facts) -> None:
    assert engine.next_questions(facts) == ()


@pytest.mark.parametrize(
    ("changes", "findings"),
    [
        ({}, {"sharp_pain_slightest_movement": "present"}),
        ({"limited_activities": frozenset({"dressing"})}, {}),
        ({"pain_score": 8}, {}),
        ({"pain_score": 10}, {}),
    ],
)
def test_self_tests_are_not_asked_when_too_painful(
    engine: TriageEngine, changes: dict[str, object], findings: dict[str, str]
) -> None:
    facts = with_findings(Facts(**changes), **findings)  # type: ignore[arg-type]
    questions = engine.next_questions(facts)
    assert not set(TESTS) & set(questions)
    assert "leg_symptoms" in questions


@pytest.mark.parametrize("pain", [0, 7])
def test_self_tests_are_asked_below_the_pain_limit(engine: TriageEngine, pain: int) -> None:
    assert set(TESTS) <= set(engine.next_questions(Facts(pain_score=pain)))


def test_screen_question_lists_the_signs_of_its_level(engine: TriageEngine) -> None:
    text = engine.question_text("screen_emergency")
    labels = [flag.label for flag in engine.knowledge.red_flags.values()]
    assert all(label in text for label in labels[:6])
    assert not any(label in text for label in labels[6:])
    urgent = engine.question_text("screen_urgent")
    assert all(label in urgent for label in labels[6:])


def test_every_question_has_a_text(engine: TriageEngine) -> None:
    for question_id in ALL_QUESTIONS:
        assert engine.question_text(question_id).strip()
    with pytest.raises(KeyError):
        engine.question_text("favourite_colour")
