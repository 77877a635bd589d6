from __future__ import annotations

import json
import statistics

import pytest

from bench.conversations import (
    ASSISTANT_SCRIPTS,
    SCRIPTS,
    STOCK_SCRIPTS,
    Script,
    cold_start_order,
    cycle,
    for_messages,
    script,
    total_turns,
)

A, B, C = script("a", "1", "2"), script("b", "1", "2", "3"), script("c", "1")


def texts(scripts: tuple) -> list:
    return [turn.text for s in scripts for turn in s.turns]


@pytest.mark.parametrize("name", ["assistant", "stock"])
def test_every_conversation_has_about_ten_turns(name: str) -> None:
    for conversation in SCRIPTS[name]:
        assert 9 <= len(conversation) <= 12, conversation.name


def test_both_bots_have_similar_conversation_lengths() -> None:
    ours = statistics.mean(len(s) for s in ASSISTANT_SCRIPTS)
    theirs = statistics.mean(len(s) for s in STOCK_SCRIPTS)
    assert abs(ours - theirs) <= 1.5


def test_the_assistant_scripts_are_realistic_for_this_clinic() -> None:
    said = texts(ASSISTANT_SCRIPTS)
    assert "my back locked up when I picked up my son" in said  # a description of back pain
    assert {"no", "none of these"} <= set(said)  # answers to the red-flag screens
    assert any(t.startswith("/describe_pain{") for t in said)  # button payloads of the form
    assert any(t.startswith("/describe_pain{") for t in said)
    assert "/skip_test" in said
    assert {"should I use heat?", "do I need an MRI?", "what is a spasm?"} <= set(said)
    assert "thanks" in said and "bye" in said


def test_button_payloads_carry_valid_json() -> None:
    for text in texts(ASSISTANT_SCRIPTS):
        if text.startswith("/") and "{" in text:
            entities = json.loads(text[text.index("{"):])
            assert isinstance(entities, dict) and entities


def test_the_stock_scripts_stay_in_the_rasa_init_domain() -> None:
    said = " ".join(texts(STOCK_SCRIPTS)).lower()
    for word in ["hello", "sad", "great", "bot", "yes", "no", "bye"]:
        assert word in said


def test_cycle_goes_round_the_scripts() -> None:
    assert [s.name for s in cycle([A, B, C], 5)] == ["a", "b", "c", "a", "b"]
    with pytest.raises(ValueError):
        cycle([], 1)


def test_for_messages_sends_whole_conversations_until_enough_turns() -> None:
    chosen = for_messages([A, B, C], 6)
    assert [s.name for s in chosen] == ["a", "b", "c"]
    assert total_turns(chosen) == 6
    assert total_turns(for_messages([A, B, C], 7)) == 8  # never a partial conversation


def test_the_first_and_tenth_visitor_start_the_same_way() -> None:
    order = cold_start_order([A, B, C], 10)
    assert len(order) == 10
    assert order[0] == order[9] == A
    assert order[1] == B
    with pytest.raises(ValueError):
        cold_start_order([A], 1)


def test_a_script_counts_its_turns() -> None:
    assert len(Script("x", ())) == 0
    assert len(B) == 3 and all(turn.expect_reply for turn in B.turns)
