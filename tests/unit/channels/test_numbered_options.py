"""Numbered options for Twilio (and for 11+ options on the Cloud API), and typed replies
mapped back to payloads."""

from __future__ import annotations

from typing import List, Optional

import pytest

from channels.numbered_options import match_option, render_numbered, uses_numbers
from channels.options import Option, options_from_json, options_to_json, split_buttons

OPTIONS = [Option("Pain", "/pain"), Option("Tension", "/tension"),
           Option("Not sure", "/unsure"), Option("Pins & needles", "/describe_pain{\"x\":1}")]


def test_render_numbered() -> None:
    assert render_numbered("What do you feel?", OPTIONS[:2]) == (
        "What do you feel?\n\n1. Pain\n2. Tension")
    assert render_numbered("", OPTIONS[:1]) == "1. Pain"
    assert render_numbered("Just text", []) == "Just text"


@pytest.mark.parametrize(("reply", "payload"), [
    ("1", "/pain"), ("2", "/tension"), ("3", "/unsure"), ("4", "/describe_pain{\"x\":1}"),
    (" 2 ", "/tension"), ("2.", "/tension"), ("2)", "/tension"), ("#2", "/tension"),
    ("tension", "/tension"), ("TENSION", "/tension"), ("Tension!", "/tension"),
    ("  not   sure ", "/unsure"), ("pins & needles", "/describe_pain{\"x\":1}"),
    ("pins and needles", "/describe_pain{\"x\":1}"),
    ("2. Tension", "/tension"), ("2 tension", "/tension"),
    ("0", None), ("5", None), ("12", None),  # out of range: the visitor's own text
    ("1. Tension", None),  # number and title disagree: not guessed
    ("sure", None),  # a word from a title is not a choice ("sure" is not "Not sure")
    ("pain is bad today", None), ("", None), ("!!!", None),
])
def test_match_option(reply: str, payload: Optional[str]) -> None:
    chosen = match_option(reply, OPTIONS)
    assert (chosen.payload if chosen else None) == payload


def test_match_option_without_an_offer() -> None:
    assert match_option("1", []) is None
    assert match_option(None, OPTIONS) is None


def test_shortened_label_matches_too() -> None:
    options = [Option("I would like to talk to a physiotherapist please", "/human",
                      label="Talk to physio")]
    assert match_option("talk to physio", options) == options[0]


def test_numeric_titles_are_bullets_and_match_by_value() -> None:
    scale = [Option(str(n), f"/score{{\"pain_score\": {n}}}") for n in range(11)]
    assert not uses_numbers(scale)
    rendered = render_numbered("How bad is it, 0-10?", scale)
    assert rendered.splitlines()[2:4] == ["• 0", "• 1"]
    chosen = match_option("7", scale)
    assert chosen is not None and chosen.title == "7"  # 7 means 7, not the 7th option
    assert match_option("11", scale) is None


@pytest.mark.parametrize(("buttons", "options", "links"), [
    ([{"title": "Pain", "payload": "/pain"}], [Option("Pain", "/pain")], []),
    ([{"title": " Two  words ", "payload": " /x "}], [Option("Two words", "/x")], []),
    ([{"title": "No payload"}], [Option("No payload", "No payload")], []),
    ([{"payload": "/only_payload"}], [Option("/only_payload", "/only_payload")], []),
    ([{"title": "Site", "url": "https://clinic.example", "type": "web_url"}], [],
     [("Site", "https://clinic.example")]),
    ([{}, "junk", {"title": ""}], [], []),
])
def test_split_buttons(buttons: list, options: List[Option], links: list) -> None:
    got_options, got_links = split_buttons(buttons)
    assert got_options == options
    assert [(link.title, link.url) for link in got_links] == links


def test_options_round_trip_through_json() -> None:
    options = [Option("Pain", "/pain"), Option("A long title here", "/x", label="A long…")]
    stored = options_to_json(options)
    assert stored == [{"title": "Pain", "payload": "/pain"},
                      {"title": "A long title here", "payload": "/x", "label": "A long…"}]
    assert options_from_json(stored) == options


@pytest.mark.parametrize("garbage", [None, "x", 3, {"title": "a"}, [1, "a", {"title": 1}]])
def test_unreadable_stored_options_are_no_options(garbage: object) -> None:
    assert options_from_json(garbage) == []
