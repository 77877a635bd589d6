"""A Rasa tracker's events as a transcript: who said what, when.

Pure functions over the tracker JSON of Rasa's HTTP API. Visitor messages are `user` events;
bot events are the assistant's, unless they carry a staff message in `data.custom`
(docs/contracts.md). Handing over and back (`pause`, `resume`) appear as notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, List, Mapping, Optional, Sequence, Tuple

STAFF_KINDS = frozenset({"staff_reply", "booking_update", "handoff_closed"})
KIND_LABELS = {
    "staff_reply": "",
    "booking_update": "Booking update",
    "handoff_closed": "Handed back",
}


@dataclass(frozen=True)
class TranscriptMessage:
    seq: int
    role: str  # visitor | assistant | staff | notice
    text: str
    at: Optional[datetime]
    author: Optional[str] = None
    kind: Optional[str] = None
    options: Tuple[str, ...] = ()
    channel: Optional[str] = None


def _timestamp(event: Mapping[str, Any]) -> Optional[datetime]:
    value = event.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _options(data: Mapping[str, Any]) -> Tuple[str, ...]:
    buttons = data.get("buttons")
    if not isinstance(buttons, list):
        return ()
    titles = (_text(_mapping(b).get("title")) for b in buttons)
    return tuple(t for t in titles if t)


def _bot_message(event: Mapping[str, Any]) -> Optional[Tuple[str, str, Optional[str],
                                                              Optional[str], Tuple[str, ...]]]:
    data = _mapping(event.get("data"))
    custom = _mapping(data.get("custom"))
    kind = custom.get("kind")
    if isinstance(kind, str) and kind in STAFF_KINDS:
        author = _text(custom.get("author")) or None
        return "staff", _text(custom.get("text")), author, kind, ()
    if _mapping(event.get("metadata")).get("from_staff") is True:
        return "staff", _text(event.get("text")) or _text(custom.get("text")), None, None, ()
    text = _text(event.get("text"))
    if not text and custom:
        text = _text(custom.get("text")) or "[message with rich content]"
    if not text and data.get("image"):
        text = "[picture]"
    options = _options(data)
    if not text and not options:
        return None
    return "assistant", text, None, None, options


def transcript(events: Sequence[Any]) -> List[TranscriptMessage]:
    """The messages and hand-over notices in `events`, numbered in order from 0."""
    messages: List[TranscriptMessage] = []

    def add(role: str, text: str, event: Mapping[str, Any], **extra: Any) -> None:
        messages.append(TranscriptMessage(seq=len(messages), role=role, text=text,
                                          at=_timestamp(event), **extra))

    for raw in events:
        event = _mapping(raw)
        name = event.get("event")
        if name == "user":
            channel = event.get("input_channel")
            add("visitor", _text(event.get("text")), event,
                channel=channel if isinstance(channel, str) else None)
        elif name == "bot":
            bot = _bot_message(event)
            if bot is not None:
                role, text, author, kind, options = bot
                add(role, text, event, author=author, kind=kind, options=options)
        elif name == "pause":
            add("notice", "Conversation handed to staff", event)
        elif name == "resume":
            add("notice", "Conversation handed back to the assistant", event)
    return messages


def last_visitor_message_at(events: Sequence[Any]) -> Optional[datetime]:
    """When the visitor last wrote (the latest `user` event), if ever."""
    for raw in reversed(events):
        event = _mapping(raw)
        if event.get("event") == "user":
            return _timestamp(event)
    return None


def tracker_events(tracker: Mapping[str, Any]) -> List[Any]:
    events = tracker.get("events")
    return list(events) if isinstance(events, list) else []
