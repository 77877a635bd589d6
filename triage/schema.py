"""Pydantic schema of knowledge.yml: the shape of every entry, checked before any rule runs.

Shape only: unknown keys, missing fields, empty texts and numbers out of range. Whether the codes
an entry uses are declared (and other cross-references) is checked in knowledge.py, which can name
the entry in its message.
"""

import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConstrainedInt,
    ConstrainedStr,
    Extra,
    root_validator,
    validator,
)

from triage.vocabulary import (
    PAIN_SCORE_MAX,
    PAIN_SCORE_MIN,
    STRAIN_GRADE_MAX,
    STRAIN_GRADE_MIN,
    Kind,
    Level,
    Severity,
    Side,
    TestAnswer,
)


class Text(ConstrainedStr):
    """A non-empty text (surrounding whitespace is dropped)."""

    strip_whitespace = True
    min_length = 1


class Code(ConstrainedStr):
    """A vocabulary code: lower case, digits and underscores."""

    regex = re.compile(r"^[a-z][a-z0-9_]*$")


class ImageName(ConstrainedStr):
    """The file name of a movement test picture."""

    regex = re.compile(r"^[a-z0-9_]+\.(png|jpe?g|svg)$")  # PNG/JPEG also reach WhatsApp


class PainScore(ConstrainedInt):
    """A point on the 0-10 pain scale."""

    ge = PAIN_SCORE_MIN
    le = PAIN_SCORE_MAX


class Grade(ConstrainedInt):
    """A strain grade from the article."""

    ge = STRAIN_GRADE_MIN
    le = STRAIN_GRADE_MAX


class Count(ConstrainedInt):
    """A count threshold of at least one."""

    ge = 1


class Weight(ConstrainedInt):
    """The weight of one differential clue."""

    ge = 1
    le = 10


class Strict(BaseModel):
    """Base of every entry: unknown keys are errors and loaded entries are read-only."""

    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Sourced(Strict):
    """An entry that must name where its content comes from (one source or a list)."""

    source: tuple[Text, ...]

    @validator("source", pre=True)
    def _one_or_many(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("must name a source")
            return (value,)
        if isinstance(value, (list, tuple)) and not value:
            raise ValueError("must name at least one source")
        return value


_NON_EMPTY_LISTS = (
    "finding_present",
    "activity_limited",
    "mechanism",
    "duration",
    "kind",
    "severity",
    "differential",
    "unsure_sign",
)


class Condition(Strict):
    """One rule condition; it holds when ALL of the keys it sets hold."""

    always: Literal[True] | None = None
    min_positive_tests: Count | None = None
    finding_present: tuple[Code, ...] | None = None
    symptom_group_present: Code | None = None
    activity_limited: tuple[Code, ...] | None = None
    min_limited_activities: Count | None = None
    pain_at_least: PainScore | None = None
    mechanism: tuple[Code, ...] | None = None
    duration: tuple[Code, ...] | None = None
    recurrent: bool | None = None
    kind: tuple[Kind, ...] | None = None
    strain_grade_at_least: Grade | None = None
    severity: tuple[Severity, ...] | None = None
    differential: tuple[Code, ...] | None = None
    any_differential: bool | None = None
    unsure_sign: tuple[Level, ...] | None = None
    screen_unanswered: bool | None = None

    @validator(*_NON_EMPTY_LISTS)
    def _non_empty(cls, value: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        if value is not None and not value:
            raise ValueError("an empty list would never match; remove the key instead")
        return value

    @root_validator(skip_on_failure=True)
    def _sets_something(cls, values: dict[str, Any]) -> dict[str, Any]:
        if all(value is None for value in values.values()):
            raise ValueError("a condition needs at least one key")
        return values

    def keys_set(self) -> tuple[str, ...]:
        """The names of the keys this condition tests."""
        return tuple(name for name, value in self if value is not None)


Conditions = tuple[Condition, ...]


class Sources(Strict):
    """The sources entries may cite: article headings and named clinical sources."""

    article_sections: tuple[Text, ...]
    clinical: tuple[Text, ...]


class Entry(Sourced):
    """A declared vocabulary code with its plain-words label."""

    code: Code
    label: Text


class RedFlag(Entry):
    level: Level


class Symptom(Entry):
    group: Code


class Mechanism(Entry):
    note: Text


class Vocabulary(Strict):
    red_flags: tuple[RedFlag, ...]
    symptoms: tuple[Symptom, ...]
    mechanisms: tuple[Mechanism, ...]
    activities: tuple[Entry, ...]
    durations: tuple[Entry, ...]
    differentials: tuple[Entry, ...]


class Screen(Sourced):
    """One red-flag screen question and the texts for its findings."""

    level: Level
    flag: Code
    label: Text
    reason_flag: Text
    reason_screen: Text
    reason_unsure: Text
    reason_screen_unsure: Text


class MovementTest(Sourced):
    """One self-test from the article, as the chat shows it."""

    id: Code
    name: Text
    sides: tuple[Side, ...]
    image: ImageName
    steps: tuple[Text, ...]

    @validator("steps")
    def _two_to_four_steps(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not 2 <= len(value) <= 4:
            raise ValueError("needs 2 to 4 short steps")
        return value

    @validator("sides")
    def _distinct_sides(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a side is listed twice")
        return value

    @property
    def slots(self) -> tuple[str, ...]:
        """The answer keys of this test: its id, or its id plus each side."""
        if not self.sides:
            return (self.id,)
        return tuple(f"{self.id}_{side}" for side in self.sides)


class MovementTestRules(Sourced):
    positive_answers: tuple[TestAnswer, ...]
    answer_labels: dict[TestAnswer, Text]
    side_labels: dict[Side, Text]
    safety_note: Text
    skip_when: Conditions
    reason_positive: Text
    reason_none: Text


class StrainClue(Sourced):
    code: Code
    grade: Grade
    label: Text


class SpasmOrStrain(Sourced):
    strain_clues: tuple[StrainClue, ...]
    strain_when: Conditions
    spasm_when: Conditions
    reason_strain: Text
    reason_strain_unsupported: Text
    reason_spasm: Text
    reason_unclear: Text


class SeverityLevel(Sourced):
    level: Literal[Severity.SEVERE, Severity.MODERATE, Severity.MILD]
    label: Text
    when: Conditions
    reason: Text


class SeverityRules(Sourced):
    levels: tuple[SeverityLevel, ...]
    reason_unknown: Text


class Pattern(Sourced):
    code: Code
    clues: dict[Code, Weight]
    reason: Text


class DifferentialRules(Sourced):
    min_score: Count
    tie_break: tuple[Code, ...]
    patterns: tuple[Pattern, ...]


class Trigger(Sourced):
    id: Code
    when: Conditions
    reason: Text


class Instruction(Sourced):
    id: Code
    text: Text


class UrgencyRules(Sourced):
    routine_when: tuple[Trigger, ...]
    reason_emergency: Text
    reason_urgent: Text
    reason_self_care: Text
    emergency_instruction: Instruction
    urgent_instruction: Instruction


class Advice(Sourced):
    id: Code
    kind: Literal["do", "dont"]
    text: Text
    when: Conditions


class RecommendationText(Sourced):
    book: bool
    text: Text


class Recommendations(Strict):
    emergency: RecommendationText
    urgent: RecommendationText
    routine: RecommendationText
    self_care: RecommendationText


class Question(Sourced):
    id: Code
    text: Text
    symptom_group: Code | None = None


class Explanations(Sourced):
    emergency: Text
    urgent: Text
    routine: Text
    self_care: Text
    spasm: Text
    strain: Text
    unclear: Text
    severity: Text
    differential: Text
    list_and: Text


class KnowledgeModel(Strict):
    """The whole knowledge file."""

    version: Literal[1]
    sources: Sources
    vocabulary: Vocabulary
    screens: tuple[Screen, ...]
    movement_tests: tuple[MovementTest, ...]
    movement_test_rules: MovementTestRules
    spasm_or_strain: SpasmOrStrain
    severity: SeverityRules
    differentials: DifferentialRules
    urgency: UrgencyRules
    advice: tuple[Advice, ...]
    recommendations: Recommendations
    questions: tuple[Question, ...]
    explanations: Explanations
