"""Custom JSON messages from the front desk (docs/contracts.md) as the text a visitor reads.

`staff_reply` becomes "<author>: <text>"; `booking_update` and `handoff_closed` send their
text. Anything else is not shown: a raw JSON dump must never reach a patient.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, TypedDict


class StaffReply(TypedDict):
    kind: str  # "staff_reply"
    text: str
    author: str


class Notice(TypedDict):
    kind: str  # "booking_update" | "handoff_closed"
    text: str


TEXT_KINDS = frozenset({"booking_update", "handoff_closed"})


def custom_message_text(custom: Mapping[str, Any]) -> Optional[str]:
    """The text to send for a custom payload, or None when it is not one we show."""
    kind = custom.get("kind")
    text = custom.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    if kind == "staff_reply":
        author = custom.get("author")
        if isinstance(author, str) and author.strip():
            return f"{author.strip()}: {text.strip()}"
        return text.strip()
    if kind in TEXT_KINDS:
        return text.strip()
    return None
