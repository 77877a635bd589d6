"""Severity from how much daily life is limited ("How severe is the muscle spasm ...?")."""

from __future__ import annotations

import pytest

from tests.unit.triage.conftest import calm
from triage import Severity, TriageEngine


@pytest.mark.parametrize(
    ("limited", "severity"),
    [
        (None, Severity.UNKNOWN),  # not asked yet
        ((), Severity.MILD),  # asked: nothing limited
        (("running",), Severity.MILD),
        (("running", "exercise"), Severity.MILD),  # sport only
        (("bending",), Severity.MODERATE),
        (("sitting",), Severity.MODERATE),
        (("standing_up",), Severity.MODERATE),
        (("walking",), Severity.MODERATE),
        (("bending", "sitting", "walking"), Severity.MODERATE),  # 3: below the count threshold
        (("running", "exercise", "walking"), Severity.MODERATE),
        (("bending", "sitting", "walking", "standing_up"), Severity.SEVERE),  # 4: at it
        (("bending", "sitting", "walking", "running", "exercise"), Severity.SEVERE),  # above
        (("dressing",), Severity.SEVERE),  # even putting on pants is too painful
    ],
)
def test_severity_levels_and_boundaries(
    engine: TriageEngine, limited: tuple[str, ...] | None, severity: Severity
) -> None:
    activities = None if limited is None else frozenset(limited)
    assessment = engine.assess(calm(limited_activities=activities))
    assert assessment.severity is severity
    assert [r.code for r in assessment.reasons if r.topic == "severity"] == [severity.value]


def test_pain_score_does_not_set_severity(engine: TriageEngine) -> None:
    assert engine.assess(calm(pain_score=10, limited_activities=None)).severity is Severity.UNKNOWN
    assert engine.assess(calm(pain_score=10)).severity is Severity.MILD


def test_severity_reason_names_the_limited_activities(engine: TriageEngine) -> None:
    facts = calm(limited_activities=frozenset({"walking", "bending"}))
    reason = next(r for r in engine.assess(facts).reasons if r.topic == "severity")
    assert "bending forward and walking" in reason.text
