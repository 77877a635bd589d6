"""Shortening option titles to WhatsApp's limits (20 characters for a reply button, 24 for a
list row) deterministically, keeping as much meaning as possible, and keeping distinct titles
distinct.

Steps, each applied only while the title is still too long:
1. drop parenthetical asides: "Book (in person)" -> "Book";
2. lossless abbreviations: "and" -> "&", "appointment" -> "appt", ...;
3. drop a polite preamble ("I would like to ...") and filler words ("please", "just", "a",
   "an", "the"), keeping at least one word;
4. cut at a word boundary and end with "…".
If two titles end up alike, each is rebuilt as "<head>… <where they differ>" ("Pain when…
forward" / "Pain when… backward"); if that is not enough (identical titles), a number is
appended ("…2"). Lengths count Unicode characters.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

ELLIPSIS = "…"
ABBREVIATIONS: Dict[str, str] = {
    "and": "&",
    "appointment": "appt",
    "appointments": "appts",
    "approximately": "approx.",
    "information": "info",
    "physiotherapist": "physio",
    "physiotherapists": "physios",
    "physiotherapy": "physio",
    "telephone": "phone",
    "minutes": "min",
    "minute": "min",
    "hours": "hrs",
    "hour": "hr",
    "number": "no.",
    "without": "w/o",
    "with": "w/",
}
FILLER_WORDS = frozenset({"please", "just", "a", "an", "the"})
LEADING_PHRASES = ("i would like to", "i'd like to", "i want to", "i would like", "i'd like",
                   "can you", "could you", "can i", "could i")
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)")
_TRAILING_PUNCTUATION = ",;:-/&\u2013\u2014"  # and the en and em dashes


def shorten_title(title: str, limit: int) -> str:
    """One title, on its own (see `shorten_titles` for a set that must stay distinct)."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    words = _reduced_words(title, limit)
    text = " ".join(words)
    if len(text) <= limit:
        return text
    return _cut(words, limit)


def shorten_titles(titles: Sequence[str], limit: int) -> List[str]:
    """Every title within `limit`; titles that differ (ignoring case) stay different."""
    results = [shorten_title(title, limit) for title in titles]
    colliding = _collisions(results)
    if not colliding:
        return results
    first = list(results)
    # A title that fits is never changed: only the shortened ones give way.
    fits = [len(" ".join(title.split())) <= limit for title in titles]
    reduced = [_reduced_words(title, limit) for title in titles]
    for index in colliding:
        if fits[index]:
            continue
        others = [reduced[i] for i in colliding
                  if i != index and _key(first[i]) == _key(first[index])]
        taken = {_key(r) for i, r in enumerate(results) if i != index}
        rebuilt = _keep_difference(reduced[index], others, limit, taken)
        if rebuilt is not None:
            results[index] = rebuilt
    groups: Dict[str, List[int]] = {}
    for index in _collisions(results):
        groups.setdefault(_key(results[index]), []).append(index)
    for indexes in groups.values():
        kept = [index for index in indexes if fits[index]]
        # Identical titles (more than one that fits) are all numbered; otherwise the one
        # that fits stays as it is.
        renamed = indexes if len(kept) > 1 else [i for i in indexes if not fits[i]]
        for number, index in enumerate(renamed, start=1):
            results[index] = _numbered(results[index], number, limit)
    return results


def _reduced_words(title: str, limit: int) -> List[str]:
    text = " ".join(title.split())
    if len(text) <= limit:
        return text.split(" ") if text else []
    without_asides = " ".join(_PARENTHETICAL.sub("", text).split())
    if without_asides:
        text = without_asides
    words = text.split(" ")
    if len(text) > limit:
        words = [_abbreviate(word) for word in words]
    if len(" ".join(words)) > limit:
        words = _without_leading_phrase(words)
    if len(" ".join(words)) > limit:
        kept = [w for w in words if w.casefold() not in FILLER_WORDS]
        if kept and kept[0] is not words[0] and words[0][:1].isupper():
            kept[0] = kept[0][:1].upper() + kept[0][1:]
        words = kept or words[:1]
    return words


def _without_leading_phrase(words: List[str]) -> List[str]:
    lowered = " ".join(words).casefold()
    for phrase in LEADING_PHRASES:
        size = len(phrase.split(" "))
        if lowered.startswith(phrase + " ") and len(words) > size:
            rest = list(words[size:])
            if words[0][:1].isupper():
                rest[0] = rest[0][:1].upper() + rest[0][1:]
            return rest
    return words


def _abbreviate(word: str) -> str:
    core = word.rstrip(".,;:!?")
    tail = word[len(core):]
    short = ABBREVIATIONS.get(core.casefold())
    if short is None:
        return word
    if core[:1].isupper() and short[:1].isalpha():
        short = short[:1].upper() + short[1:]
    return short + tail


def _cut(words: Sequence[str], limit: int) -> str:
    kept: List[str] = []
    for word in words:
        candidate = " ".join([*kept, word])
        if len(candidate.rstrip(_TRAILING_PUNCTUATION + " ")) + 1 > limit:
            break
        kept.append(word)
    if not kept:
        return words[0][: limit - 1] + ELLIPSIS
    return " ".join(kept).rstrip(_TRAILING_PUNCTUATION + " ") + ELLIPSIS


def _keep_difference(words: Sequence[str], others: Sequence[Sequence[str]], limit: int,
                     taken: set) -> Optional[str]:
    """"<head>… <where it differs>": the differing words whole, then as much head as fits.

    Preference: the whole tail with the longest head; then the tail cut after its first
    (differing) word with the longest head; then the tail alone. None if nothing distinct fits.
    """
    keys = [w.casefold() for w in words]
    start = max((_common_prefix(keys, [w.casefold() for w in other]) for other in others),
                default=0)
    if start == 0 or start >= len(words):
        return None
    tail_words = list(words[start:])
    tails = [" ".join(tail_words)]
    for size in range(len(tail_words) - 1, 0, -1):
        tails.append(" ".join(tail_words[:size]).rstrip(_TRAILING_PUNCTUATION + " ") + ELLIPSIS)
    for tail in tails:
        for head_size in range(start, 0, -1):
            head = " ".join(words[:head_size]).rstrip(_TRAILING_PUNCTUATION + " ")
            candidate = f"{head}{ELLIPSIS} {tail}"
            if len(candidate) <= limit and _key(candidate) not in taken:
                return candidate
    for tail in tails:
        candidate = ELLIPSIS + tail
        if len(candidate) <= limit and _key(candidate) not in taken:
            return candidate
    return None


def _common_prefix(left: Sequence[str], right: Sequence[str]) -> int:
    size = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        size += 1
    return size


def _numbered(text: str, number: int, limit: int) -> str:
    suffix = f"{ELLIPSIS}{number}"
    base = text.rstrip(ELLIPSIS)
    return base[: limit - len(suffix)].rstrip(_TRAILING_PUNCTUATION + " ") + suffix


def _collisions(results: Sequence[str]) -> List[int]:
    """Indexes whose result equals another's (ignoring case)."""
    by_key: Dict[str, List[int]] = {}
    for index, result in enumerate(results):
        by_key.setdefault(_key(result), []).append(index)
    colliding: List[int] = []
    for indexes in by_key.values():
        if len(indexes) > 1:
            colliding.extend(indexes)
    return sorted(colliding)


def _key(text: str) -> str:
    return text.casefold()
