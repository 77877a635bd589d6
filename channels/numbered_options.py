"""Options as numbered text ("1. Pain\\n2. Tension") and typed replies mapped back to them.

A reply chooses an option when it is the title itself ("tension", "Tension!"), the option's
number ("2", "2.", "2)", "#2") or the number and the title ("2. Tension"); titles are compared
without case, compatibility variants (NFKC), punctuation or extra spaces ("&" reads "and").
Anything else, including single words that merely occur in a title, is passed on as the
visitor's own text: guessing would turn "sure" into "Not sure". When a title is itself a
number (a 0-10 scale) the options are shown as bullets and only titles match, so "7" always
means 7.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional, Sequence

from channels.options import Option

_NUMBER = re.compile(r"^\s*#?\s*(\d{1,3})\s*[.)]?\s*$")
_NUMBER_AND_TITLE = re.compile(r"^\s*#?\s*(\d{1,3})\s*[.):-]?\s+(.+)$", re.DOTALL)
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def render_numbered(text: str, options: Sequence[Option]) -> str:
    if not options:
        return text
    if uses_numbers(options):
        lines = [f"{number}. {option.title}" for number, option in enumerate(options, start=1)]
    else:
        lines = [f"• {option.title}" for option in options]
    body = text.strip()
    return (body + "\n\n" if body else "") + "\n".join(lines)


def uses_numbers(options: Sequence[Option]) -> bool:
    """Numbering is off when a title is itself a number (a 0-10 pain score): "7" means 7."""
    return not any(normalise(option.title).replace(" ", "").isdigit() for option in options)


def match_option(reply: Optional[str], options: Sequence[Option]) -> Optional[Option]:
    """The option `reply` chooses, or None when it is free text."""
    if not reply or not options:
        return None
    wanted = normalise(reply)
    if not wanted:
        return None
    for option in options:
        if wanted in _names(option):
            return option
    if not uses_numbers(options):
        return None
    number = _NUMBER.match(reply)
    if number:
        return _by_number(int(number.group(1)), options)
    both = _NUMBER_AND_TITLE.match(reply)
    if both:
        chosen = _by_number(int(both.group(1)), options)
        if chosen is not None and normalise(both.group(2)) in _names(chosen):
            return chosen
    return None


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    return " ".join(_NOT_WORD.sub(" ", folded).replace("_", " ").split())


def _names(option: Option) -> set:
    names = {normalise(option.title)}
    if option.label:
        names.add(normalise(option.label.replace("…", " ")))
    names.discard("")
    return names


def _by_number(number: int, options: Sequence[Option]) -> Optional[Option]:
    if 1 <= number <= len(options):
        return options[number - 1]
    return None
