"""Urgency without red flags: routine when there is something to assess, else self-care."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.triage.conftest import calm, with_findings
from triage import Presence, TestAnswer, TriageEngine, Urgency


def test_calm_baseline_is_self_care(engine: TriageEngine) -> None:
    assessment = engine.assess(calm())
    assert assessment.urgency is Urgency.SELF_CARE
    assert [r.code for r in assessment.reasons if r.topic == "urgency"] == ["self_care"]


@pytest.mark.parametrize(
    ("pain", "urgency"),
    [
        (0, Urgency.SELF_CARE),
        (3, Urgency.SELF_CARE),  # just below the threshold (4)
        (4, Urgency.ROUTINE),  # at the threshold
        (5, Urgency.ROUTINE),  # above
        (10, Urgency.ROUTINE),
    ],
)
def test_pain_threshold(engine: TriageEngine, pain: int, urgency: Urgency) -> None:
    assert engine.assess(calm(pain_score=pain)).urgency is urgency


def test_unknown_pain_score_alone_is_not_a_trigger(engine: TriageEngine) -> None:
    assert engine.assess(calm(pain_score=None)).urgency is Urgency.SELF_CARE


@pytest.mark.parametrize(
    ("changes", "findings", "trigger"),
    [
        ({"movement_tests": {"forward_lean": TestAnswer.PAIN}}, {}, "movement_test_positive"),
        ({"mechanism": "lifting"}, {"stiffness_not_pain": "present"}, "strain"),
        ({}, {"worse_cold": "present", "worse_mornings": "present"}, "differential"),
        ({}, {"leg_numbness": "present"}, "leg_symptoms"),
        ({"recurrent": True}, {}, "recurrent"),
        ({}, {"recurrent": "present"}, "recurrent"),
        ({"pain_score": 4}, {}, "pain_score"),
        ({"limited_activities": frozenset({"running"})}, {}, "function_limit"),
        ({}, {"getting_worse": "present"}, "getting_worse"),
        ({"duration": "months"}, {}, "long_standing"),
        ({"duration": "years"}, {}, "long_standing"),
        ({"screen_emergency": None}, {}, "screen_unanswered"),
        ({"screen_urgent": None}, {}, "screen_unanswered"),
    ],
)
def test_each_routine_trigger(
    engine: TriageEngine, changes: dict[str, Any], findings: dict[str, str], trigger: str
) -> None:
    assessment = engine.assess(with_findings(calm(**changes), **findings))
    assert assessment.urgency is Urgency.ROUTINE
    assert trigger in [r.code for r in assessment.reasons if r.topic == "urgency"]


@pytest.mark.parametrize(
    ("changes", "findings"),
    [
        ({"duration": "weeks"}, {}),
        ({"recurrent": None}, {}),
        ({"limited_activities": None}, {}),
        ({"movement_tests": {"forward_lean": TestAnswer.SKIPPED}}, {}),
        ({}, {"leg_pain": "absent", "leg_numbness": "unsure"}),
        ({}, {"worse_cold": "present"}),  # one clue is below the differential minimum
        ({}, {"stiffness": "present", "back_pain": "present"}),
        ({"screen_emergency": Presence.UNSURE}, {}),
    ],
)
def test_things_that_stay_self_care(
    engine: TriageEngine, changes: dict[str, Any], findings: dict[str, str]
) -> None:
    assert engine.assess(with_findings(calm(**changes), **findings)).urgency is Urgency.SELF_CARE


def test_nothing_answered_is_routine_because_red_flags_are_not_ruled_out(
    engine: TriageEngine,
) -> None:
    from triage import Facts

    assessment = engine.assess(Facts())
    assert assessment.urgency is Urgency.ROUTINE
    assert [r.code for r in assessment.reasons if r.topic == "urgency"] == ["screen_unanswered"]
