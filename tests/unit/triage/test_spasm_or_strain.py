"""Spasm, strain or unclear, and the strain grade ("Grading of a muscle strain:")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.triage.conftest import calm, with_findings
from triage import Kind, TestAnswer, TriageEngine

POSITIVE = {"forward_lean": TestAnswer.PAIN}
FINE = {"forward_lean": TestAnswer.FINE}


@pytest.mark.parametrize(
    ("clues", "grade"),
    [
        (["stiffness_not_pain"], 1),
        (["pain_on_movement"], 2),
        (["sharp_pain_slightest_movement"], 3),
        (["stiffness_not_pain", "pain_on_movement"], 2),  # the highest clue wins
        (["stiffness_not_pain", "sharp_pain_slightest_movement"], 3),
        (["stiffness_not_pain", "pain_on_movement", "sharp_pain_slightest_movement"], 3),
    ],
)
def test_strain_grade_is_the_highest_clue(
    engine: TriageEngine, clues: list[str], grade: int
) -> None:
    facts = with_findings(calm(mechanism="lifting"), **dict.fromkeys(clues, "present"))
    assessment = engine.assess(facts)
    assert assessment.kind is Kind.STRAIN
    assert assessment.strain_grade == grade
    reason = next(r for r in assessment.reasons if r.topic == "kind")
    assert f"grade {grade}" in reason.text


@pytest.mark.parametrize(
    ("changes", "findings", "kind"),
    [
        # a strain clue needs support: an overload event ...
        ({"mechanism": "lifting"}, {"pain_on_movement": "present"}, Kind.STRAIN),
        ({"mechanism": "carrying"}, {"pain_on_movement": "present"}, Kind.STRAIN),
        ({"mechanism": "repetitive_bending"}, {"pain_on_movement": "present"}, Kind.STRAIN),
        # ... or a positive self-test
        ({"movement_tests": POSITIVE}, {"pain_on_movement": "present"}, Kind.STRAIN),
        # no support: unclear
        ({"mechanism": "no_clear_cause"}, {"pain_on_movement": "present"}, Kind.UNCLEAR),
        ({"mechanism": "slip_or_fall"}, {"pain_on_movement": "present"}, Kind.UNCLEAR),
        ({"mechanism": "prolonged_sitting"}, {"stiffness_not_pain": "present"}, Kind.UNCLEAR),
        (
            {"mechanism": None, "movement_tests": FINE},
            {"pain_on_movement": "present"},
            Kind.UNCLEAR,
        ),
        # an unsure or denied clue is no clue
        ({"mechanism": "lifting"}, {"pain_on_movement": "unsure"}, Kind.UNCLEAR),
        ({"movement_tests": POSITIVE}, {"pain_on_movement": "absent"}, Kind.SPASM),
        # positive tests without a strain clue: spasm
        ({"movement_tests": POSITIVE}, {}, Kind.SPASM),
        ({"movement_tests": POSITIVE, "mechanism": "lifting"}, {}, Kind.SPASM),
        # the visitor describing a spasm, with no strain clue
        ({}, {"spasm": "present"}, Kind.SPASM),
        # an overload event alone is not enough to tell
        ({"mechanism": "lifting"}, {}, Kind.UNCLEAR),
        ({}, {}, Kind.UNCLEAR),
    ],
)
def test_spasm_strain_or_unclear(
    engine: TriageEngine, changes: dict[str, Any], findings: dict[str, str], kind: Kind
) -> None:
    assessment = engine.assess(with_findings(calm(**changes), **findings))
    assert assessment.kind is kind
    assert (assessment.strain_grade is not None) is (kind is Kind.STRAIN)
    assert [r.code for r in assessment.reasons if r.topic == "kind"] == [kind.value]


def test_unsupported_clue_says_so(engine: TriageEngine) -> None:
    facts = with_findings(calm(), stiffness_not_pain="present")
    reason = next(r for r in engine.assess(facts).reasons if r.topic == "kind")
    assert "stiffness more than pain" in reason.text
    assert "nothing else" in reason.text


def test_mechanism_is_reported_with_the_article_cause(engine: TriageEngine) -> None:
    assessment = engine.assess(calm(mechanism="slip_or_fall"))
    assert assessment.mechanism == "slip_or_fall"
    reason = next(r for r in assessment.reasons if r.topic == "mechanism")
    assert reason.source == "Slipping or falling"
    assert engine.assess(calm(mechanism=None)).mechanism is None
