"""Pain scores: "0".."10" from the many ways visitors write them; never from other numbers."""

from __future__ import annotations

from typing import Callable, List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinical_nlp import Mention, normalise_pain_score


def scores(found: List[Mention]) -> List[str]:
    return [m.value for m in found if m.entity == "pain_score"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7/10", "7"),
        ("it's a 7 out of 10", "7"),
        ("pain is about eight", "8"),
        ("about 8", "8"),
        ("a seven", "7"),
        ("I'd say a seven", "7"),
        ("pain is 6", "6"),
        ("pain is 6 when I sit", "6"),
        ("score of 9", "9"),
        ("10/10", "10"),
        ("0/10", "0"),
        ("honestly 11/10", "10"),
        ("it's 7-8", "8"),
        ("7 or 8 out of 10", "8"),
        ("between 6 and 7", "7"),
        ("6.5/10", "7"),
        ("pain level 4", "4"),
        ("I would give it a 3", "3"),
        ("my pain is at a 5 today", "5"),
        ("8 over 10", "8"),
        ("its like a 9", "9"),
        ("rate it 2", "2"),
        ("PAIN IS 7/10", "7"),
        ("ten out of ten", "10"),
        ("pain 7/10 for 3 weeks", "7"),
    ],
)
def test_pain_score_values(mentions: Callable[[str], List[Mention]], text: str, value: str) -> None:
    assert scores(mentions(text)) == [value]


@pytest.mark.parametrize(
    "text",
    [
        "2 days",
        "pain for 2 days",
        "L5",
        "L4/L5 disc",
        "my L5 is the problem",
        "3 kids",
        "I have 3 kids",
        "age 45",
        "I'm 45",
        "about 8 boxes",
        "a 2 year old",
        "it's a 3 bedroom house",
        "pain is 15 years old",
        "on 5/10 I fell",
        "since 5/10",
        "I lost 5 kg",
        "at 7 o'clock",
        "it's 7am",
        "twice a day",
        "no",
        "pain",
        "a 7%",
    ],
)
def test_numbers_that_are_not_pain_scores(
    mentions: Callable[[str], List[Mention]], text: str
) -> None:
    assert scores(mentions(text)) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7/10", "7"),
        ("7 out of 10", "7"),
        ("a seven", "7"),
        ("about 8", "8"),
        ("pain is 6", "6"),
        ("score of 9", "9"),
        ("10/10", "10"),
        ("11/10", "10"),
        ("7.5/10", "8"),
        ("6,5", "7"),
        ("7-8", "8"),
        ("~7", "7"),
        ("7ish", "7"),
        ("eight over ten", "8"),
        ("pain is 15", None),
        ("no number", None),
    ],
)
def test_normaliser(text: str, value: Optional[str]) -> None:
    assert normalise_pain_score(text) == value


@given(st.integers(min_value=0, max_value=10))
def test_every_score_round_trips_through_each_form(score: int) -> None:
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    for text in (f"{score}/10", f"{score} out of 10", f"pain is {score}", f"a {words[score]}"):
        assert normalise_pain_score(text) == str(score)


@given(st.text(max_size=40))
def test_normaliser_returns_a_valid_score_or_none(text: str) -> None:
    value = normalise_pain_score(text)
    assert value is None or value in {str(n) for n in range(11)}
