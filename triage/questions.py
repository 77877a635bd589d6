"""The guided assessment: which questions are still open, in the file's order.

Red-flag screens come first (after the complaint). Once an emergency or urgent sign is present
nothing more is asked: the visitor must go and get help, not carry on with self-tests.
"""

from __future__ import annotations

from triage.facts import Facts
from triage.knowledge import Knowledge
from triage.schema import Question
from triage.vocabulary import LEVELS, SCREEN_QUESTIONS, TEST_QUESTION_PREFIX, Presence, Urgency

_ANSWERED = frozenset({Presence.PRESENT, Presence.ABSENT})


def is_test_question(question: Question) -> bool:
    """Whether the question asks for a movement self-test."""
    return question.symptom_group is None and question.id.startswith(TEST_QUESTION_PREFIX)


def is_answered(question: Question, facts: Facts, knowledge: Knowledge) -> bool:
    """Whether the facts already answer the question.

    A single denied sign does not answer a screen: only the screen answer does. A symptom group
    is answered once any of its symptoms is present or absent (unsure still asks).
    """
    if question.symptom_group is not None:
        codes = knowledge.symptom_groups.get(question.symptom_group, ())
        return any(facts.presence(code) in _ANSWERED for code in codes)
    if question.id.startswith(TEST_QUESTION_PREFIX):
        return question.id[len(TEST_QUESTION_PREFIX) :] in facts.movement_tests
    value = getattr(facts, question.id)
    return value is not None


def open_questions(
    facts: Facts, knowledge: Knowledge, urgency: Urgency, skip_tests: bool
) -> tuple[str, ...]:
    """The unanswered question ids in order; none once the urgency is urgent or worse."""
    if urgency >= Urgency.URGENT:
        return ()
    return tuple(
        question.id
        for question in knowledge.questions
        if not (skip_tests and is_test_question(question))
        and not is_answered(question, facts, knowledge)
    )


def question_text(knowledge: Knowledge, question_id: str) -> str:
    """The text to ask; a screen question lists the labels of its red flags, one per line."""
    for question in knowledge.questions:
        if question.id != question_id:
            continue
        for level in LEVELS:
            if SCREEN_QUESTIONS[level] == question_id:
                labels = [f.label for f in knowledge.red_flags.values() if f.level == level]
                return "\n".join([str(question.text), *(f"- {label}" for label in labels)])
        return str(question.text)
    raise KeyError(f"unknown question {question_id!r}")
