"""Splitting a long text into messages that fit a platform's limit.

A piece ends at the last paragraph break before the limit, else the last line break, else the
last sentence end, else the last space, taking the first of these that leaves the piece at
least half full (so a break near the start does not produce a tiny message). Only a single
word longer than the limit is cut mid-word. Pieces are stripped; nothing but whitespace is
lost.
"""

from __future__ import annotations

import re
from typing import List

WHATSAPP_TEXT_LIMIT = 4096  # Cloud API text message body
TWILIO_WHATSAPP_LIMIT = 1600  # Twilio Messages API Body
INTERACTIVE_BODY_LIMIT = 1024  # Cloud API interactive message body

_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*\s")


def split_text(text: str, limit: int) -> List[str]:
    if limit < 1:
        raise ValueError("limit must be positive")
    remaining = text.strip()
    pieces: List[str] = []
    while len(remaining) > limit:
        cut = _cut_point(remaining, limit)
        piece = remaining[:cut].rstrip()
        if piece:
            pieces.append(piece)
        remaining = remaining[cut:].lstrip()
    if remaining:
        pieces.append(remaining)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    """Where to end the next piece: the strongest boundary in the second half of the window,
    else the latest boundary of any kind, else the limit itself."""
    window = text[: limit + 1]  # a boundary right after the limit still leaves a full piece
    candidates = [
        window.rfind("\n\n"),
        window.rfind("\n"),
        max((m.end() for m in _SENTENCE_END.finditer(window) if m.end() - 1 <= limit),
            default=-1),
        max(window.rfind(" "), window.rfind("\t")),
    ]
    for position in candidates:
        if position >= limit // 2:
            return position
    latest = max(candidates)
    return latest if latest > 0 else limit
