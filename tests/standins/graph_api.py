"""A stand-in for the WhatsApp Cloud API's send endpoint and for Meta's webhook deliveries.

Server: `POST /{version}/{phone_number_id}/messages` with `Authorization: Bearer <token>`,
checked against the documented limits (text body 4096; interactive body 1024; reply buttons
1-3, id <= 256, title <= 20, unique; list button label <= 20, 1-10 rows in total, row id <= 200,
title <= 24, description <= 72; image by `link`, caption <= 1024). A violation is answered
like the Graph API answers it (HTTP 400, error code 100), so a test fails loudly.

Client side: builders of the webhook payloads Meta delivers, and their signature.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web

from channels.signatures import HUB_SIGNATURE_HEADER, hub_signature
from tests.standins.script import ResponseScript

GRAPH_TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024


@dataclass(frozen=True)
class GraphRequest:
    phone_number_id: str
    payload: Dict[str, Any]
    status: int  # what the stand-in answered

    @property
    def accepted(self) -> bool:
        return self.status == 200

    @property
    def to(self) -> str:
        return str(self.payload.get("to"))

    @property
    def kind(self) -> str:
        """"text", "image", "button" (reply buttons) or "list"."""
        if self.payload.get("type") == "interactive":
            return str(self.payload["interactive"]["type"])
        return str(self.payload.get("type"))

    @property
    def text(self) -> str:
        if self.kind == "text":
            return str(self.payload["text"]["body"])
        if self.payload.get("type") == "interactive":
            return str(self.payload["interactive"]["body"]["text"])
        return ""

    def reply_ids(self) -> List[str]:
        """The ids (payloads) of the buttons or list rows, in order."""
        if self.kind == "button":
            return [b["reply"]["id"] for b in self.payload["interactive"]["action"]["buttons"]]
        if self.kind == "list":
            return [row["id"] for section in self.payload["interactive"]["action"]["sections"]
                    for row in section["rows"]]
        return []

    def reply_titles(self) -> List[str]:
        if self.kind == "button":
            return [b["reply"]["title"]
                    for b in self.payload["interactive"]["action"]["buttons"]]
        if self.kind == "list":
            return [row["title"] for section in self.payload["interactive"]["action"]["sections"]
                    for row in section["rows"]]
        return []


class GraphApiStandin:
    def __init__(self, access_token: str = "test-token",
                 phone_number_id: str = "1234567890") -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.base_url = ""  # set by whoever serves `app`
        self.script = ResponseScript()
        self._lock = threading.Lock()
        self._requests: List[GraphRequest] = []
        self._ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_post("/{version}/{phone_number_id}/messages", self._messages)

    @property
    def requests(self) -> List[GraphRequest]:
        """Every request, failed ones included, in arrival order."""
        with self._lock:
            return list(self._requests)

    def delivered(self, to: Optional[str] = None) -> List[GraphRequest]:
        return [r for r in self.requests if r.accepted and (to is None or r.to == to)]

    def wait_for(self, count: int, to: Optional[str] = None, timeout_s: float = 10.0
                 ) -> List[GraphRequest]:
        """Blocks (in a test thread) until `count` messages were delivered to `to`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            got = self.delivered(to)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        return self.delivered(to)

    def reset(self) -> None:
        self.script.reset()
        with self._lock:
            self._requests.clear()

    async def _messages(self, request: web.Request) -> web.Response:
        number_id = request.match_info["phone_number_id"]
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return self._record(number_id, {}, _error(401, 190, "OAuthException",
                                                      "Invalid OAuth access token."))
        try:
            payload = await request.json()
        except ValueError:
            return self._record(number_id, {}, _error(400, 100, "OAuthException",
                                                      "Invalid JSON"))
        if number_id != self.phone_number_id:
            return self._record(number_id, payload, _error(
                400, 100, "GraphMethodException", "Unsupported post request."))
        problem = validate_message(payload)
        if problem:
            return self._record(number_id, payload, _error(400, 100, "OAuthException",
                                                           f"(#100) {problem}"))
        failure = self.script.next_failure()
        if failure is not None:
            code = failure.code if failure.code is not None else (
                130429 if failure.status == 429 else 131000)
            reply = _error(failure.status, code, "OAuthException", "scripted failure")
            if failure.retry_after is not None:
                reply.headers["Retry-After"] = failure.retry_after
            return self._record(number_id, payload, reply)
        message_id = f"wamid.standin{next(self._ids)}"
        return self._record(number_id, payload, web.json_response({
            "messaging_product": "whatsapp",
            "contacts": [{"input": payload.get("to"), "wa_id": payload.get("to")}],
            "messages": [{"id": message_id}]}))

    def _record(self, number_id: str, payload: Dict[str, Any],
                reply: web.Response) -> web.Response:
        with self._lock:
            self._requests.append(GraphRequest(number_id, payload, reply.status))
        return reply


def _error(status: int, code: int, kind: str, message: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "code": code,
                                        "fbtrace_id": "standin"}}, status=status)


def validate_message(payload: Any) -> Optional[str]:
    """The first documented rule the payload breaks, or None."""
    if not isinstance(payload, dict) or payload.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    to = payload.get("to")
    if not isinstance(to, str) or not to.lstrip("+").isdigit():
        return "to must be a phone number"
    kind = payload.get("type")
    if kind == "text":
        body = (payload.get("text") or {}).get("body")
        if not isinstance(body, str) or not 1 <= len(body) <= GRAPH_TEXT_LIMIT:
            return "text.body must be 1-4096 characters"
        return None
    if kind == "image":
        image = payload.get("image") or {}
        if not str(image.get("link", "")).startswith(("http://", "https://")):
            return "image.link must be a URL"
        if len(image.get("caption", "")) > 1024:
            return "image.caption too long"
        return None
    if kind == "interactive":
        return _validate_interactive(payload.get("interactive") or {})
    return f"unsupported type {kind!r}"


def _validate_interactive(interactive: Dict[str, Any]) -> Optional[str]:
    body = (interactive.get("body") or {}).get("text")
    if not isinstance(body, str) or not 1 <= len(body) <= INTERACTIVE_BODY_LIMIT:
        return "interactive.body.text must be 1-1024 characters"
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            return "1-3 buttons"
        ids = [b.get("reply", {}).get("id", "") for b in buttons]
        titles = [b.get("reply", {}).get("title", "") for b in buttons]
        if any(b.get("type") != "reply" for b in buttons):
            return "button type must be reply"
        if any(not 1 <= len(i) <= 256 for i in ids) or len(set(ids)) != len(ids):
            return "button ids must be unique, 1-256 characters"
        if any(not 1 <= len(t) <= 20 for t in titles) or len(set(titles)) != len(titles):
            return "button titles must be unique, 1-20 characters"
        return None
    if interactive.get("type") == "list":
        label = action.get("button", "")
        if not 1 <= len(label) <= 20:
            return "list button label must be 1-20 characters"
        sections = action.get("sections") or []
        rows = [row for section in sections for row in section.get("rows") or []]
        if not 1 <= len(sections) <= 10 or not 1 <= len(rows) <= 10:
            return "1-10 sections and 1-10 rows"
        if any(len(section.get("title", "")) > 24 for section in sections):
            return "section title over 24 characters"
        ids = [row.get("id", "") for row in rows]
        if any(not 1 <= len(i) <= 200 for i in ids) or len(set(ids)) != len(ids):
            return "row ids must be unique, 1-200 characters"
        if any(not 1 <= len(row.get("title", "")) <= 24 for row in rows):
            return "row titles must be 1-24 characters"
        if any(len(row.get("description", "")) > 72 for row in rows):
            return "row description over 72 characters"
        return None
    return "interactive.type must be button or list"


# --- Meta's side: webhook deliveries -------------------------------------------------------

_MESSAGE_IDS = itertools.count(1)


def new_message_id() -> str:
    return f"wamid.inbound{int(time.time() * 1000)}x{next(_MESSAGE_IDS)}"


def envelope(value: Dict[str, Any], phone_number_id: str = "1234567890") -> Dict[str, Any]:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550001111",
                          "phone_number_id": phone_number_id}, **value}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA_ID", "changes": [{"field": "messages", "value": value}]}]}


def message(wa_id: str, kind: str, body: Dict[str, Any], message_id: Optional[str] = None,
            timestamp: Optional[int] = None) -> Dict[str, Any]:
    return {"from": wa_id, "id": message_id or new_message_id(),
            "timestamp": str(timestamp if timestamp is not None else int(time.time())),
            "type": kind, kind: body}


def messages_webhook(*messages: Dict[str, Any], phone_number_id: str = "1234567890"
                     ) -> Dict[str, Any]:
    wa_id = messages[0]["from"] if messages else "0"
    return envelope({"contacts": [{"profile": {"name": "Visitor"}, "wa_id": wa_id}],
                     "messages": list(messages)}, phone_number_id)


def text_message(wa_id: str, text: str, **kwargs: Any) -> Dict[str, Any]:
    return message(wa_id, "text", {"body": text}, **kwargs)


def button_reply(wa_id: str, reply_id: str, title: str = "Option", **kwargs: Any
                 ) -> Dict[str, Any]:
    return message(wa_id, "interactive", {"type": "button_reply",
                                          "button_reply": {"id": reply_id, "title": title}},
                   **kwargs)


def list_reply(wa_id: str, reply_id: str, title: str = "Option", **kwargs: Any
               ) -> Dict[str, Any]:
    return message(wa_id, "interactive", {"type": "list_reply",
                                          "list_reply": {"id": reply_id, "title": title,
                                                         "description": ""}}, **kwargs)


MEDIA_BODIES: Dict[str, Dict[str, Any]] = {
    "image": {"mime_type": "image/jpeg", "sha256": "abc", "id": "media-1"},
    "audio": {"mime_type": "audio/ogg; codecs=opus", "sha256": "abc", "id": "media-2",
              "voice": True},
    "video": {"mime_type": "video/mp4", "sha256": "abc", "id": "media-3"},
    "document": {"mime_type": "application/pdf", "sha256": "abc", "id": "media-4",
                 "filename": "scan.pdf"},
    "sticker": {"mime_type": "image/webp", "sha256": "abc", "id": "media-5",
                "animated": False},
    "location": {"latitude": -33.9, "longitude": 18.4, "name": "Clinic",
                 "address": "12 Example Street"},
}


def media_message(wa_id: str, kind: str, **kwargs: Any) -> Dict[str, Any]:
    return message(wa_id, kind, dict(MEDIA_BODIES[kind]), **kwargs)


def statuses_webhook(recipient_id: str, status: str = "delivered",
                     error_code: Optional[int] = None, message_id: str = "wamid.out1",
                     phone_number_id: str = "1234567890") -> Dict[str, Any]:
    item: Dict[str, Any] = {"id": message_id, "status": status,
                            "timestamp": str(int(time.time())), "recipient_id": recipient_id}
    if error_code is not None:
        item["errors"] = [{"code": error_code, "title": "Message undeliverable"}]
    return envelope({"statuses": [item]}, phone_number_id)


def signed(payload: Dict[str, Any], app_secret: str) -> Tuple[bytes, Dict[str, str]]:
    """The body and headers Meta would send for `payload`."""
    body = json.dumps(payload).encode("utf-8")
    return body, {"Content-Type": "application/json",
                  HUB_SIGNATURE_HEADER: hub_signature(app_secret, body)}
