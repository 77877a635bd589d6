"""Cross-checks of the knowledge file that the schema cannot express.

Every code a rule uses must be declared, every source must be a declared article heading or
clinical source, templates may only use their own placeholders, and the safety orderings hold
(red-flag screens asked first, "fine" never positive). Each problem names its entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from triage.schema import Condition, KnowledgeModel, Sourced
from triage.texts import placeholders
from triage.vocabulary import (
    FACT_QUESTIONS,
    LEVELS,
    SCREEN_QUESTIONS,
    TEST_QUESTION_PREFIX,
    Severity,
    TestAnswer,
)

# Placeholders each template may use (paths with entry keys replaced by []); other texts use none.
_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "screens[].reason_flag": frozenset({"label"}),
    "screens[].reason_unsure": frozenset({"label"}),
    "movement_test_rules.reason_positive": frozenset({"test", "answer"}),
    "spasm_or_strain.reason_strain": frozenset({"clue", "grade", "grade_label"}),
    "spasm_or_strain.reason_strain_unsupported": frozenset({"clue"}),
    "severity.levels[].reason": frozenset({"activities"}),
    "differentials.patterns[].reason": frozenset({"clues", "label"}),
    "explanations.emergency": frozenset({"signs"}),
    "explanations.urgent": frozenset({"signs"}),
    "explanations.strain": frozenset({"grade", "grade_label"}),
    "explanations.severity": frozenset({"severity"}),
    "explanations.differential": frozenset({"label"}),
}
# Condition keys that need a result computed after the section that uses them.
_FORBIDDEN_KEYS = {
    "severity.": frozenset(
        {"severity", "kind", "strain_grade_at_least", "differential", "any_differential"}
    ),
    "spasm_or_strain.": frozenset({"kind", "strain_grade_at_least"}),
}
_SEVERITY_ORDER = (Severity.SEVERE, Severity.MODERATE, Severity.MILD)
_NEVER_POSITIVE = frozenset({TestAnswer.FINE, TestAnswer.SKIPPED})


def entry_key(item: Any, index: int) -> str:
    """How an entry of a list is named in messages: its id, code or level, else its index."""
    for name in ("id", "code", "level"):
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if isinstance(value, str) and value:
            return value
    return str(index)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every node of the parsed model with its message path."""
    yield path, node
    if isinstance(node, BaseModel):
        for name, value in node:
            yield from _walk(value, f"{path}.{name}" if path else name)
    elif isinstance(node, tuple):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{entry_key(item, index)}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{getattr(key, 'value', key)}")


def cross_check(model: KnowledgeModel) -> list[str]:
    """Every problem the schema cannot see: undeclared codes and sources, ordering, templates."""
    problems: list[str] = []
    problems += _check_unique(model)
    problems += _check_nodes(model)
    problems += _check_screens(model)
    problems += _check_movement_rules(model)
    problems += _check_strain_and_severity(model)
    problems += _check_differentials(model)
    problems += _check_questions(model)
    return problems


def _duplicates(path: str, keys: list[str]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for key in keys:
        if key in seen:
            problems.append(f"{path}[{key}]: declared more than once")
        seen.add(key)
    return problems


def _check_unique(model: KnowledgeModel) -> list[str]:
    vocab = model.vocabulary
    problems: list[str] = []
    for name in ("red_flags", "symptoms", "mechanisms", "activities", "durations", "differentials"):
        entries = getattr(vocab, name)
        problems += _duplicates(f"vocabulary.{name}", [e.code for e in entries])
    both = {f.code for f in vocab.red_flags} & {s.code for s in vocab.symptoms}
    problems += [f"vocabulary.symptoms[{code}]: already declared as a red flag" for code in both]
    findings = {f.code for f in vocab.red_flags} | {s.code for s in vocab.symptoms}
    for screen in model.screens:
        if screen.flag in findings:
            problems.append(f"screens[{screen.level}].flag: {screen.flag!r} is already a finding")
    problems += _duplicates("screens", [s.level for s in model.screens])
    problems += _duplicates("movement_tests", [t.id for t in model.movement_tests])
    slots = [slot for test in model.movement_tests for slot in test.slots]
    problems += _duplicates("movement_tests (answer keys)", slots)
    problems += _duplicates("urgency.routine_when", [t.id for t in model.urgency.routine_when])
    problems += _duplicates("advice", [a.id for a in model.advice])
    problems += _duplicates("questions", [q.id for q in model.questions])
    return problems


def _declared_codes(model: KnowledgeModel) -> dict[str, frozenset[str]]:
    vocab = model.vocabulary
    return {
        "finding_present": frozenset(e.code for e in (*vocab.red_flags, *vocab.symptoms)),
        "symptom_group_present": frozenset(s.group for s in vocab.symptoms),
        "activity_limited": frozenset(e.code for e in vocab.activities),
        "mechanism": frozenset(e.code for e in vocab.mechanisms),
        "duration": frozenset(e.code for e in vocab.durations),
        "differential": frozenset(e.code for e in vocab.differentials),
    }


def _check_nodes(model: KnowledgeModel) -> list[str]:
    """Sources, condition codes and template placeholders, wherever they appear."""
    sources = set(model.sources.article_sections) | set(model.sources.clinical)
    declared = _declared_codes(model)
    problems: list[str] = []
    for path, node in _walk(model):
        if isinstance(node, Sourced):
            problems += [
                f"{path}.source: {name!r} is not declared under sources"
                for name in node.source
                if name not in sources
            ]
        if isinstance(node, Condition):
            problems += _check_condition(path, node, declared)
        if isinstance(node, str) and not path.startswith("sources.") and ".source[" not in path:
            problems += _check_template(path, node)
    return problems


def _check_condition(
    path: str, condition: Condition, declared: dict[str, frozenset[str]]
) -> list[str]:
    problems = []
    for key, codes in declared.items():
        value = getattr(condition, key)
        used = (value,) if isinstance(value, str) else (value or ())
        problems += [
            f"{path}.{key}: unknown code {code!r} (not declared in vocabulary)"
            for code in used
            if code not in codes
        ]
    for prefix, forbidden in _FORBIDDEN_KEYS.items():
        if path.startswith(prefix):
            problems += [
                f"{path}.{key}: cannot be used here (it is worked out after this rule)"
                for key in condition.keys_set()
                if key in forbidden
            ]
    return problems


def _check_template(path: str, text: str) -> list[str]:
    generic = re.sub(r"\[[^\]]*\]", "[]", path)
    allowed = _PLACEHOLDERS.get(generic, frozenset())
    try:
        used = placeholders(text)
    except ValueError as exc:
        return [f"{path}: {exc}"]
    unknown = sorted(used - allowed)
    if not unknown:
        return []
    names = ", ".join("{" + name + "}" for name in unknown)
    hint = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
    return [f"{path}: unknown placeholder {names} (allowed: {hint})"]


def _check_screens(model: KnowledgeModel) -> list[str]:
    problems = []
    levels = {screen.level for screen in model.screens}
    for level in LEVELS:
        if level not in levels:
            problems.append(f"screens: the {level} screen is missing")
        if not any(flag.level == level for flag in model.vocabulary.red_flags):
            problems.append(f"vocabulary.red_flags: no {level} red flag declared")
    return problems


def _check_movement_rules(model: KnowledgeModel) -> list[str]:
    rules = model.movement_test_rules
    path = "movement_test_rules"
    problems = [
        f"{path}.positive_answers: {answer.value!r} can never count as positive"
        for answer in rules.positive_answers
        if answer in _NEVER_POSITIVE
    ]
    problems += [
        f"{path}.answer_labels: no label for {answer.value!r}"
        for answer in rules.positive_answers
        if answer not in rules.answer_labels
    ]
    sides = {side for test in model.movement_tests for side in test.sides}
    problems += [
        f"{path}.side_labels: no label for {side!r}"
        for side in sorted(sides)
        if side not in rules.side_labels
    ]
    return problems


def _check_strain_and_severity(model: KnowledgeModel) -> list[str]:
    symptoms = {s.code for s in model.vocabulary.symptoms}
    clues = model.spasm_or_strain.strain_clues
    problems = [
        f"spasm_or_strain.strain_clues[{clue.code}].code: unknown code (not a declared symptom)"
        for clue in clues
        if clue.code not in symptoms
    ]
    problems += _duplicates("spasm_or_strain.strain_clues", [c.code for c in clues])
    problems += _duplicates("spasm_or_strain.strain_clues (grades)", [str(c.grade) for c in clues])
    order = [level.level for level in model.severity.levels]
    expected = [level for level in _SEVERITY_ORDER if level in order]
    if order != expected:
        problems.append("severity.levels: list each level once, from severe down to mild")
    return problems


def _check_differentials(model: KnowledgeModel) -> list[str]:
    rules = model.differentials
    declared = [entry.code for entry in model.vocabulary.differentials]
    symptoms = {s.code for s in model.vocabulary.symptoms}
    problems = _duplicates("differentials.patterns", [p.code for p in rules.patterns])
    patterns = {p.code for p in rules.patterns}
    problems += [
        f"differentials.patterns[{code}]: unknown code (not declared in vocabulary)"
        for code in sorted(patterns - set(declared))
    ]
    problems += [
        f"differentials.patterns: no pattern for {code!r}"
        for code in declared
        if code not in patterns
    ]
    if sorted(rules.tie_break) != sorted(declared):
        problems.append("differentials.tie_break: must list every declared differential once")
    for pattern in rules.patterns:
        problems += [
            f"differentials.patterns[{pattern.code}].clues.{clue}: unknown code (not a symptom)"
            for clue in pattern.clues
            if clue not in symptoms
        ]
    return problems


def _check_questions(model: KnowledgeModel) -> list[str]:
    slots = {slot for test in model.movement_tests for slot in test.slots}
    groups = {s.group for s in model.vocabulary.symptoms}
    problems = []
    for question in model.questions:
        path = f"questions[{question.id}]"
        if question.symptom_group is not None:
            if question.symptom_group not in groups:
                problems.append(f"{path}.symptom_group: unknown group {question.symptom_group!r}")
        elif question.id.startswith(TEST_QUESTION_PREFIX):
            if question.id[len(TEST_QUESTION_PREFIX) :] not in slots:
                problems.append(f"{path}: no movement test answer key matches this question")
        elif question.id not in FACT_QUESTIONS:
            problems.append(f"{path}: unknown question (give it a symptom_group or use a known id)")
    asked = [q.id for q in model.questions]
    needed = [*SCREEN_QUESTIONS.values(), *(TEST_QUESTION_PREFIX + slot for slot in sorted(slots))]
    problems += [f"questions: {qid!r} is missing" for qid in needed if qid not in asked]
    screen_ids = set(SCREEN_QUESTIONS.values())
    screens = [i for i, qid in enumerate(asked) if qid in screen_ids]
    others = [i for i, qid in enumerate(asked) if qid not in {*screen_ids, "complaint"}]
    if screens and others and max(screens) > min(others):
        problems.append("questions: the red-flag screens must come before every other question")
    return problems
