"""The article's four self-tests: which answers count as positive, and when not to ask for them.

Pain, tension or loss of control on any side "may indicate" muscle pain and spasm. "fine" and
"skipped" never count, so doing another test that feels fine can never make the result worse.
"""

from __future__ import annotations

from triage.assessment import Reason, join_sources
from triage.conditions import Context, any_holds
from triage.facts import Facts
from triage.knowledge import Knowledge
from triage.texts import render
from triage.vocabulary import TestAnswer


def positive_tests(facts: Facts, knowledge: Knowledge) -> tuple[str, ...]:
    """The answer keys with a positive answer, in question order."""
    positive = set(knowledge.model.movement_test_rules.positive_answers)
    answers = facts.movement_tests
    return tuple(slot for slot in knowledge.movement_slots if answers.get(slot) in positive)


def test_title(knowledge: Knowledge, slot: str) -> str:
    """A test's plain name with its side, e.g. "standing side bend to the left"."""
    test = knowledge.movement_slots[slot]
    if not test.sides:
        return str(test.name)
    side = slot[len(test.id) + 1 :]
    side_labels = knowledge.model.movement_test_rules.side_labels
    labels = {str(key): str(label) for key, label in side_labels.items()}
    return f"{test.name} {labels[side]}"


def movement_reasons(
    facts: Facts, knowledge: Knowledge, positives: tuple[str, ...]
) -> tuple[Reason, ...]:
    """One reason per positive test, or one saying the tests done were all fine."""
    rules = knowledge.model.movement_test_rules
    source = join_sources(rules.source)
    if positives:
        return tuple(
            Reason(
                "movement_test",
                slot,
                render(
                    rules.reason_positive,
                    {
                        "test": test_title(knowledge, slot),
                        "answer": rules.answer_labels[facts.movement_tests[slot]],
                    },
                ),
                source,
            )
            for slot in positives
        )
    if any(answer is not TestAnswer.SKIPPED for answer in facts.movement_tests.values()):
        return (Reason("movement_test", "none_positive", rules.reason_none, source),)
    return ()


def skip_movement_tests(context: Context) -> bool:
    """Whether the self-tests should not be asked for (too painful to do safely)."""
    return any_holds(context.knowledge.model.movement_test_rules.skip_when, context)
