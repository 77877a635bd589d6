"""Facts: safe defaults, immutability and strict parsing of chat-slot values."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any

import pytest

from triage import Facts, Presence, TestAnswer, TriageEngine


def test_defaults_mean_nothing_answered() -> None:
    facts = Facts()
    assert facts.complaint is None
    assert facts.limited_activities is None
    assert dict(facts.movement_tests) == {}
    assert dict(facts.findings) == {}
    assert facts.screen_emergency is None and facts.screen_urgent is None


def test_facts_are_immutable_all_the_way_down() -> None:
    facts = Facts(findings={"leg_pain": Presence.PRESENT})
    with pytest.raises(FrozenInstanceError):
        facts.pain_score = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        facts.findings["leg_pain"] = Presence.ABSENT  # type: ignore[index]


def test_equal_answers_in_any_order_give_equal_hashable_facts() -> None:
    first = Facts(findings={"leg_pain": "present", "worse_cold": "absent"})  # type: ignore[dict-item]
    second = Facts(findings={"worse_cold": Presence.ABSENT, "leg_pain": Presence.PRESENT})
    assert first == second
    assert hash(first) == hash(second)
    assert list(first.findings) == list(second.findings)


def test_from_plain_reads_every_field(engine: TriageEngine) -> None:
    facts = Facts.from_plain(
        {
            "complaint": "  sore back  ",
            "mechanism": "lifting",
            "duration": "weeks",
            "recurrent": True,
            "pain_score": "7",
            "limited_activities": ["bending", "sitting"],
            "movement_tests": {"forward_lean": "pain"},
            "test_side_bend_left": "tension",
            "test_rotation_right": None,
            "findings": {"leg_pain": "present", "night_pain": "absent"},
            "screen_emergency": "absent",
            "screen_urgent": False,
        },
        engine.knowledge,
    )
    assert facts == Facts(
        complaint="sore back",
        mechanism="lifting",
        duration="weeks",
        recurrent=True,
        pain_score=7,
        limited_activities=frozenset({"bending", "sitting"}),
        movement_tests={"forward_lean": TestAnswer.PAIN, "side_bend_left": TestAnswer.TENSION},
        findings={"leg_pain": Presence.PRESENT, "night_pain": Presence.ABSENT},
        screen_emergency=Presence.ABSENT,
        screen_urgent=Presence.ABSENT,
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"pain_score": 7.0}, {"pain_score": 7}),
        ({"pain_score": 0}, {"pain_score": 0}),
        ({"pain_score": "10"}, {"pain_score": 10}),
        ({"screen_emergency": True}, {"screen_emergency": Presence.PRESENT}),
        ({"screen_urgent": "unsure"}, {"screen_urgent": Presence.UNSURE}),
        ({"limited_activities": []}, {"limited_activities": frozenset()}),
        ({"limited_activities": "walking"}, {"limited_activities": frozenset({"walking"})}),
        ({"complaint": "   "}, {"complaint": None}),
        ({"findings": None}, {}),
    ],
)
def test_from_plain_accepts_slot_shapes(
    engine: TriageEngine, data: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert engine.facts(data) == Facts(**expected)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mechanism": "sneezing"}, "mechanism: unknown code 'sneezing'"),
        ({"duration": "decades"}, "duration: unknown code 'decades'"),
        ({"limited_activities": ["bending", "golf"]}, "limited_activities: unknown code 'golf'"),
        ({"findings": {"headache": "present"}}, "findings: unknown code 'headache'"),
        ({"findings": {"leg_pain": "yes"}}, "findings[leg_pain]: 'yes' is not one of"),
        ({"movement_tests": {"toe_touch": "fine"}}, "movement_tests: unknown code 'toe_touch'"),
        ({"test_forward_lean": "ouch"}, "movement_tests[forward_lean]: 'ouch' is not one of"),
        ({"test_side_bend": "pain"}, "movement_tests: unknown code 'side_bend'"),
        ({"pain_score": 11}, "pain_score: 11 is outside 0-10"),
        ({"pain_score": -1}, "pain_score: -1 is outside 0-10"),
        ({"pain_score": "-1"}, "pain_score: expected a whole number"),
        ({"pain_score": 6.5}, "pain_score: expected a whole number"),
        ({"pain_score": "seven"}, "pain_score: expected a whole number"),
        ({"pain_score": True}, "pain_score: expected a whole number"),
        ({"recurrent": "yes"}, "recurrent: expected true or false"),
        ({"screen_emergency": "maybe"}, "screen_emergency: 'maybe' is not one of"),
        ({"limited_activities": [1]}, "limited_activities: expected a list of codes"),
        ({"findings": ["leg_pain"]}, "findings: expected a mapping"),
        ({"favourite_colour": "blue"}, "facts: unknown field 'favourite_colour'"),
        (
            {"test_forward_lean": "pain", "movement_tests": {"forward_lean": "fine"}},
            "movement_tests[forward_lean]: two different answers given",
        ),
    ],
)
def test_from_plain_rejects_bad_input_clearly(
    engine: TriageEngine, data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=_literal(message)):
        engine.facts(data)


def test_from_plain_rejects_a_non_mapping(engine: TriageEngine) -> None:
    with pytest.raises(ValueError, match="facts: expected a mapping"):
        engine.facts(["leg_pain"])  # type: ignore[arg-type]


def test_from_plain_uses_the_packaged_vocabulary_by_default() -> None:
    assert Facts.from_plain({"mechanism": "carrying"}).mechanism == "carrying"
    with pytest.raises(ValueError, match="unknown code"):
        Facts.from_plain({"mechanism": "juggling"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pain_score": 12}, "pain_score: 12 is outside 0-10"),
        ({"pain_score": "3"}, "pain_score: expected a whole number"),
        ({"limited_activities": "bending"}, "expected a set of codes"),
        ({"movement_tests": {"forward_lean": "maybe"}}, "is not one of"),
        ({"complaint": 42}, "complaint: expected str"),
    ],
)
def test_direct_construction_checks_types(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=_literal(message)):
        Facts(**kwargs)


def test_assess_rejects_undeclared_codes_in_directly_built_facts(engine: TriageEngine) -> None:
    with pytest.raises(ValueError, match="findings: unknown code 'bladder'"):
        engine.assess(Facts(findings={"bladder": Presence.PRESENT}))


def _literal(text: str) -> str:
    import re

    return re.escape(text)
