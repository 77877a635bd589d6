"""The scripted conversations both bots are measured with (pure data and helpers).

Each script is one visitor's conversation, about ten turns, sent one turn after the other. The
assistant's scripts walk the guided assessment (every turn of it calls the action server: the
per-turn triage, the form's validation and its next question), with FAQ digressions; the stock
bot's scripts use the `rasa init` domain (greet, mood, affirm/deny, bot challenge, goodbye).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator, List, Sequence, Tuple


@dataclass(frozen=True)
class Turn:
    text: str
    expect_reply: bool = True  # an empty reply to this turn counts as an error


@dataclass(frozen=True)
class Script:
    name: str
    turns: Tuple[Turn, ...]

    def __len__(self) -> int:
        return len(self.turns)


def script(name: str, *texts: str) -> Script:
    return Script(name, tuple(Turn(text) for text in texts))


def inform(entity: str, value: str) -> str:
    """A button payload the widget sends, e.g. /describe_pain{"mechanism": "lifting"}."""
    return f'/describe_pain{{"{entity}": "{value}"}}'


def movement_result(value: str) -> str:
    return f'/describe_pain{{"test_result": "{value}"}}'


ASSISTANT_SCRIPTS: Tuple[Script, ...] = (
    script(
        "assessment after lifting, a question mid-test",
        "hi",
        "my back locked up when I picked up my son",  # the mechanism is understood here
        "no",
        "none of these",
        inform("activity", "bending"),
        "about a 6",
        movement_result("pain"),
        "should I use heat?",
        "/skip_test",
        "thanks",
        "bye",
    ),
    script(
        "questions about the article and the clinic",
        "hello",
        "what is a spasm?",
        "do I need an MRI?",
        "should I use heat?",
        "how long does it take to heal?",
        "what should I avoid doing?",
        "are you a bot?",
        "what are your opening hours?",
        "thanks",
        "bye",
    ),
    script(
        "check my back, free-text and button answers, tests skipped",
        "/check_my_back",
        "my lower back has been in spasm since yesterday",
        "no",
        "none of these",
        inform("mechanism", "lifting"),
        "bending",
        inform("activity", "sitting"),
        "7",
        "/skip_test",
        "what is a spasm?",
        "bye",
    ),
)

# The stock bot answers "no" only right after its "Did that help you?" (its stories), so the one
# denial comes where its stories put it; every other turn gets an answer anywhere.
STOCK_SCRIPTS: Tuple[Script, ...] = (
    script("sad, not cheered up, then happy", "hello there", "I am sad", "no", "hey", "great",
           "are you a bot?", "hi", "very bad", "yes", "bye"),
    script("happy, then sad", "hi", "I am feeling very good", "are you a human?", "hello",
           "unhappy", "yes that helped", "good morning", "not good", "indeed", "goodbye"),
    script("bot challenge first", "am I talking to a bot?", "hey", "perfect", "hi", "sad",
           "indeed", "hello", "I'm great", "are you a bot?", "see you later"),
)

SCRIPTS = {"assistant": ASSISTANT_SCRIPTS, "stock": STOCK_SCRIPTS}


def cycle(scripts: Sequence[Script], count: int) -> List[Script]:
    """`count` conversations, going round the scripts in order."""
    if not scripts:
        raise ValueError("no scripts")
    return list(itertools.islice(itertools.cycle(scripts), count))


def for_messages(scripts: Sequence[Script], min_messages: int) -> List[Script]:
    """Whole conversations, going round the scripts, until at least `min_messages` turns."""
    chosen: List[Script] = []
    total = 0
    source: Iterator[Script] = itertools.cycle(scripts)
    while total < min_messages:
        next_script = next(source)
        chosen.append(next_script)
        total += len(next_script)
    return chosen


def cold_start_order(scripts: Sequence[Script], visitors: int = 10) -> List[Script]:
    """The first `visitors` conversations after start: going round the scripts, except that the
    last one repeats the first script so their first answers compare like with like."""
    if visitors < 2:
        raise ValueError("compare at least two visitors")
    order = cycle(scripts, visitors)
    order[-1] = order[0]
    return order


def total_turns(scripts: Sequence[Script]) -> int:
    return sum(len(s) for s in scripts)
