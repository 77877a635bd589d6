"""Records as plain values for templates and JSON: clinic-local times, labels, summary fields.

Everything returned is plain text (the templates escape it; the script sets it as text), so a
visitor's words are never markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from frontdesk.queue import (
    WHATSAPP_CHANNELS,
    channel_label,
    handoff_urgency,
    normalise_urgency,
    reason_label,
    urgency_label,
)
from frontdesk.repository import AuditRecord, BookingRecord, HandoffRecord
from frontdesk.transcript import KIND_LABELS, TranscriptMessage

WHATSAPP_WINDOW = timedelta(hours=24)
HEADLINE_CHARS = 140
_CODE = re.compile(r"^[a-z0-9_]+$")

# The triage summary's structured fields, in reading order (docs/contracts.md).
SUMMARY_FIELDS: Tuple[Tuple[str, str], ...] = (
    ("complaint", "Complaint"),
    ("urgency", "Urgency"),
    ("red_flags", "Red flags"),
    ("pain_score", "Pain (0-10)"),
    ("mechanism", "How it started"),
    ("duration", "Duration"),
    ("limited_activities", "Limited activities"),
    ("movement_tests", "Movement tests"),
    ("findings", "Findings"),
    ("assessment", "Assessment"),
    ("strain_grade", "Strain grade"),
    ("severity", "Severity"),
    ("differentials", "Possible alternatives"),
    ("contact", "Contact"),
)
_FREE_TEXT_FIELDS = frozenset({"complaint", "contact"})

AUDIT_LABELS: Dict[str, str] = {
    "login": "Signed in",
    "login.failed": "Failed sign-in",
    "login.rate_limited": "Sign-in refused (too many failures)",
    "logout": "Signed out",
    "conversation.view": "Viewed conversation",
    "handoff.reply": "Replied to visitor",
    "handoff.reply.failed": "Reply not delivered",
    "handoff.hand_back": "Handed back to assistant",
    "handoff.hand_back.failed": "Hand back failed",
    "booking.confirm": "Confirmed booking",
    "booking.confirm.failed": "Booking confirmation failed",
    "booking.decline": "Declined booking",
    "booking.decline.failed": "Booking decline failed",
}


def local_time(moment: Optional[datetime], tz: ZoneInfo) -> str:
    """`Tue 24 Nov 2026, 14:05` in the clinic's time zone."""
    if moment is None:
        return ""
    return moment.astimezone(tz).strftime("%a %d %b %Y, %H:%M")


def short_time(moment: Optional[datetime], tz: ZoneInfo) -> str:
    """`24 Nov 14:05` in the clinic's time zone."""
    if moment is None:
        return ""
    return moment.astimezone(tz).strftime("%d %b %H:%M")


def waiting_text(since: datetime, now: datetime) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    minutes = seconds // 60
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _humanise(value: str) -> str:
    return value.replace("_", " ") if _CODE.match(value) else value


def value_text(value: Any, humanise: bool = True) -> str:
    """Any JSON value as one line of text; an empty string when there is nothing to show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _humanise(value) if humanise else value
    if isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            text = value_text(item, humanise)
            if text:
                parts.append(f"{_humanise(str(key))}: {text}")
        return "; ".join(parts)
    if isinstance(value, (list, tuple)):
        return ", ".join(t for t in (value_text(v, humanise) for v in value) if t)
    return str(value)


@dataclass(frozen=True)
class SummaryView:
    lines: Tuple[str, ...]
    fields: Tuple[Tuple[str, str], ...]
    red_flags: Tuple[str, ...]


def summary_view(summary: Mapping[str, Any]) -> SummaryView:
    """The summary's `lines` as they are, and its structured fields with labels."""
    raw_lines = summary.get("lines")
    lines = tuple(str(line) for line in raw_lines if isinstance(line, (str, int, float))) \
        if isinstance(raw_lines, list) else ()
    fields: List[Tuple[str, str]] = []
    known = {key for key, _ in SUMMARY_FIELDS} | {"lines"}
    for key, label in SUMMARY_FIELDS:
        if key == "urgency" and summary.get(key) is not None:
            text = urgency_label(summary.get(key))
        else:
            text = value_text(summary.get(key), humanise=key not in _FREE_TEXT_FIELDS)
        if text:
            fields.append((label, text))
    for key in sorted(k for k in summary if isinstance(k, str) and k not in known):
        text = value_text(summary[key])
        if text:
            fields.append((_humanise(key).capitalize(), text))
    flags = summary.get("red_flags")
    red_flags = tuple(value_text(f) for f in flags if value_text(f)) \
        if isinstance(flags, list) else ()
    return SummaryView(lines=lines, fields=tuple(fields), red_flags=red_flags)


def headline(summary: Mapping[str, Any]) -> str:
    complaint = summary.get("complaint")
    text = complaint if isinstance(complaint, str) and complaint.strip() else ""
    if not text:
        lines = summary.get("lines")
        if isinstance(lines, list) and lines and isinstance(lines[0], str):
            text = lines[0]
    text = " ".join(text.split())
    return text if len(text) <= HEADLINE_CHARS else text[:HEADLINE_CHARS - 1] + "\u2026"


def handoff_row(handoff: HandoffRecord, now: datetime, tz: ZoneInfo) -> Dict[str, Any]:
    urgency = handoff_urgency(handoff.urgency, handoff.summary)
    return {
        "id": handoff.id,
        "url": f"/handoffs/{handoff.id}",
        "urgency": urgency,
        "urgency_label": urgency_label(urgency),
        "reason_label": reason_label(handoff.reason),
        "channel": handoff.channel,
        "channel_label": channel_label(handoff.channel),
        "created_at": handoff.created_at.isoformat(),
        "created_local": short_time(handoff.created_at, tz),
        "waiting": waiting_text(handoff.created_at, now),
        "headline": headline(handoff.summary),
    }


def booking_row(booking: BookingRecord, now: datetime, tz: ZoneInfo) -> Dict[str, Any]:
    urgency = normalise_urgency(booking.urgency)
    return {
        "id": booking.id,
        "url": f"/bookings/{booking.id}",
        "reference": booking.reference,
        "urgency": urgency,
        "urgency_label": urgency_label(urgency),
        "channel": booking.channel,
        "channel_label": channel_label(booking.channel),
        "name": booking.name,
        "preferred_local": local_time(booking.preferred_start, tz),
        "preferred_text": booking.preferred_text,
        "created_at": booking.created_at.isoformat(),
        "created_local": short_time(booking.created_at, tz),
        "waiting": waiting_text(booking.created_at, now),
        "status": booking.status,
    }


def message_dict(message: TranscriptMessage, tz: ZoneInfo) -> Dict[str, Any]:
    author = message.author
    if message.role == "staff" and not author:
        author = "Staff"
    return {
        "seq": message.seq,
        "role": message.role,
        "text": message.text,
        "author": author,
        "kind_label": KIND_LABELS.get(message.kind or "", ""),
        "options": list(message.options),
        "time": short_time(message.at, tz),
        "at": message.at.isoformat() if message.at else None,
    }


def messages_after(messages: Sequence[TranscriptMessage], after: int,
                   tz: ZoneInfo) -> List[Dict[str, Any]]:
    return [message_dict(m, tz) for m in messages if m.seq > after]


def whatsapp_window_warning(channel: str, last_inbound: Optional[datetime], now: datetime,
                            tz: ZoneInfo) -> Optional[str]:
    """A warning when WhatsApp will refuse a free-form reply (no visitor message for 24 h)."""
    if channel not in WHATSAPP_CHANNELS:
        return None
    if last_inbound is None:
        return ("This conversation came from WhatsApp, and no message from the visitor is on "
                "record. WhatsApp refuses free-form replies unless the visitor wrote in the last "
                "24 hours, so a reply may not be delivered: consider phoning them.")
    if now - last_inbound <= WHATSAPP_WINDOW:
        return None
    return (f"The visitor last wrote on WhatsApp {waiting_text(last_inbound, now)} ago "
            f"({local_time(last_inbound, tz)}). WhatsApp refuses free-form replies more than "
            "24 hours after the visitor's last message, so a reply may not be delivered: "
            "consider phoning them.")


def audit_row(entry: AuditRecord, tz: ZoneInfo) -> Dict[str, Any]:
    detail = value_text(dict(entry.detail), humanise=True)
    return {
        "id": entry.id,
        "time": local_time(entry.created_at, tz),
        "staff": entry.staff_username or "\u2014",
        "action": entry.action,
        "action_label": AUDIT_LABELS.get(entry.action, entry.action),
        "target": f"{entry.target_type} {entry.target_id}" if entry.target_type else "",
        "target_url": (f"/{entry.target_type}s/{entry.target_id}"
                       if entry.target_type in ("handoff", "booking") and entry.target_id
                       else None),
        "detail": detail,
    }
