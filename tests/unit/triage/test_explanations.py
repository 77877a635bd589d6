"""engine.explain: short lines saying what the answers suggest and who confirms it."""

from __future__ import annotations

import pytest

from tests.unit.triage.conftest import calm, with_findings
from triage import Presence, TestAnswer, TriageEngine


def assert_suggestive(lines: list[str]) -> None:
    assert lines
    for line in lines:
        assert line.startswith("Your answers "), line
        assert " suggest" in line, line
        assert "physiotherapist confirms" in line or "doctor confirms" in line, line


def test_routine_strain_summary(engine: TriageEngine) -> None:
    facts = with_findings(
        calm(mechanism="lifting", limited_activities=frozenset({"sitting"})),
        pain_on_movement="present",
        worse_sitting="present",
        worse_driving="present",
    )
    lines = engine.explain(engine.assess(facts))
    assert_suggestive(lines)
    assert "grade 2 muscle strain" in lines[0]
    assert "moderate" in lines[1]
    assert "disc bulge" in lines[2]
    assert "worth a proper check" in lines[3]
    assert len(lines) == 4


def test_self_care_spasm_summary_skips_unknown_severity(engine: TriageEngine) -> None:
    facts = calm(
        movement_tests={"forward_lean": TestAnswer.TENSION}, limited_activities=None, pain_score=1
    )
    lines = engine.explain(engine.assess(facts))
    assert_suggestive(lines)
    assert "muscle spasm" in lines[0]
    assert len(lines) == 2  # kind and urgency; no severity line while it is unknown


def test_unclear_summary(engine: TriageEngine) -> None:
    lines = engine.explain(engine.assess(calm()))
    assert_suggestive(lines)
    assert "isn't enough yet to tell" in lines[0]


@pytest.mark.parametrize(
    ("findings", "screens", "words"),
    [
        ({"saddle_numbness": "present"}, {}, ["emergency care", "bottom, groin"]),
        ({"saddle_numbness": "present", "night_pain": "present"}, {}, ["emergency care"]),
        ({}, {"screen_emergency": Presence.PRESENT}, ["emergency warning signs"]),
        ({"night_pain": "present"}, {}, ["doctor should check today", "constant pain at night"]),
        ({}, {"screen_urgent": Presence.PRESENT}, ["doctor should check"]),
    ],
)
def test_emergency_and_urgent_summaries_are_one_line_naming_the_signs(
    engine: TriageEngine,
    findings: dict[str, str],
    screens: dict[str, Presence],
    words: list[str],
) -> None:
    lines = engine.explain(engine.assess(with_findings(calm(**screens), **findings)))
    assert_suggestive(lines)
    assert len(lines) == 1
    assert all(word in lines[0] for word in words)


def test_emergency_summary_does_not_mention_urgent_signs(engine: TriageEngine) -> None:
    facts = with_findings(calm(), bowel_dysfunction="present", cancer_history="present")
    (line,) = engine.explain(engine.assess(facts))
    assert "cancer" not in line
