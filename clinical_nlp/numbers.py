"""Pain-score normalisation: matched text -> "0".."10".

The ``pain_score`` patterns find candidate phrases ("7/10", "a seven", "pain is about 8",
"it's a 7-8 out of 10"); this module turns the text into the value and rejects numbers that are
not scores ("about 8 boxes", "a 2 year old", "pain for 15 years").

Rules:

* an explicit scale ("/10", "out of 10", "over 10") fixes the denominator; the numerator is the
  score, clamped to 0..10 ("11/10" -> "10");
* a range ("7-8", "7 or 8", "between 6 and 7") scores the higher number, so triage never
  under-estimates;
* halves round up ("6.5" -> "7", South African "6,5" too);
* without a scale, a number above 10 is not a score, and the word after the number must not be
  a unit or a noun ("about 8 days", "a 3 bedroom house" are rejected).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import List, Optional

from spacy.tokens import Span

WORD_VALUES = {
    "zero": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    # common slips
    "sevn": 7, "sevin": 7, "eigth": 8, "eigt": 8, "nien": 9, "fiv": 5,
}  # fmt: skip

# Words that may follow a score given without an explicit scale ("pain is 7 when I sit").
FOLLOWERS_OK = frozenset(
    [
        "out", "over", "on", "at", "now", "today", "tonight", "currently", "right", "when", "while",
        "whilst", "if", "and", "or", "but", "so", "because", "cause", "coz", "cos", "maybe",
        "probably", "perhaps", "i", "it", "its", "the", "to", "ish", "sometimes", "most", "mostly",
        "usually", "then", "after", "before", "with", "without", "though", "tho", "atm", "lately",
        "recently", "please", "thanks", "thank", "ok", "okay", "yes", "no", "even", "easily",
        "plus",
        "max", "maximum", "minimum", "min", "is", "would", "id", "my", "this", "these", "times",
        "really", "honestly",
    ]
)
# Punctuation that must not follow a bare score ("7%", "7/").
_BAD_PUNCT = frozenset({"%", "/", "x", "*", ":", "°"})

_NUMBER = r"\d{1,3}(?:[.,]\d)?"
_WORDS = "|".join(sorted(WORD_VALUES, key=len, reverse=True))
_SCALE = re.compile(
    rf"(?P<num>{_NUMBER}|{_WORDS})\s*(?:out|outta|outa|ot|oit|our)?\s*(?:of|off|if)?\s*"
    rf"(?:/|over|of|off|if|out|outta|outa)\s*(?:10|ten)\b"
)
_SCALE_SIMPLE = re.compile(rf"(?P<num>{_NUMBER}|{_WORDS})\s*/\s*(?:10|ten)\b")
_HAS_SCALE = re.compile(
    r"(?:/\s*(?:10|ten)\b|\b(?:of|off|if|over|outta|outa)\s*(?:10|ten)\b|scale)"
)
_ANY_NUMBER = re.compile(rf"(?<![\w.,])(?:{_NUMBER}|{_WORDS})(?![\w])")
_NUMOUT = re.compile(rf"(?<![\w.,])(?P<num>{_NUMBER})out\b")


def _to_float(token: str) -> Optional[float]:
    token = token.strip().lower().lstrip("~")
    if token.endswith("ish"):
        token = token[:-3]
    if token in WORD_VALUES:
        return float(WORD_VALUES[token])
    try:
        return float(token.replace(",", "."))
    except ValueError:
        return None


def _round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def has_explicit_scale(text: str) -> bool:
    """True for "7/10", "7 out of 10", "8 over ten", "6 on the pain scale"."""
    return bool(_HAS_SCALE.search(text.lower()))


def normalise_pain_score(text: str) -> Optional[str]:
    """Turns a matched pain-score phrase into "0".."10", or ``None`` if it holds no score."""
    lowered = " ".join(text.lower().replace("~", " ").split())
    lowered = re.sub(r"(\d)ish\b", r"\1", lowered)
    scaled = has_explicit_scale(lowered)
    numerators: List[float] = []

    def take_numerator(match: re.Match[str]) -> str:
        value = _to_float(match.group("num"))
        if value is not None:
            numerators.append(value)
        return " "

    # explicit "N/10", "N out of 10", "Nout of 10": keep N, drop the denominator
    rest = _SCALE_SIMPLE.sub(take_numerator, lowered)
    rest = _SCALE.sub(take_numerator, rest)
    rest = _NUMOUT.sub(take_numerator, rest)
    # "7/8" (a range written with a slash)
    rest = re.sub(r"(\d{1,2})/(\d{1,2})", r"\1 \2", rest)
    for match in _ANY_NUMBER.finditer(rest):
        value = _to_float(match.group(0))
        if value is not None:
            numerators.append(value)
    if not numerators:
        return None
    value = max(numerators)
    if math.isnan(value) or value < 0:
        return None
    if value > 10:
        if not scaled:
            return None
        value = 10
    return str(_round_half_up(value))


def is_plausible_pain_score(span: Span) -> bool:
    """Rejects contextual matches whose number is a count or a measure ("about 8 days")."""
    if normalise_pain_score(span.text) is None:
        return False
    if has_explicit_scale(span.text):
        return True
    doc = span.doc
    following = doc[span.end] if span.end < len(doc) else None
    if following is None or following.is_space:
        return True
    if following.is_punct:
        return following.text not in _BAD_PUNCT
    return following.lower_ in FOLLOWERS_OK or following.norm_ in FOLLOWERS_OK
