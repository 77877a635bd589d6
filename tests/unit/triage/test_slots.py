"""Assessment.to_slots: JSON-safe values for the Rasa slots."""

from __future__ import annotations

import json

from tests.unit.triage.conftest import calm, with_findings
from triage import Presence, TriageEngine


def test_slots_of_a_strain(engine: TriageEngine) -> None:
    facts = with_findings(
        calm(mechanism="lifting", limited_activities=frozenset({"bending"})),
        pain_on_movement="present",
        leg_pain_below_knee="present",
    )
    slots = engine.assess(facts).to_slots()
    assert slots == {
        "urgency": "routine",
        "red_flags": [],
        "assessment": "strain",
        "strain_grade": 2,
        "severity": "moderate",
        "differentials": ["sciatica"],
    }
    assert type(slots["urgency"]) is str and type(slots["assessment"]) is str
    assert json.loads(json.dumps(slots)) == slots


def test_slots_of_an_emergency(engine: TriageEngine) -> None:
    facts = with_findings(calm(screen_emergency=Presence.PRESENT), bilateral_leg_symptoms="present")
    slots = engine.assess(facts).to_slots()
    assert slots["urgency"] == "emergency"
    assert slots["red_flags"] == ["bilateral_leg_symptoms", "emergency_screen_positive"]
    assert slots["strain_grade"] is None
    assert json.loads(json.dumps(slots)) == slots
