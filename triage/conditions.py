"""Evaluates the `when:` conditions of the knowledge file against the facts and earlier results.

A rule applies when ANY condition in its list holds; a condition holds when ALL its keys hold.
Results are worked out in a fixed order (red flags, tests, severity, differentials, kind, urgency,
advice); the loader rejects conditions that use a result before it exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from triage.facts import Facts
from triage.knowledge import Knowledge
from triage.schema import Condition
from triage.vocabulary import Kind, Level, Presence, Severity

T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """Everything a condition may look at; later results stay None until they are worked out."""

    facts: Facts
    knowledge: Knowledge
    positive_tests: tuple[str, ...]
    unsure_levels: frozenset[Level]
    severity: Severity | None = None
    differentials: tuple[str, ...] | None = None
    kind: Kind | None = None
    strain_grade: int | None = None

    def present(self, code: str) -> bool:
        """Whether the visitor affirmed this finding."""
        return self.facts.presence(code) is Presence.PRESENT

    @property
    def limited(self) -> frozenset[str]:
        """The limited activities, empty when not asked."""
        return self.facts.limited_activities or frozenset()


def any_holds(conditions: Iterable[Condition], context: Context) -> bool:
    """Whether at least one of the conditions holds."""
    return any(holds(condition, context) for condition in conditions)


def holds(condition: Condition, context: Context) -> bool:
    """Whether every key the condition sets holds."""
    return all(_CHECKS[key](getattr(condition, key), context) for key in condition.keys_set())


def _need(value: T | None, name: str) -> T:
    if value is None:
        raise RuntimeError(f"rule order: {name} is used before it is worked out")
    return value


def _severity(levels: tuple[Severity, ...], c: Context) -> bool:
    return _need(c.severity, "severity") in levels


def _differential(codes: tuple[str, ...], c: Context) -> bool:
    found = _need(c.differentials, "differentials")
    return any(code in found for code in codes)


def _any_differential(expected: bool, c: Context) -> bool:
    return bool(_need(c.differentials, "differentials")) == expected


def _kind(kinds: tuple[Kind, ...], c: Context) -> bool:
    return _need(c.kind, "kind") in kinds


def _strain_grade_at_least(grade: int, c: Context) -> bool:
    _need(c.kind, "kind")
    return c.strain_grade is not None and c.strain_grade >= grade


def _screen_unanswered(expected: bool, c: Context) -> bool:
    unanswered = c.facts.screen_emergency is None or c.facts.screen_urgent is None
    return unanswered == expected


_CHECKS: dict[str, Callable[[Any, Context], bool]] = {
    "always": lambda _value, _context: True,
    "min_positive_tests": lambda n, c: len(c.positive_tests) >= n,
    "finding_present": lambda codes, c: any(c.present(code) for code in codes),
    "symptom_group_present": lambda group, c: any(
        c.present(code) for code in c.knowledge.symptom_groups.get(group, ())
    ),
    "activity_limited": lambda codes, c: not c.limited.isdisjoint(codes),
    "min_limited_activities": lambda n, c: len(c.limited) >= n,
    "pain_at_least": lambda n, c: c.facts.pain_score is not None and c.facts.pain_score >= n,
    "mechanism": lambda codes, c: c.facts.mechanism in codes,
    "duration": lambda codes, c: c.facts.duration in codes,
    "recurrent": lambda expected, c: c.facts.recurrent is expected,
    "kind": _kind,
    "strain_grade_at_least": _strain_grade_at_least,
    "severity": _severity,
    "differential": _differential,
    "any_differential": _any_differential,
    "unsure_sign": lambda levels, c: any(level in c.unsure_levels for level in levels),
    "screen_unanswered": _screen_unanswered,
}
