"""Turning a visitor's free-text answer into a value the triage engine accepts."""

from __future__ import annotations

import re
from typing import Any, Optional

_WORDS = {
    "zero": 0, "nil": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_NUMBER = re.compile(r"(?<![\d.])(\d{1,2}(?:[.,]\d)?)(?![\d])")


def parse_pain_score(value: Any) -> Optional[int]:
    """A 0-10 pain score from `7`, `7.0`, "7", "7/10", "about a seven", "6.5"; else None.

    Half points round up (a visitor torn between 6 and 7 is nearer 7 for safety).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().lower()
        match = _NUMBER.search(text)
        if match:
            number = float(match.group(1).replace(",", "."))
        else:
            words = [_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in _WORDS]
            if len(words) != 1:
                return None
            number = float(words[0])
    if not 0 <= number <= 10:
        return None
    return int(number + 0.5)
