"""Differentials ("What else could it be?"): weighted clues, a minimum score, a fixed tie-break."""

from __future__ import annotations

import pytest

from tests.unit.triage.conftest import calm, with_findings
from triage import TriageEngine


@pytest.mark.parametrize(
    ("clues", "expected"),
    [
        # disc herniation
        (["worse_bending_forward", "worse_sitting"], ("disc_herniation",)),
        (["worse_sitting", "worse_driving"], ("disc_herniation",)),
        (["worse_driving", "leg_pain"], ("disc_herniation",)),  # leg pain supports a disc
        # spondylolisthesis
        (["push_up_with_hands"], ("spondylolisthesis",)),  # the distinctive sign weighs 2
        (["pain_coming_up", "push_up_with_hands"], ("spondylolisthesis",)),
        # lumbar osteoarthritis
        (["worse_cold", "worse_mornings"], ("lumbar_osteoarthritis",)),
        (["worse_walking_standing", "better_with_rest"], ("lumbar_osteoarthritis",)),
        # sciatica
        (["leg_pain_below_knee"], ("sciatica",)),  # pain past the knee weighs 2
        (["pins_and_needles", "leg_numbness"], ("sciatica",)),
        (["leg_pain", "pins_and_needles"], ("sciatica",)),
        # below the minimum score (2): nothing
        ([], ()),
        (["worse_sitting"], ()),
        (["pain_coming_up"], ()),
        (["worse_cold"], ()),
        (["leg_pain"], ()),
        (["pins_and_needles"], ()),
        # ranked by score ...
        (
            ["leg_pain_below_knee", "pins_and_needles", "worse_sitting"],
            ("sciatica", "disc_herniation"),
        ),
        (
            [
                "worse_sitting",
                "worse_driving",
                "worse_bending_forward",
                "worse_cold",
                "worse_mornings",
            ],
            ("disc_herniation", "lumbar_osteoarthritis"),
        ),
        # ... ties in the fixed order (disc, spondylolisthesis, osteoarthritis, sciatica)
        (["leg_pain", "leg_numbness", "worse_sitting"], ("disc_herniation", "sciatica")),
        (
            ["worse_cold", "worse_mornings", "push_up_with_hands"],
            ("spondylolisthesis", "lumbar_osteoarthritis"),
        ),
        (
            ["worse_cold", "better_with_rest", "pins_and_needles", "leg_numbness"],
            ("lumbar_osteoarthritis", "sciatica"),
        ),
    ],
)
def test_differentials(engine: TriageEngine, clues: list[str], expected: tuple[str, ...]) -> None:
    assessment = engine.assess(with_findings(calm(), **dict.fromkeys(clues, "present")))
    assert assessment.differentials == expected
    assert tuple(r.code for r in assessment.reasons if r.topic == "differential") == expected


@pytest.mark.parametrize("presence", ["absent", "unsure"])
def test_only_present_clues_count(engine: TriageEngine, presence: str) -> None:
    facts = with_findings(calm(), worse_sitting=presence, worse_driving=presence)
    assert engine.assess(facts).differentials == ()


def test_reason_lists_the_clues_in_plain_words(engine: TriageEngine) -> None:
    facts = with_findings(calm(), worse_cold="present", worse_mornings="present")
    reason = next(r for r in engine.assess(facts).reasons if r.topic == "differential")
    assert "worse in cold weather and pain that is worse in the mornings" in reason.text
    assert "osteoarthritis" in reason.text
    assert reason.source == "What else could it be?"
