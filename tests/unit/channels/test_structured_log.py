"""Log lines: dotted event, key=value fields, masked visitors, exceptions without messages."""

from __future__ import annotations

import logging

import pytest

from channels.structured_log import describe_exception, log_event, visitor_fields

logger = logging.getLogger("channels.test")


def test_event_and_fields(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="channels.test"):
        log_event(logger, logging.INFO, "whatsapp.send.failed", status=500, code=None,
                  what="text", note="two words", quote='a"b')
    record = caplog.records[-1]
    assert record.getMessage() == (
        'whatsapp.send.failed status=500 what=text note="two words" quote="a\\"b"')
    assert record.event == "whatsapp.send.failed"  # type: ignore[attr-defined]
    assert record.event_fields == {"status": 500, "what": "text",  # type: ignore[attr-defined]
                                   "note": "two words", "quote": 'a"b'}


def test_visitor_fields_hide_the_number() -> None:
    fields = visitor_fields("whatsapp:+27821234567")
    assert fields["visitor"] == "whatsapp:+27*****4567"
    assert str(fields["conversation"]).startswith("c_")
    assert "27821234567" not in repr(fields)


def test_describe_exception_has_type_and_place_but_no_message() -> None:
    try:
        raise ValueError("my saddle area is numb")
    except ValueError as exc:
        described = describe_exception(exc)
    assert described.startswith("ValueError@channels/test_structured_log.py:")
    assert "saddle" not in described
    assert describe_exception(KeyError("x")) == "KeyError"
