"""The queue's order, the transcript built from tracker events, and what the pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.app import make_templates
from frontdesk.presenters import (
    summary_view,
    waiting_text,
    whatsapp_window_warning,
)
from frontdesk.queue import by_urgency_then_age, handoff_urgency, normalise_urgency
from frontdesk.transcript import last_visitor_message_at, transcript

T0 = datetime(2030, 1, 1, 8, 0, tzinfo=timezone.utc)
TZ = ZoneInfo("Africa/Johannesburg")


@dataclass(frozen=True)
class Item:
    name: str
    urgency: Optional[str]
    minutes_ago: int

    @property
    def created_at(self) -> datetime:
        return T0 - timedelta(minutes=self.minutes_ago)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([Item("r", "routine", 50), Item("e", "emergency", 1), Item("u", "urgent", 5)],
         ["e", "u", "r"]),
        # same urgency: the longest waiting first
        ([Item("new", "urgent", 1), Item("old", "urgent", 90), Item("mid", "urgent", 30)],
         ["old", "mid", "new"]),
        # urgency beats age
        ([Item("old routine", "routine", 600), Item("new emergency", "emergency", 0)],
         ["new emergency", "old routine"]),
        # the full scale, and unknown / missing / misspelt values last
        ([Item("none", None, 100), Item("sc", "self_care", 5), Item("typo", "urgnet", 200),
          Item("r", "routine", 5), Item("u", "URGENT", 5), Item("e", "emergency", 5),
          Item("unk", "unknown", 300)],
         ["e", "u", "r", "sc", "unk", "typo", "none"]),
        ([], []),
    ],
)
def test_queue_order_is_urgency_then_age(items: List[Item], expected: List[str]) -> None:
    ordered = by_urgency_then_age(items, lambda i: i.urgency, lambda i: i.created_at,
                                  lambda i: i.name)
    assert [i.name for i in ordered] == expected


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("emergency", "emergency"), ("Urgent", "urgent"), ("self-care", "self_care"),
     ("self care", "self_care"), (None, "unknown"), ("", "unknown"), (3, "unknown"),
     ("critical", "unknown")],
)
def test_urgency_values_are_normalised(value: Any, normalised: str) -> None:
    assert normalise_urgency(value) == normalised


def test_a_handoff_without_urgency_takes_the_summarys() -> None:
    assert handoff_urgency(None, {"urgency": "emergency"}) == "emergency"
    assert handoff_urgency("routine", {"urgency": "emergency"}) == "routine"
    assert handoff_urgency(None, {}) == "unknown"


def _user(text: str, ts: float, channel: str = "socketio") -> Dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": ts, "input_channel": channel,
            "metadata": {}}


def test_the_transcript_tells_visitor_assistant_staff_and_notices_apart() -> None:
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1},
        _user("my back hurts", 100.0, "whatsapp"),
        {"event": "bot", "text": "How bad?", "timestamp": 101.0,
         "data": {"buttons": [{"title": "Mild", "payload": "/mild"}]}},
        {"event": "pause", "timestamp": 102.0},
        {"event": "bot", "text": None, "timestamp": 103.0, "metadata": {"from_staff": True},
         "data": {"custom": {"kind": "staff_reply", "text": "Hi, Sam here",
                             "author": "Sam (front desk)"}}},
        {"event": "slot", "name": "handoff_active", "value": True, "timestamp": 103.5},
        {"event": "resume", "timestamp": 104.0},
        {"event": "bot", "text": None, "timestamp": 105.0,
         "data": {"custom": {"kind": "booking_update", "text": "Confirmed", "author": "Sam"}}},
        {"event": "bot", "text": None, "timestamp": 106.0, "data": {"image": "x.svg"}},
        {"event": "bot", "text": None, "timestamp": 107.0, "data": {}},  # nothing to show
        "not an event",
    ]
    messages = transcript(events)
    assert [(m.seq, m.role, m.text, m.author, m.kind) for m in messages] == [
        (0, "visitor", "my back hurts", None, None),
        (1, "assistant", "How bad?", None, None),
        (2, "notice", "Conversation handed to staff", None, None),
        (3, "staff", "Hi, Sam here", "Sam (front desk)", "staff_reply"),
        (4, "notice", "Conversation handed back to the assistant", None, None),
        (5, "staff", "Confirmed", "Sam", "booking_update"),
        (6, "assistant", "[picture]", None, None),
    ]
    assert messages[1].options == ("Mild",)
    assert messages[0].channel == "whatsapp"
    assert messages[0].at == datetime.fromtimestamp(100.0, tz=timezone.utc)
    assert last_visitor_message_at(events) == messages[0].at
    assert last_visitor_message_at([]) is None


def test_a_bad_timestamp_does_not_break_the_transcript() -> None:
    messages = transcript([{"event": "user", "text": "hi", "timestamp": "yesterday"},
                           {"event": "user", "text": "hi", "timestamp": 1e30}])
    assert [m.at for m in messages] == [None, None]


def test_the_summary_shows_lines_as_they_are_and_labels_the_fields() -> None:
    view = summary_view({
        "complaint": "my back locked up", "mechanism": "lifting", "pain_score": 7,
        "limited_activities": ["bending", "dressing"],
        "movement_tests": {"forward_lean": "pain", "side_bend_left": "fine"},
        "findings": {"pins_and_needles": "present"}, "red_flags": ["saddle_numbness"],
        "urgency": "emergency", "strain_grade": None, "contact": {"name": "Thandi"},
        "lines": ["Complaint: my back locked up", "Urgency: EMERGENCY (saddle numbness)"],
        "extra_note": "follow_up",
    })
    assert view.lines == ("Complaint: my back locked up",
                          "Urgency: EMERGENCY (saddle numbness)")
    fields = dict(view.fields)
    assert fields["Complaint"] == "my back locked up"
    assert fields["Urgency"] == "Emergency"
    assert fields["Pain (0-10)"] == "7"
    assert fields["Limited activities"] == "bending, dressing"
    assert fields["Movement tests"] == "forward lean: pain; side bend left: fine"
    assert fields["Red flags"] == "saddle numbness"
    assert fields["Extra note"] == "follow up"
    assert "Strain grade" not in fields  # null fields are left out
    assert view.red_flags == ("saddle numbness",)


@pytest.mark.parametrize("summary", [{}, {"lines": "not a list"}, {"red_flags": "x"},
                                     {"lines": [None, 3, {"a": 1}]}, {"contact": None}])
def test_an_odd_summary_never_breaks_the_page(summary: Dict[str, Any]) -> None:
    summary_view(summary)


NOW = datetime(2030, 1, 2, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("channel", "last_inbound", "warns"),
    [
        ("whatsapp", NOW - timedelta(hours=23, minutes=59), False),
        ("whatsapp", NOW - timedelta(hours=24, minutes=1), True),
        ("twilio_whatsapp", NOW - timedelta(days=3), True),
        ("twilio_whatsapp", NOW - timedelta(minutes=5), False),
        ("whatsapp", None, True),
        ("socketio", NOW - timedelta(days=3), False),
        ("socketio", None, False),
    ],
)
def test_whatsapp_window_warning(channel: str, last_inbound: Optional[datetime],
                                 warns: bool) -> None:
    warning = whatsapp_window_warning(channel, last_inbound, NOW, TZ)
    assert (warning is not None) is warns
    if warning:
        assert "24 hours" in warning


@pytest.mark.parametrize(("minutes", "text"), [(0, "under a minute"), (5, "5 min"),
                                               (60, "1 h"), (135, "2 h 15 min"),
                                               (60 * 72, "3 days")])
def test_waiting_text(minutes: int, text: str) -> None:
    assert waiting_text(NOW - timedelta(minutes=minutes), NOW) == text


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "</textarea><script>alert(3)</script>",
    "{{ 7 * 7 }}",
    "<a href=\"javascript:alert(4)\">x</a>",
]


def _render_message(text: str) -> str:
    templates = make_templates()
    macros = templates.get_template("macros.html").module
    message = {"seq": 0, "role": "visitor", "text": text, "author": text, "kind_label": "",
               "options": [text], "time": "", "at": None}
    return str(macros.message(message))  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", HOSTILE)
def test_visitor_text_is_escaped_in_the_transcript(text: str) -> None:
    html = _render_message(text)
    assert "<script" not in html and "<img" not in html and "<a href" not in html
    assert "&lt;" in html or "{{" in html


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
               max_size=60))
def test_no_visitor_text_can_open_a_tag(text: str) -> None:
    html = _render_message(text)
    body = html.split('<p class="msg-text">', 1)[-1].split("</p>", 1)[0]
    assert "<" not in body and ">" not in body
