"""No text may tell the visitor what they "have": the assistant suggests; clinicians confirm.

Scans every text in the knowledge file and every generated reason, advice item, recommendation,
question and explanation line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.triage.conftest import EMERGENCY_FLAGS, SLOTS, URGENT_FLAGS, calm, with_findings
from tests.unit.triage.wording import claims
from triage import Assessment, Presence, TestAnswer, TriageEngine


@pytest.mark.parametrize(
    "text",
    [
        "You have a muscle strain.",
        "you've got sciatica",
        "You\u2019ve got a disc bulge",  # typographic apostrophe
        "Our diagnosis: spasm",
        "This is a muscle spasm.",
        "You definitely need rest",
        "You are suffering from sciatica",
        "you do have a strain",
    ],
)
def test_the_detector_catches_claims(text: str) -> None:
    assert claims(text)


@pytest.mark.parametrize(
    "text",
    [
        "Your answers suggest a muscle spasm; a physiotherapist confirms this.",
        "If you notice numbness, get emergency care.",
        "Your answers suggest there isn't enough yet to tell a muscle spasm from a strain.",
    ],
)
def test_the_detector_lets_suggestions_through(text: str) -> None:
    assert not claims(text)


def user_texts(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in the knowledge data except source names (never shown as advice)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("source", "sources"):
                yield from user_texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from user_texts(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def test_no_claims_anywhere_in_the_knowledge_file(raw_knowledge: dict[str, Any]) -> None:
    texts = list(user_texts(raw_knowledge))
    assert len(texts) > 200
    offenders = [(path, text) for path, text in texts if claims(text)]
    assert offenders == []


def assessment_texts(engine: TriageEngine, assessment: Assessment) -> list[str]:
    return [
        *engine.explain(assessment),
        *(reason.text for reason in assessment.reasons),
        *(item.text for item in assessment.advice_do + assessment.advice_dont),
        assessment.recommendation.text,
    ]


def varied_facts() -> Iterator[Any]:
    yield calm()
    yield calm(pain_score=9, limited_activities=frozenset({"dressing"}))
    for code in EMERGENCY_FLAGS + URGENT_FLAGS:
        for presence in ("present", "unsure"):
            yield with_findings(calm(), **{code: presence})
    for slot in SLOTS:
        yield calm(movement_tests={slot: TestAnswer.LOSS_OF_CONTROL})
    for clue in ("stiffness_not_pain", "pain_on_movement", "sharp_pain_slightest_movement"):
        yield with_findings(calm(mechanism="lifting"), **{clue: "present"})
        yield with_findings(calm(), **{clue: "present"})
    everything = {"worse_sitting", "worse_driving", "push_up_with_hands", "worse_cold"}
    yield with_findings(
        calm(mechanism="carrying", recurrent=True, duration="years"),
        leg_pain_below_knee="present",
        worse_mornings="present",
        **dict.fromkeys(everything, "present"),
    )
    yield calm(screen_emergency=Presence.UNSURE, screen_urgent=Presence.UNSURE)
    yield calm(screen_emergency=Presence.PRESENT)
    yield calm(screen_urgent=Presence.PRESENT)


def test_no_claims_in_any_generated_text(engine: TriageEngine) -> None:
    seen = 0
    for facts in varied_facts():
        for text in assessment_texts(engine, engine.assess(facts)):
            seen += 1
            assert not claims(text), text
    for question in engine.knowledge.questions:
        assert not claims(engine.question_text(question.id))
    assert seen > 300
