"""Front-desk custom payloads (docs/contracts.md) as the text the visitor reads."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest

from channels.custom_payloads import custom_message_text


@pytest.mark.parametrize(("custom", "text"), [
    ({"kind": "staff_reply", "text": "Hi, this is Sam.", "author": "Sam (front desk)"},
     "Sam (front desk): Hi, this is Sam."),
    ({"kind": "staff_reply", "text": " Hello ", "author": " "}, "Hello"),
    ({"kind": "staff_reply", "text": "Hello"}, "Hello"),
    ({"kind": "booking_update", "text": "Your booking is confirmed."},
     "Your booking is confirmed."),
    ({"kind": "handoff_closed", "text": "You're back with the assistant."},
     "You're back with the assistant."),
    ({"kind": "staff_reply", "text": "", "author": "Sam"}, None),
    ({"kind": "staff_reply", "author": "Sam"}, None),
    ({"kind": "something_new", "text": "x"}, None),  # never dump unknown JSON to a patient
    ({"text": "no kind"}, None),
    ({"kind": "booking_update", "text": 42}, None),
])
def test_custom_message_text(custom: Dict[str, Any], text: Optional[str]) -> None:
    assert custom_message_text(custom) == text
