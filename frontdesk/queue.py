"""The work queue's order and labels: urgency first (emergency to unknown), then oldest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar

URGENCY_ORDER = ("emergency", "urgent", "routine", "self_care", "unknown")
URGENCY_LABELS: Dict[str, str] = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "routine": "Routine",
    "self_care": "Self-care",
    "unknown": "Unknown",
}
REASON_LABELS: Dict[str, str] = {
    "asked_for_person": "Asked for a person",
    "emergency": "Emergency",
    "urgent": "Urgent",
    "not_understood": "Assistant did not understand",
    "booking_failed": "Booking failed",
}
CHANNEL_LABELS: Dict[str, str] = {
    "socketio": "Website chat",
    "whatsapp": "WhatsApp",
    "twilio_whatsapp": "WhatsApp (Twilio)",
    "rest": "REST API",
}
WHATSAPP_CHANNELS = frozenset({"whatsapp", "twilio_whatsapp"})

T = TypeVar("T")


def normalise_urgency(value: Any) -> str:
    """One of URGENCY_ORDER; anything else (None, a typo, another type) is `unknown`."""
    if isinstance(value, str):
        lowered = value.strip().lower().replace("-", "_").replace(" ", "_")
        if lowered in URGENCY_ORDER:
            return lowered
    return "unknown"


def urgency_rank(value: Any) -> int:
    return URGENCY_ORDER.index(normalise_urgency(value))


def handoff_urgency(urgency: Optional[str], summary: Mapping[str, Any]) -> str:
    """The handoff's own urgency, else the one in its triage summary."""
    if urgency:
        return normalise_urgency(urgency)
    return normalise_urgency(summary.get("urgency"))


def by_urgency_then_age(items: Sequence[T], urgency: Callable[[T], Any],
                        created_at: Callable[[T], datetime],
                        key: Callable[[T], str] = lambda item: "") -> List[T]:
    """Most urgent first; within one urgency, the longest-waiting first; `key` breaks ties."""
    return sorted(items, key=lambda item: (urgency_rank(urgency(item)), created_at(item),
                                           key(item)))


def urgency_label(value: Any) -> str:
    return URGENCY_LABELS[normalise_urgency(value)]


def reason_label(reason: Optional[str]) -> str:
    if not reason:
        return "Not given"
    return REASON_LABELS.get(reason, reason.replace("_", " ").capitalize())


def channel_label(channel: Optional[str]) -> str:
    if not channel:
        return "Unknown channel"
    return CHANNEL_LABELS.get(channel, channel)
