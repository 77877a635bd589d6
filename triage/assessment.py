"""The engine's result: what the answers suggest, how soon to get care, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from triage.vocabulary import AdviceKind, Kind, Severity, Urgency

#: Separates several sources in one `source` string.
SOURCE_SEPARATOR = "; "


def join_sources(sources: Sequence[str]) -> str:
    """Several source names as one string."""
    return SOURCE_SEPARATOR.join(sources)


@dataclass(frozen=True)
class Reason:
    """Why one conclusion was reached, in plain words, with the source it rests on."""

    topic: str  # red_flag, warning_sign_unsure, movement_test, kind, severity, differential, ...
    code: str
    text: str
    source: str


@dataclass(frozen=True)
class AdviceItem:
    """One thing to do or avoid, as shown to the visitor."""

    id: str
    kind: AdviceKind
    text: str
    source: str


@dataclass(frozen=True)
class Recommendation:
    """Whether to book a physiotherapy appointment now, and what to tell the visitor."""

    book: bool
    text: str
    source: str


@dataclass(frozen=True)
class Assessment:
    """The full triage result for one set of facts."""

    red_flags: tuple[str, ...]
    urgency: Urgency
    kind: Kind
    strain_grade: int | None
    severity: Severity
    differentials: tuple[str, ...]
    mechanism: str | None
    advice_do: tuple[AdviceItem, ...]
    advice_dont: tuple[AdviceItem, ...]
    recommendation: Recommendation
    reasons: tuple[Reason, ...]

    def to_slots(self) -> dict[str, Any]:
        """The Rasa slot values, JSON-safe (plain strings, lists, ints and None)."""
        return {
            "urgency": self.urgency.value,
            "red_flags": list(self.red_flags),
            "assessment": self.kind.value,
            "strain_grade": self.strain_grade,
            "severity": self.severity.value,
            "differentials": list(self.differentials),
        }
