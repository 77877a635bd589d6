"""The title shortener: deterministic, within the limit, meaning kept, distinct kept distinct."""

from __future__ import annotations

from typing import List

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from channels.titles import shorten_title, shorten_titles


@pytest.mark.parametrize(("title", "limit", "expected"), [
    ("Check my back", 20, "Check my back"),  # fits: untouched
    ("Talk to a person", 20, "Talk to a person"),
    ("  Book   an  assessment ", 20, "Book an assessment"),  # whitespace only normalised
    ("Exactly twenty chars", 20, "Exactly twenty chars"),
    ("Book (in person) at the clinic", 20, "Book at the clinic"),  # aside dropped
    ("Yes, book the appointment", 20, "Yes, book the appt"),  # lossless abbreviation
    ("Clinic hours and prices", 20, "Clinic hrs & prices"),
    ("Please just call me back now", 20, "Call me back now"),  # fillers, capital kept
    ("I would like to talk to a physiotherapist please", 20, "Talk to physio"),
    ("Tell me more about exercises", 20, "Tell me more about…"),  # cut at a word boundary
    ("Stretches, exercises and advice", 20, "Stretches…"),  # no trailing comma
    ("Supercalifragilisticexpialidocious", 20, "Supercalifragilisti…"),  # one long word
    ("Pain when bending forward", 24, "Pain when bending…"),
    ("Tell me more about exercises", 24, "Tell me more about…"),
])
def test_shorten_title(title: str, limit: int, expected: str) -> None:
    assert shorten_title(title, limit) == expected
    assert len(expected) <= limit


@pytest.mark.parametrize(("titles", "limit", "expected"), [
    (["Pain when bending forward", "Pain when bending backward"], 20,
     ["Pain when… forward", "Pain when… backward"]),
    (["Sharp stabbing pain in lower back", "Sharp stabbing pain in upper back", "Dull ache"], 20,
     ["Sharp… lower back", "Sharp… upper back", "Dull ache"]),
    (["Pain when bending sideways left", "Pain when bending sideways right"], 24,
     ["Pain when bending… left", "Pain when bending… right"]),
    (["Same", "Same"], 20, ["Same…1", "Same…2"]),  # identical titles are numbered
    (["Check my back", "Book an assessment", "Talk to a person"], 20,
     ["Check my back", "Book an assessment", "Talk to a person"]),
])
def test_shorten_titles_keeps_distinct_titles_distinct(titles: List[str], limit: int,
                                                       expected: List[str]) -> None:
    assert shorten_titles(titles, limit) == expected


def test_shortening_is_deterministic() -> None:
    titles = ["It hurts when I bend forward to tie my shoes",
              "It hurts when I bend forward to pick things up", "It hurts all the time"]
    first = shorten_titles(titles, 20)
    assert all(shorten_titles(list(titles), 20) == first for _ in range(5))
    assert len({t.casefold() for t in first}) == 3


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=14)
titles_strategy = st.lists(st.lists(words, min_size=1, max_size=8).map(" ".join),
                           min_size=1, max_size=10, unique_by=str.casefold)


@settings(max_examples=300, deadline=None)
@given(titles=titles_strategy, limit=st.sampled_from([20, 24]))
# Found by hypothesis: the second shortens onto the first, which fits and must stay as it is.
@example(titles=["aaa aaaaaaaaaaa aaa", "a aaa aaaaaaaaaaa aaa"], limit=20)
def test_any_titles_fit_and_stay_distinct(titles: List[str], limit: int) -> None:
    shortened = shorten_titles(titles, limit)
    assert len(shortened) == len(titles)
    assert all(1 <= len(s) <= limit for s in shortened)
    assert len({s.casefold() for s in shortened}) == len(titles)
    assert shortened == shorten_titles(titles, limit)
    for title, short in zip(titles, shortened, strict=True):
        if len(title) <= limit:
            assert short == title  # a title that fits is never changed


def test_limit_too_small_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        shorten_title("abc", 1)
