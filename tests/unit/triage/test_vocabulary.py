"""The typed vocabulary: values shared with the slots, and urgency ordered by severity."""

from __future__ import annotations

from enum import Enum

import pytest

from triage import Kind, Presence, Severity, TestAnswer, Urgency


def test_urgency_orders_by_severity_not_alphabet() -> None:
    assert sorted(Urgency) == [
        Urgency.SELF_CARE,
        Urgency.ROUTINE,
        Urgency.URGENT,
        Urgency.EMERGENCY,
    ]
    assert Urgency.EMERGENCY > Urgency.URGENT > Urgency.ROUTINE > Urgency.SELF_CARE
    assert max(Urgency.ROUTINE, Urgency.EMERGENCY, Urgency.URGENT) is Urgency.EMERGENCY
    assert Urgency.URGENT >= Urgency.URGENT
    assert Urgency.ROUTINE <= Urgency.URGENT


def test_urgency_does_not_compare_with_plain_strings() -> None:
    with pytest.raises(TypeError):
        assert Urgency.EMERGENCY < "urgent"  # type: ignore[operator]


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (Urgency, ["emergency", "urgent", "routine", "self_care"]),
        (Presence, ["present", "absent", "unsure"]),
        (TestAnswer, ["pain", "tension", "loss_of_control", "fine", "skipped"]),
        (Kind, ["spasm", "strain", "unclear"]),
        (Severity, ["mild", "moderate", "severe", "unknown"]),
    ],
)
def test_enum_values_are_the_shared_codes(enum: type[Enum], values: list[str]) -> None:
    assert [member.value for member in enum] == values
    assert all(str(member) == member.value for member in enum)
