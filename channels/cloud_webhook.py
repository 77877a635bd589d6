"""The WhatsApp Cloud API's webhook payload, read into typed values.

```
{"object": "whatsapp_business_account",
 "entry": [{"id": "<WABA id>", "changes": [{"field": "messages", "value": {
     "messaging_product": "whatsapp",
     "metadata": {"display_phone_number": "...", "phone_number_id": "..."},
     "contacts": [{"profile": {"name": "..."}, "wa_id": "..."}],
     "messages": [{"from": "<wa id>", "id": "wamid...", "timestamp": "<unix s>",
                   "type": "text", "text": {"body": "..."}}],
     "statuses": [{"id": "wamid...", "status": "sent|delivered|read|failed",
                   "recipient_id": "...", "errors": [{"code": 131047, ...}]}]}}]}]}
```
Message types: `text`; `interactive` with `button_reply` / `list_reply` (`{"id", "title"}`,
the id is the payload we sent); `button` (a template's quick reply, `{"payload", "text"}`);
`image`, `audio`, `video`, `document`, `sticker`, `location`, `contacts` (media: answered
politely, an image's or video's caption is still read); `reaction` and `system` (ignored);
anything else (`unsupported`, `order`, flows) is answered like media. The parser is lenient:
parts it cannot read are counted and skipped, never an error, because a validly signed body is
Meta's and refusing it would only make Meta retry it for days.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional

MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker", "location", "contacts"})
IGNORED_TYPES = frozenset({"reaction", "system", "ephemeral", "request_welcome"})


class InboundKind(enum.Enum):
    TEXT = "text"  # typed text
    REPLY = "reply"  # a tapped button or list row: `text` is the payload
    MEDIA = "media"  # cannot be read: answered with a fixed text (caption, if any, in `text`)
    IGNORED = "ignored"  # reactions, system notices


@dataclass(frozen=True)
class CloudInbound:
    message_id: str
    wa_id: str  # the sender's number, digits only
    kind: InboundKind
    message_type: str  # WhatsApp's own type name, for logs
    phone_number_id: Optional[str]
    text: Optional[str] = None
    timestamp: Optional[int] = None

    @property
    def conversation_id(self) -> str:
        return "+" + self.wa_id


@dataclass(frozen=True)
class CloudStatus:
    message_id: str
    recipient_id: str
    status: str
    phone_number_id: Optional[str]
    error_codes: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class CloudWebhook:
    messages: List[CloudInbound]
    statuses: List[CloudStatus]
    skipped: int  # parts not understood


def parse_webhook(payload: Mapping[str, Any]) -> CloudWebhook:
    messages: List[CloudInbound] = []
    statuses: List[CloudStatus] = []
    skipped = 0
    if payload.get("object") != "whatsapp_business_account":
        return CloudWebhook([], [], 1)
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, Mapping):
                skipped += 1
                continue
            metadata = value.get("metadata")
            number_id = _text(metadata.get("phone_number_id")) if isinstance(
                metadata, Mapping) else None
            for raw in _dicts(value.get("messages")):
                message = _message(raw, number_id)
                if message is None:
                    skipped += 1
                else:
                    messages.append(message)
            for raw in _dicts(value.get("statuses")):
                status = _status(raw, number_id)
                if status is None:
                    skipped += 1
                else:
                    statuses.append(status)
    return CloudWebhook(messages, statuses, skipped)


def _message(raw: Mapping[str, Any], number_id: Optional[str]) -> Optional[CloudInbound]:
    message_id, wa_id, kind_name = _text(raw.get("id")), _text(raw.get("from")), raw.get("type")
    if not message_id or not wa_id or not wa_id.isdigit() or not isinstance(kind_name, str):
        return None
    timestamp = _int(raw.get("timestamp"))

    def make(kind: InboundKind, text: Optional[str] = None) -> CloudInbound:
        return CloudInbound(message_id, wa_id, kind, kind_name, number_id, text, timestamp)

    body = raw.get(kind_name)
    body = body if isinstance(body, Mapping) else {}
    if kind_name == "text":
        text = _text(body.get("body"))
        return make(InboundKind.TEXT, text) if text else make(InboundKind.IGNORED)
    if kind_name == "interactive":
        reply_type = body.get("type")
        reply = body.get(reply_type) if isinstance(reply_type, str) else None
        if reply_type in ("button_reply", "list_reply") and isinstance(reply, Mapping):
            payload = _text(reply.get("id"))
            if payload:
                return make(InboundKind.REPLY, payload)
        return make(InboundKind.MEDIA)
    if kind_name == "button":
        payload = _text(body.get("payload")) or _text(body.get("text"))
        return make(InboundKind.REPLY, payload) if payload else make(InboundKind.MEDIA)
    if kind_name in MEDIA_TYPES:
        return make(InboundKind.MEDIA, _text(body.get("caption")))
    if kind_name in IGNORED_TYPES:
        return make(InboundKind.IGNORED)
    return make(InboundKind.MEDIA)


def _status(raw: Mapping[str, Any], number_id: Optional[str]) -> Optional[CloudStatus]:
    message_id, recipient, status = (_text(raw.get("id")), _text(raw.get("recipient_id")),
                                     _text(raw.get("status")))
    if not message_id or not recipient or not status:
        return None
    codes = [str(error.get("code")) for error in _dicts(raw.get("errors"))
             if error.get("code") is not None]
    return CloudStatus(message_id, recipient, status, number_id, codes)


def _dicts(value: Any) -> List[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
