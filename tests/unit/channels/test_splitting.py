"""Splitting long texts at WhatsApp's (4096) and Twilio's (1600) limits."""

from __future__ import annotations

from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.splitting import TWILIO_WHATSAPP_LIMIT, WHATSAPP_TEXT_LIMIT, split_text


@pytest.mark.parametrize(("case", "text", "limit", "expected"), [
    ("fits", "Hello there.", 20, ["Hello there."]),
    ("exactly the limit", "x" * 20, 20, ["x" * 20]),
    ("empty", "   ", 20, []),
    ("paragraph break preferred", "First paragraph.\n\nSecond one is here.", 30,
     ["First paragraph.", "Second one is here."]),
    ("line break next", "Line one is here\nLine two is here", 20,
     ["Line one is here", "Line two is here"]),
    ("sentence end next", "One sentence here. Another sentence.", 25,
     ["One sentence here.", "Another sentence."]),
    ("question and exclamation marks", "Does it hurt? Yes! It does.", 15,
     ["Does it hurt?", "Yes! It does."]),
    ("word boundary next", "alpha beta gamma delta", 12, ["alpha beta", "gamma delta"]),
    ("a single long word is cut", "x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
    ("an early break does not make a tiny piece",
     "Hi.\n\n" + "word " * 10, 30, ["Hi.\n\nword word word word word", "word word word word word"]),
])
def test_split_text(case: str, text: str, limit: int, expected: List[str]) -> None:
    assert split_text(text, limit) == expected, case


def test_platform_limits() -> None:
    assert WHATSAPP_TEXT_LIMIT == 4096
    assert TWILIO_WHATSAPP_LIMIT == 1600
    long_text = ("This is a sentence about your back. " * 300).strip()
    pieces = split_text(long_text, WHATSAPP_TEXT_LIMIT)
    assert len(pieces) == 3
    assert all(len(p) <= WHATSAPP_TEXT_LIMIT and p.endswith(".") for p in pieces)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab .!?\n")), max_size=400),
       limit=st.integers(min_value=1, max_value=60))
def test_pieces_fit_and_only_whitespace_is_lost(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(1 <= len(p) <= limit for p in pieces)
    assert all(p == p.strip() for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("abc", 0)
