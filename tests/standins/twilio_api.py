"""A stand-in for Twilio's Messages API and for Twilio's webhook requests.

Server: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth (account SID,
auth token), form-encoded `From`, `To`, `Body` and/or `MediaUrl`. Checked as Twilio documents
it: `From` and `To` required (WhatsApp addresses `whatsapp:+<E.164>`), a `Body` or a
`MediaUrl`, `Body` at most 1600 characters; violations get Twilio's JSON error (HTTP 400).
Success is HTTP 201 with the message resource.

Client side: the form Twilio posts for an incoming WhatsApp message, and its signature.
"""

from __future__ import annotations

import base64
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlencode

from aiohttp import web
from twilio.request_validator import RequestValidator

from channels.signatures import TWILIO_SIGNATURE_HEADER
from tests.standins.script import ResponseScript

BODY_LIMIT = 1600


@dataclass(frozen=True)
class TwilioRequest:
    form: Dict[str, List[str]]
    status: int

    @property
    def accepted(self) -> bool:
        return self.status == 201

    def get(self, key: str) -> Optional[str]:
        values = self.form.get(key)
        return values[0] if values else None

    @property
    def to(self) -> Optional[str]:
        return self.get("To")

    @property
    def body(self) -> str:
        return self.get("Body") or ""


class TwilioApiStandin:
    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "twilio-token"
                 ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.base_url = ""  # set by whoever serves `app`
        self.script = ResponseScript()
        self._lock = threading.Lock()
        self._requests: List[TwilioRequest] = []
        self._ids = itertools.count(1)
        self.app = web.Application()
        self.app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)

    @property
    def requests(self) -> List[TwilioRequest]:
        with self._lock:
            return list(self._requests)

    def delivered(self, to: Optional[str] = None) -> List[TwilioRequest]:
        return [r for r in self.requests if r.accepted and (to is None or r.to == to)]

    def wait_for(self, count: int, to: Optional[str] = None, timeout_s: float = 10.0
                 ) -> List[TwilioRequest]:
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

    async def _create(self, request: web.Request) -> web.Response:
        form_data = await request.post()
        form: Dict[str, List[str]] = {}
        for key in form_data:
            form[key] = [str(v) for v in form_data.getall(key)]
        expected = "Basic " + base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if (request.match_info["sid"] != self.account_sid
                or request.headers.get("Authorization") != expected):
            return self._record(form, _error(401, 20003, "Authenticate"))
        problem = _validate(form)
        if problem:
            return self._record(form, _error(400, 21602 if "Body" in problem else 21604,
                                             problem))
        failure = self.script.next_failure()
        if failure is not None:
            reply = _error(failure.status, failure.code or (
                20429 if failure.status == 429 else 20500), "scripted failure")
            if failure.retry_after is not None:
                reply.headers["Retry-After"] = failure.retry_after
            return self._record(form, reply)
        sid = f"SM{next(self._ids):032d}"
        return self._record(form, web.json_response({
            "sid": sid, "account_sid": self.account_sid, "status": "queued",
            "to": form["To"][0], "from": form["From"][0],
            "body": (form.get("Body") or [""])[0], "num_media": str(len(form.get("MediaUrl",
                                                                                   [])))},
            status=201))

    def _record(self, form: Dict[str, List[str]], reply: web.Response) -> web.Response:
        with self._lock:
            self._requests.append(TwilioRequest(form, reply.status))
        return reply


def _validate(form: Dict[str, List[str]]) -> Optional[str]:
    for key in ("From", "To"):
        value = (form.get(key) or [""])[0]
        if not value.startswith("whatsapp:+") or not value[10:].isdigit():
            return f"'{key}' must be a WhatsApp address"
    body = (form.get("Body") or [""])[0]
    if not body and not form.get("MediaUrl"):
        return "A text message Body or media urls must be specified."
    if len(body) > BODY_LIMIT:
        return "The concatenated message Body exceeds the 1600 character limit."
    return None


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"},
                             status=status)


# --- Twilio's side: webhook requests to the channel ---------------------------------------

_SIDS = itertools.count(1)


def new_message_sid() -> str:
    return f"SM{int(time.time() * 1000) % 10**12:012d}{next(_SIDS):020d}"


def inbound_form(sender: str, body: Optional[str] = None, to: str = "whatsapp:+14155238886",
                 message_sid: Optional[str] = None, account_sid: str = "AC" + "0" * 32,
                 media: Optional[List[Tuple[str, str]]] = None,
                 location: Optional[Tuple[float, float]] = None,
                 button_payload: Optional[str] = None) -> Dict[str, str]:
    """The parameters Twilio posts for an incoming WhatsApp message."""
    sid = message_sid or new_message_sid()
    form = {"SmsMessageSid": sid, "MessageSid": sid, "SmsSid": sid, "AccountSid": account_sid,
            "From": sender, "To": to, "Body": body or "", "NumSegments": "1",
            "NumMedia": str(len(media or [])), "SmsStatus": "received", "ApiVersion": "2010-04-01",
            "ProfileName": "Visitor", "WaId": sender.split("+")[-1],
            "MessageType": "text"}
    for index, (content_type, url) in enumerate(media or []):
        form[f"MediaContentType{index}"] = content_type
        form[f"MediaUrl{index}"] = url
        form["MessageType"] = content_type.split("/")[0]
    if location is not None:
        form["Latitude"], form["Longitude"] = str(location[0]), str(location[1])
        form["MessageType"] = "location"
    if button_payload is not None:
        form["ButtonPayload"] = button_payload
        form["ButtonText"] = body or button_payload
        form["MessageType"] = "button"
    return form


def status_form(recipient: str, status: str, message_sid: str, error_code: str = "63016"
                ) -> Dict[str, str]:
    return {"MessageSid": message_sid, "SmsSid": message_sid, "MessageStatus": status,
            "SmsStatus": status, "To": recipient, "From": "whatsapp:+14155238886",
            "AccountSid": "AC" + "0" * 32, "ErrorCode": error_code, "ApiVersion": "2010-04-01"}


def signed(url: str, form: Dict[str, str], auth_token: str) -> Tuple[bytes, Dict[str, str]]:
    """The body and headers Twilio would send to `url`."""
    signature = RequestValidator(auth_token).compute_signature(url, form)
    return urlencode(form).encode("utf-8"), {
        "Content-Type": "application/x-www-form-urlencoded", TWILIO_SIGNATURE_HEADER: signature}
