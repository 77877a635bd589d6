"""Red flags (NICE NG59, GIRFT cauda equina pathway): only an affirmed sign raises a flag."""

from __future__ import annotations

import pytest

from tests.unit.triage.conftest import EMERGENCY_FLAGS, URGENT_FLAGS, calm, with_findings
from triage import Mention, Presence, TriageEngine, Urgency, merge_findings

ALL_FLAGS = [(code, Urgency.EMERGENCY) for code in EMERGENCY_FLAGS] + [
    (code, Urgency.URGENT) for code in URGENT_FLAGS
]


def test_the_knowledge_declares_exactly_these_red_flags(engine: TriageEngine) -> None:
    levels = {code: flag.level for code, flag in engine.knowledge.red_flags.items()}
    assert levels == {code: urgency.value for code, urgency in ALL_FLAGS}


@pytest.mark.parametrize(("code", "urgency"), ALL_FLAGS)
def test_present_flag_sets_its_urgency(engine: TriageEngine, code: str, urgency: Urgency) -> None:
    assessment = engine.assess(with_findings(calm(), **{code: "present"}))
    assert assessment.urgency is urgency
    assert assessment.red_flags == (code,)
    assert any(r.topic == "red_flag" and r.code == code for r in assessment.reasons)


@pytest.mark.parametrize(("code", "urgency"), ALL_FLAGS)
def test_present_flag_wins_over_everything_else(
    engine: TriageEngine, code: str, urgency: Urgency
) -> None:
    busy = calm(pain_score=9, limited_activities=frozenset({"dressing", "walking"}))
    busy = with_findings(busy, leg_pain="present", pain_on_movement="present", **{code: "present"})
    assert engine.assess(busy).urgency is urgency


@pytest.mark.parametrize(("code", "_urgency"), ALL_FLAGS)
def test_negated_flag_raises_nothing(engine: TriageEngine, code: str, _urgency: Urgency) -> None:
    assessment = engine.assess(with_findings(calm(), **{code: "absent"}))
    assert assessment.red_flags == ()
    assert assessment.urgency is Urgency.SELF_CARE


@pytest.mark.parametrize(("code", "urgency"), ALL_FLAGS)
def test_unsure_flag_raises_nothing_but_says_what_to_watch_for(
    engine: TriageEngine, code: str, urgency: Urgency
) -> None:
    assessment = engine.assess(with_findings(calm(), **{code: "unsure"}))
    assert assessment.red_flags == ()
    assert assessment.urgency is Urgency.SELF_CARE
    assert any(r.topic == "warning_sign_unsure" and r.code == code for r in assessment.reasons)
    expected = (
        "check_unsure_emergency_signs"
        if urgency is Urgency.EMERGENCY
        else "check_unsure_urgent_signs"
    )
    assert expected in [item.id for item in assessment.advice_do]


@pytest.mark.parametrize(("code", "urgency"), ALL_FLAGS)
def test_mention_then_correction_both_ways(
    engine: TriageEngine, code: str, urgency: Urgency
) -> None:
    denied_then_affirmed = merge_findings({}, [Mention(code, "negated"), Mention(code)])
    affirmed_then_denied = merge_findings({}, [Mention(code), Mention(code, "negated")])
    affirmed_then_unsure = merge_findings({}, [Mention(code), Mention(code, "uncertain")])
    assert engine.assess(calm(findings=denied_then_affirmed)).urgency is urgency
    assert engine.assess(calm(findings=affirmed_then_denied)).urgency is Urgency.SELF_CARE
    assert engine.assess(calm(findings=affirmed_then_unsure)).urgency is urgency


@pytest.mark.parametrize(
    ("screen_emergency", "screen_urgent", "urgency", "flags"),
    [
        (Presence.PRESENT, Presence.ABSENT, Urgency.EMERGENCY, ("emergency_screen_positive",)),
        (Presence.ABSENT, Presence.PRESENT, Urgency.URGENT, ("urgent_screen_positive",)),
        (
            Presence.PRESENT,
            Presence.PRESENT,
            Urgency.EMERGENCY,
            ("emergency_screen_positive", "urgent_screen_positive"),
        ),
        (Presence.UNSURE, Presence.ABSENT, Urgency.SELF_CARE, ()),
        (Presence.ABSENT, Presence.UNSURE, Urgency.SELF_CARE, ()),
        (Presence.ABSENT, Presence.ABSENT, Urgency.SELF_CARE, ()),
    ],
)
def test_screen_answers(
    engine: TriageEngine,
    screen_emergency: Presence,
    screen_urgent: Presence,
    urgency: Urgency,
    flags: tuple[str, ...],
) -> None:
    facts = calm(screen_emergency=screen_emergency, screen_urgent=screen_urgent)
    assessment = engine.assess(facts)
    assert assessment.urgency is urgency
    assert assessment.red_flags == flags


def test_unsure_emergency_screen_adds_a_reason_and_watch_advice(engine: TriageEngine) -> None:
    assessment = engine.assess(calm(screen_emergency=Presence.UNSURE))
    assert ("warning_sign_unsure", "screen_emergency") in [
        (r.topic, r.code) for r in assessment.reasons
    ]
    assert assessment.advice_do[0].id == "check_unsure_emergency_signs"


def test_flags_are_listed_emergency_first(engine: TriageEngine) -> None:
    facts = with_findings(
        calm(screen_urgent=Presence.PRESENT, screen_emergency=Presence.PRESENT),
        night_pain="present",
        saddle_numbness="present",
        cancer_history="present",
        bladder_dysfunction="present",
    )
    assert engine.assess(facts).red_flags == (
        "bladder_dysfunction",
        "saddle_numbness",
        "emergency_screen_positive",
        "cancer_history",
        "night_pain",
        "urgent_screen_positive",
    )


def test_symptoms_are_never_red_flags(engine: TriageEngine) -> None:
    everything = {code: "present" for code in engine.knowledge.symptoms}
    assert engine.assess(with_findings(calm(), **everything)).red_flags == ()
