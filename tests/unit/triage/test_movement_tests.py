"""The four self-tests: which answers are positive, and the definitions the chat shows."""

from __future__ import annotations

import pytest

from tests.unit.triage.conftest import SLOTS, calm
from triage import Kind, TestAnswer, TriageEngine, Urgency


@pytest.mark.parametrize("slot", SLOTS)
@pytest.mark.parametrize(
    ("answer", "positive"),
    [
        (TestAnswer.PAIN, True),
        (TestAnswer.TENSION, True),
        (TestAnswer.LOSS_OF_CONTROL, True),
        (TestAnswer.FINE, False),
        (TestAnswer.SKIPPED, False),
    ],
)
def test_positive_answers_on_any_side(
    engine: TriageEngine, slot: str, answer: TestAnswer, positive: bool
) -> None:
    tests = {**calm().movement_tests, slot: answer}
    assessment = engine.assess(calm(movement_tests=tests))
    assert (assessment.urgency is Urgency.ROUTINE) is positive
    assert (assessment.kind is Kind.SPASM) is positive
    codes = [r.code for r in assessment.reasons if r.topic == "movement_test"]
    assert codes == ([slot] if positive else ["none_positive"])


def test_positive_reason_names_the_test_and_side(engine: TriageEngine) -> None:
    facts = calm(movement_tests={"side_bend_left": TestAnswer.LOSS_OF_CONTROL})
    reason = next(r for r in engine.assess(facts).reasons if r.topic == "movement_test")
    assert "side bend to the left" in reason.text
    assert "trouble controlling the movement" in reason.text


def test_no_tests_done_gives_no_movement_reason(engine: TriageEngine) -> None:
    facts = calm(movement_tests={"forward_lean": TestAnswer.SKIPPED})
    assert not [r for r in engine.assess(facts).reasons if r.topic == "movement_test"]


def test_definitions_for_the_chat(engine: TriageEngine) -> None:
    tests = {str(test.id): test for test in engine.knowledge.movement_tests}
    assert list(tests) == ["forward_lean", "side_bend", "rotation", "pelvic_tilt"]
    assert tests["side_bend"].sides == ("left", "right")
    assert tests["forward_lean"].sides == ()
    assert list(engine.knowledge.movement_slots) == list(SLOTS)
    for test in tests.values():
        assert 2 <= len(test.steps) <= 4
        assert test.image == f"{test.id}.png"
        assert test.source == (
            "Tests that you can do to see if you have a muscle spasm in your lower back",
        )
        assert all(len(step) <= 90 for step in test.steps)
