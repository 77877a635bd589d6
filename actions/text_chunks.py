"""Splitting long content into chat bubbles a phone screen can show."""

from __future__ import annotations

from typing import Iterable, List

BUBBLE_LIMIT = 600


def bullet_messages(title: str, items: Iterable[str], limit: int = BUBBLE_LIMIT) -> List[str]:
    """`title` and bullet lines, packed into as few bubbles of at most `limit` characters."""
    bubbles: List[str] = []
    current = title
    for item in items:
        line = f"• {item}"
        if len(current) + 1 + len(line) > limit and current != title:
            bubbles.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    if current != title:
        bubbles.append(current)
    return bubbles
