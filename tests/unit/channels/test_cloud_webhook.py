"""Reading the Cloud API's webhook payloads, one message type at a time."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest

from channels.cloud_webhook import InboundKind, parse_webhook
from tests.standins import graph_api as meta

WA_ID = "27821234567"


def one(message: Dict[str, Any]) -> Any:
    parsed = parse_webhook(meta.messages_webhook(message))
    assert len(parsed.messages) == 1 and not parsed.statuses
    return parsed.messages[0]


@pytest.mark.parametrize(("case", "message", "kind", "text"), [
    ("text", meta.text_message(WA_ID, " Hi there "), InboundKind.TEXT, "Hi there"),
    ("reply button", meta.button_reply(WA_ID, "/check_my_back", "Check my back"),
     InboundKind.REPLY, "/check_my_back"),
    ("list row", meta.list_reply(WA_ID, '/describe_pain{"side": "left"}', "Left"),
     InboundKind.REPLY, '/describe_pain{"side": "left"}'),
    ("template quick reply", meta.message(WA_ID, "button", {"payload": "/affirm",
                                                            "text": "Yes"}),
     InboundKind.REPLY, "/affirm"),
    ("image", meta.media_message(WA_ID, "image"), InboundKind.MEDIA, None),
    ("image with caption", meta.message(WA_ID, "image", {"id": "m1", "caption": "here"}),
     InboundKind.MEDIA, "here"),
    ("voice note", meta.media_message(WA_ID, "audio"), InboundKind.MEDIA, None),
    ("video", meta.media_message(WA_ID, "video"), InboundKind.MEDIA, None),
    ("document", meta.media_message(WA_ID, "document"), InboundKind.MEDIA, None),
    ("sticker", meta.media_message(WA_ID, "sticker"), InboundKind.MEDIA, None),
    ("location", meta.media_message(WA_ID, "location"), InboundKind.MEDIA, None),
    ("contacts", meta.message(WA_ID, "contacts", {}) | {"contacts": [{"name": {}}]},
     InboundKind.MEDIA, None),
    ("unsupported", meta.message(WA_ID, "unsupported", {}), InboundKind.MEDIA, None),
    ("flow reply", meta.message(WA_ID, "interactive", {"type": "nfm_reply",
                                                       "nfm_reply": {"response_json": "{}"}}),
     InboundKind.MEDIA, None),
    ("reaction", meta.message(WA_ID, "reaction", {"message_id": "wamid.x", "emoji": "👍"}),
     InboundKind.IGNORED, None),
    ("system", meta.message(WA_ID, "system", {"body": "changed number"}), InboundKind.IGNORED,
     None),
    ("empty text", meta.text_message(WA_ID, "   "), InboundKind.IGNORED, None),
])
def test_message_types(case: str, message: Dict[str, Any], kind: InboundKind,
                       text: Optional[str]) -> None:
    parsed = one(message)
    assert parsed.kind is kind, case
    assert parsed.text == text, case
    assert parsed.conversation_id == "+" + WA_ID
    assert parsed.message_id == message["id"]
    assert parsed.phone_number_id == "1234567890"
    assert parsed.message_type == message["type"]


def test_timestamp_is_read() -> None:
    assert one(meta.text_message(WA_ID, "hi", timestamp=1700000000)).timestamp == 1700000000


def test_statuses_are_not_messages() -> None:
    parsed = parse_webhook(meta.statuses_webhook(WA_ID, "failed", error_code=131047))
    assert parsed.messages == []
    assert [(s.status, s.recipient_id, s.error_codes) for s in parsed.statuses] == [
        ("failed", WA_ID, ["131047"])]


def test_several_entries_and_messages() -> None:
    payload = meta.messages_webhook(meta.text_message(WA_ID, "one"),
                                    meta.text_message(WA_ID, "two"))
    payload["entry"].append(meta.messages_webhook(meta.text_message("4479", "x"))["entry"][0])
    parsed = parse_webhook(payload)
    assert [m.text for m in parsed.messages] == ["one", "two", "x"]


@pytest.mark.parametrize(("case", "payload", "skipped"), [
    ("another product's webhook", {"object": "page", "entry": []}, 1),
    ("no entries", {"object": "whatsapp_business_account"}, 0),
    ("other field", {"object": "whatsapp_business_account",
                     "entry": [{"changes": [{"field": "account_update", "value": {}}]}]}, 1),
    ("message without id", meta.messages_webhook({"from": WA_ID, "type": "text",
                                                  "text": {"body": "x"}}), 1),
    ("sender not a number", meta.messages_webhook(meta.text_message("abc", "x")), 1),
    ("entries not a list", {"object": "whatsapp_business_account", "entry": "x"}, 0),
    ("status without recipient", meta.envelope({"statuses": [{"id": "w", "status": "read"}]}),
     1),
])
def test_what_cannot_be_read_is_skipped_not_fatal(case: str, payload: Dict[str, Any],
                                                  skipped: int) -> None:
    parsed = parse_webhook(payload)
    assert parsed.messages == [] and parsed.statuses == [], case
    assert parsed.skipped == skipped, case
