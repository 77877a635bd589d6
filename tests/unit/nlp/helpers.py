"""Expectation helpers for the clinical NLP tests.

Expectations are written as ``"entity:value"`` (affirmed), ``"entity:value@negated"`` or
``"entity:value@uncertain"``. In ``forbid`` lists, ``value`` may be ``*`` and the role may be
``@any`` (the default for forbids) or ``@affirmed``.
"""

from __future__ import annotations

from typing import Sequence, Tuple

from clinical_nlp import Mention


def parse_expectation(item: str) -> Tuple[str, str, str]:
    """ "red_flag:bladder_dysfunction@negated" -> ("red_flag", "bladder_dysfunction", "negated")."""
    body, _, role = item.partition("@")
    entity, _, value = body.partition(":")
    assert entity and value, f"bad expectation {item!r}"
    return entity, value, role or "affirmed"


def role_name(mention: Mention) -> str:
    return mention.role or "affirmed"


def describe(found: Sequence[Mention]) -> str:
    return ", ".join(f"{m.entity}:{m.value}@{role_name(m)} [{m.text}]" for m in found) or "nothing"


def check(found: Sequence[Mention], expect: Sequence[str], forbid: Sequence[str] = ()) -> None:
    """Asserts every expectation is found with its exact role and no forbidden mention is."""
    for item in expect:
        entity, value, role = parse_expectation(item)
        hits = [m for m in found if m.entity == entity and m.value == value]
        assert hits, f"missing {item}; found {describe(found)}"
        assert any(role_name(m) == role for m in hits), (
            f"{entity}:{value} should be {role}; found {describe(found)}"
        )
    for item in forbid:
        entity, value, role = parse_expectation(item if "@" in item else item + "@any")
        for m in found:
            if m.entity != entity or (value != "*" and m.value != value):
                continue
            assert role != "any" and role_name(m) != role, (
                f"forbidden {item}; found {describe(found)}"
            )
