"""The typed vocabulary shared by facts, rules and results.

Only the closed, structural sets live here (answers, urgency levels, kinds). Clinical codes such as
red flags, symptoms and activities are declared in knowledge.yml, the single authority for them.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

#: The 0-10 pain scale the visitor is asked to use (a scale definition, not a clinical threshold).
PAIN_SCORE_MIN = 0
PAIN_SCORE_MAX = 10
#: The article's strain grades ("Grading of a muscle strain:").
STRAIN_GRADE_MIN = 1
STRAIN_GRADE_MAX = 3

#: A red-flag level: the two levels that stop the guided assessment.
Level = Literal["emergency", "urgent"]
LEVELS: tuple[Level, ...] = ("emergency", "urgent")
#: The sides a movement test can be done on.
Side = Literal["left", "right"]
#: Advice items are either things to do or things to avoid.
AdviceKind = Literal["do", "dont"]


class Urgency(str, Enum):
    """How soon the visitor needs care. Compares by severity, never alphabetically."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    SELF_CARE = "self_care"

    @property
    def rank(self) -> int:
        """Higher is more severe; self_care is 0."""
        return _URGENCY_RANK[self.value]

    def __lt__(self, other: object) -> bool:
        return self.rank < _rank_of(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= _rank_of(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > _rank_of(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= _rank_of(other)

    def __str__(self) -> str:
        return self.value


_URGENCY_RANK = {"self_care": 0, "routine": 1, "urgent": 2, "emergency": 3}


def _rank_of(other: object) -> int:
    """The rank of another Urgency; a plain string would silently compare alphabetically."""
    if not isinstance(other, Urgency):
        raise TypeError(f"cannot order Urgency against {type(other).__name__}")
    return other.rank


class Presence(str, Enum):
    """Whether a finding was affirmed, denied or left uncertain by the visitor."""

    PRESENT = "present"
    ABSENT = "absent"
    UNSURE = "unsure"

    def __str__(self) -> str:
        return self.value


class TestAnswer(str, Enum):
    """The visitor's answer to one side of one movement self-test."""

    __test__ = False  # not a pytest test class, despite the name

    PAIN = "pain"
    TENSION = "tension"
    LOSS_OF_CONTROL = "loss_of_control"
    FINE = "fine"
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return self.value


class Kind(str, Enum):
    """What the answers point to: a spasm, a strain, or not enough to tell."""

    SPASM = "spasm"
    STRAIN = "strain"
    UNCLEAR = "unclear"

    def __str__(self) -> str:
        return self.value


class Severity(str, Enum):
    """How much the problem limits daily life (the article has no grading for a spasm)."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


def urgency_for_level(level: Level) -> Urgency:
    """The urgency a present red flag of `level` forces."""
    return Urgency.EMERGENCY if level == "emergency" else Urgency.URGENT


#: Guided questions answered by a single fact (movement tests and symptom groups come on top).
FACT_QUESTIONS = (
    "complaint",
    "screen_emergency",
    "screen_urgent",
    "mechanism",
    "limited_activities",
    "pain_score",
)
#: The question that asks each red-flag screen.
SCREEN_QUESTIONS: dict[Level, str] = {"emergency": "screen_emergency", "urgent": "screen_urgent"}
#: Movement-test questions are this prefix plus the answer key, e.g. test_side_bend_left.
TEST_QUESTION_PREFIX = "test_"
