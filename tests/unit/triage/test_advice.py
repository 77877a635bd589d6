"""Advice and booking recommendation: selected by the knowledge file's conditions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.triage.conftest import calm, with_findings
from triage import Kind, Presence, TestAnswer, TriageEngine, Urgency

ALWAYS_DO = ["rest_and_move", "use_heat"]
ALWAYS_DONT = ["no_pushing_through_pain", "no_long_anti_inflammatories", "no_ignoring_worse_pain"]


def ids(items: Any) -> list[str]:
    return [item.id for item in items]


def test_baseline_advice(engine: TriageEngine) -> None:
    assessment = engine.assess(calm())
    assert ids(assessment.advice_do) == ALWAYS_DO
    assert ids(assessment.advice_dont) == ALWAYS_DONT
    assert all(item.kind == "do" for item in assessment.advice_do)
    assert all(item.kind == "dont" for item in assessment.advice_dont)


@pytest.mark.parametrize(
    ("changes", "findings", "advice_id", "kind"),
    [
        ({"limited_activities": frozenset({"sitting"})}, {}, "avoid_long_sitting", "dont"),
        (
            {},
            {"worse_sitting": "present", "worse_driving": "present"},
            "avoid_long_sitting",
            "dont",
        ),
        ({}, {"worse_driving": "present"}, "avoid_long_sitting", "dont"),
        (
            {},
            {"worse_bending_forward": "present", "leg_pain": "present"},
            "avoid_long_sitting",
            "dont",
        ),
        ({"limited_activities": frozenset({"bending"})}, {}, "avoid_bending", "dont"),
        ({"limited_activities": frozenset({"dressing"})}, {}, "avoid_bending", "dont"),
        ({}, {"worse_bending_forward": "present"}, "avoid_bending", "dont"),
        ({"mechanism": "lifting"}, {}, "avoid_heavy_and_jumping", "dont"),
        ({"limited_activities": frozenset({"exercise"})}, {}, "avoid_heavy_and_jumping", "dont"),
        ({"limited_activities": frozenset({"walking"})}, {}, "avoid_stairs_hills_heels", "dont"),
        (
            {},
            {"worse_cold": "present", "worse_mornings": "present"},
            "avoid_stairs_hills_heels",
            "dont",
        ),
        ({"recurrent": True}, {}, "no_long_term_brace", "dont"),
        ({"recurrent": True}, {}, "finish_treatment", "do"),
        ({"duration": "years"}, {}, "no_masking", "dont"),
        ({}, {"getting_worse": "present"}, "no_masking", "dont"),
        ({"pain_score": 4}, {}, "pain_relief_without_anti_inflammatories", "do"),
        (
            {"limited_activities": frozenset({"sitting"})},
            {},
            "pain_relief_without_anti_inflammatories",
            "do",
        ),
        ({"limited_activities": frozenset({"walking"})}, {}, "consider_strapping", "do"),
        ({"mechanism": "carrying"}, {"pain_on_movement": "present"}, "consider_strapping", "do"),
        ({}, {"saddle_numbness": "unsure"}, "check_unsure_emergency_signs", "do"),
        ({}, {"night_pain": "unsure"}, "check_unsure_urgent_signs", "do"),
        ({"screen_urgent": Presence.UNSURE}, {}, "check_unsure_urgent_signs", "do"),
    ],
)
def test_advice_selection(
    engine: TriageEngine,
    changes: dict[str, Any],
    findings: dict[str, str],
    advice_id: str,
    kind: str,
) -> None:
    baseline = engine.assess(calm())
    assert advice_id not in ids(baseline.advice_do + baseline.advice_dont)
    assessment = engine.assess(with_findings(calm(**changes), **findings))
    chosen = assessment.advice_do if kind == "do" else assessment.advice_dont
    assert advice_id in ids(chosen)


def test_advice_keeps_the_file_order(engine: TriageEngine, raw_knowledge: dict[str, Any]) -> None:
    facts = with_findings(
        calm(recurrent=True, pain_score=7, limited_activities=frozenset({"sitting", "bending"})),
        night_pain="unsure",
    )
    assessment = engine.assess(facts)
    order = [item["id"] for item in raw_knowledge["advice"]]
    assert len(assessment.advice_do) >= 3 and len(assessment.advice_dont) >= 3
    assert ids(assessment.advice_do) == sorted(ids(assessment.advice_do), key=order.index)
    assert ids(assessment.advice_dont) == sorted(ids(assessment.advice_dont), key=order.index)


@pytest.mark.parametrize(
    ("findings", "urgency", "instruction"),
    [
        ({"bladder_dysfunction": "present"}, Urgency.EMERGENCY, "get_emergency_care"),
        ({"cancer_history": "present"}, Urgency.URGENT, "see_doctor_today"),
    ],
)
def test_emergency_and_urgent_get_only_their_instruction(
    engine: TriageEngine, findings: dict[str, str], urgency: Urgency, instruction: str
) -> None:
    busy = calm(
        recurrent=True,
        pain_score=8,
        limited_activities=frozenset({"sitting", "bending", "running"}),
        movement_tests={"forward_lean": TestAnswer.PAIN},
    )
    assessment = engine.assess(with_findings(busy, night_pain="unsure", **findings))
    assert assessment.urgency is urgency
    assert ids(assessment.advice_do) == [instruction]
    assert assessment.advice_dont == ()
    assert assessment.kind is Kind.SPASM  # still worked out for the record, but not advised on


@pytest.mark.parametrize(
    ("facts_changes", "findings", "book"),
    [
        ({}, {}, False),  # self-care
        ({"pain_score": 6}, {}, True),  # routine
        ({}, {"night_pain": "present"}, False),  # urgent: a doctor first
        ({}, {"saddle_numbness": "present"}, False),  # emergency
    ],
)
def test_recommendation_says_whether_to_book(
    engine: TriageEngine, facts_changes: dict[str, Any], findings: dict[str, str], book: bool
) -> None:
    recommendation = engine.assess(with_findings(calm(**facts_changes), **findings)).recommendation
    assert recommendation.book is book
    assert recommendation.text
    assert recommendation.source


@pytest.mark.parametrize("pain", [2, 6])
def test_booking_texts_give_the_article_session_plan(engine: TriageEngine, pain: int) -> None:
    text = engine.assess(calm(pain_score=pain)).recommendation.text.lower()
    assert "two sessions a week for" in text and "two weeks" in text
    assert "one a week or one every two weeks" in text


def test_emergency_recommendation_does_not_offer_booking_first(engine: TriageEngine) -> None:
    facts = with_findings(calm(), bowel_dysfunction="present")
    recommendation = engine.assess(facts).recommendation
    assert "emergency" in recommendation.text.lower()
    assert "two sessions a week" not in recommendation.text
