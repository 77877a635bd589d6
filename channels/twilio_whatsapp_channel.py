"""Rasa input and output channel for WhatsApp through Twilio, replacing Rasa's `twilio` channel.

What the built-in channel lacks and this one does: it checks `X-Twilio-Signature`, survives a
message without `Body`, handles a re-delivered `MessageSid` once, answers Twilio at once (empty
TwiML) and sends the replies in the background through the Messages API with aiohttp, retrying
and recording failures instead of blocking the event loop or losing the turn.

credentials.yml entry (Rasa refuses to start when a referenced variable is unset):

```yaml
channels.twilio_whatsapp_channel.TwilioWhatsAppInput:
  account_sid: ${TWILIO_ACCOUNT_SID}             # required
  auth_token: ${TWILIO_AUTH_TOKEN}               # required: signs webhooks, authenticates sends
  whatsapp_number: ${TWILIO_WHATSAPP_NUMBER}     # required: "whatsapp:+14155238886" or "+1415..."
  public_url: ${TWILIO_WEBHOOK_PUBLIC_URL}       # the webhook URL exactly as set at Twilio
  api_base_url: ${TWILIO_API_BASE_URL}           # optional, default https://api.twilio.com
  # optional: trust_proxy (default false), max_body_bytes (default 262144)
```

Signature URL: Twilio signs the URL it called. Behind a reverse proxy this server sees another
URL, so set `public_url` to the webhook URL configured at Twilio (recommended). Without it, the
URL this server saw is used, with `X-Forwarded-Proto` / `X-Forwarded-Host` taken into account
only when `trust_proxy: true` (only behind a proxy that overwrites them).

Routes (under `/webhooks/twilio_whatsapp/`): `GET /` health, `POST /webhook` messages (and
status callbacks, if Twilio is told to send them there: `failed` / `undelivered` are recorded).

Buttons are shown as numbered options ("1. Pain\\n2. Tension"); the options offered are kept in
the store (`ChannelContact.last_buttons`) so "1", "2" or an option's words map back to its
payload on any replica, after a restart too. The conversation id is `whatsapp:+<E.164>`; logs
show it masked and hashed. Metadata: `{"channel": "twilio_whatsapp"}`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import parse_qsl

from multidict import MultiDict
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import texts
from channels.channel_store import STORE_ERRORS, AsyncChannelState
from channels.custom_payloads import custom_message_text
from channels.delivery import DeliveryReport
from channels.images import sendable_as_media
from channels.numbered_options import match_option, render_numbered
from channels.options import Option, options_from_json, options_to_json, split_buttons
from channels.request_body import DEFAULT_MAX_BODY_BYTES, BodyTooLarge, read_limited_body
from channels.settings import (
    ChannelConfigurationError,
    optional_bool,
    optional_int,
    optional_none,
    optional_text,
    required,
)
from channels.signatures import (
    TWILIO_SIGNATURE_HEADER,
    SignatureCheck,
    signed_url,
    verify_twilio_signature,
)
from channels.splitting import TWILIO_WHATSAPP_LIMIT, split_text
from channels.structured_log import describe_exception, log_event, visitor_fields
from channels.twilio_api import DEFAULT_BASE_URL, TwilioApiConfig, TwilioMessagesClient
from channels.webhook_channel import BackgroundWebhookInput, OnNewMessage, ReportingOutput

logger = logging.getLogger(__name__)

CHANNEL = "twilio_whatsapp"
WHATSAPP_PREFIX = "whatsapp:"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
FAILED_STATUSES = frozenset({"failed", "undelivered"})


@dataclass(frozen=True)
class TwilioWhatsAppSettings:
    account_sid: str
    auth_token: str
    whatsapp_number: str  # always "whatsapp:+<E.164>"
    public_url: Optional[str] = None
    api_base_url: str = DEFAULT_BASE_URL
    trust_proxy: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any]) -> TwilioWhatsAppSettings:
        number = required(credentials, "whatsapp_number", CHANNEL)
        if not number.startswith(WHATSAPP_PREFIX):
            number = WHATSAPP_PREFIX + number
        if not number[len(WHATSAPP_PREFIX):].startswith("+"):
            raise ChannelConfigurationError(
                f"The '{CHANNEL}' channel's 'whatsapp_number' must be in E.164 form (+...).")
        public_url = optional_none(credentials, "public_url")
        if public_url and not public_url.startswith(("https://", "http://")):
            raise ChannelConfigurationError(
                f"The '{CHANNEL}' channel's 'public_url' must be a full http(s) URL.")
        return cls(
            account_sid=required(credentials, "account_sid", CHANNEL),
            auth_token=required(credentials, "auth_token", CHANNEL),
            whatsapp_number=number,
            public_url=public_url,
            api_base_url=optional_text(credentials, "api_base_url", DEFAULT_BASE_URL),
            trust_proxy=optional_bool(credentials, "trust_proxy", False, CHANNEL),
            max_body_bytes=optional_int(credentials, "max_body_bytes", DEFAULT_MAX_BODY_BYTES,
                                        CHANNEL),
        )

    def __repr__(self) -> str:  # never print the auth token
        return (f"TwilioWhatsAppSettings(account_sid={self.account_sid!r}, "
                f"public_url={self.public_url!r}, api_base_url={self.api_base_url!r})")


class TwilioWhatsAppOutput(ReportingOutput):
    """Sends through Twilio's Messages API; buttons become numbered options."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    client: TwilioMessagesClient

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if text and text.strip():
            await self._deliver_text(recipient_id, "text", text)

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        options, links = split_buttons(buttons)
        body = render_numbered(text or "", options)
        if links:
            body = (body.strip() + "\n\n" if body.strip() else "") + "\n".join(
                f"{link.title}: {link.url}" for link in links)
        if options:
            await self._remember_offer(recipient_id, options)
        await self._deliver_text(recipient_id, "numbered" if options else "text", body)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        if not sendable_as_media(image):
            await self._deliver_text(recipient_id, "image", image)
            return
        outcome = await self.client.send(recipient_id, media_url=image)
        if outcome.ok:
            self.report.sent(recipient_id, "image", outcome)
        else:
            await self.report.failed(recipient_id, "image", outcome)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any],
                               **kwargs: Any) -> None:
        text = custom_message_text(json_message) if isinstance(json_message, dict) else None
        if text is None:
            log_event(logger, logging.WARNING, "twilio_whatsapp.custom.not_shown",
                      **visitor_fields(recipient_id),
                      kind=json_message.get("kind") if isinstance(json_message, dict) else None)
            return
        await self.send_text_message(recipient_id, text)

    async def _remember_offer(self, conversation_id: str, options: List[Option]) -> None:
        try:
            kept = await self.state.set_last_buttons(conversation_id, options_to_json(options))
        except STORE_ERRORS as exc:  # a typed number then stays text
            log_event(logger, logging.WARNING, "twilio_whatsapp.offer.not_saved",
                      **visitor_fields(conversation_id), error=describe_exception(exc))
            return
        if not kept:  # the visitor never wrote on this channel: no contact row
            log_event(logger, logging.INFO, "twilio_whatsapp.offer.no_contact",
                      **visitor_fields(conversation_id))

    async def _deliver_text(self, conversation_id: str, what: str, text: str) -> bool:
        """Sends the text in pieces Twilio accepts; stops at a piece that fails for good."""
        for piece in split_text(text, TWILIO_WHATSAPP_LIMIT):
            outcome = await self.client.send(conversation_id, body=piece)
            if not outcome.ok:
                await self.report.failed(conversation_id, what, outcome)
                return False
            self.report.sent(conversation_id, what, outcome)
        return True


@dataclass(frozen=True)
class TwilioInbound:
    message_sid: str
    sender: str  # "whatsapp:+<E.164>"
    body: Optional[str]
    button_payload: Optional[str]
    has_media: bool  # photos, voice notes, files, a shared location

    @classmethod
    def from_form(cls, form: MultiDict[str]) -> Optional[TwilioInbound]:
        sid, sender = (form.get("MessageSid") or "").strip(), (form.get("From") or "").strip()
        if not sid or not sender:
            return None
        try:
            media_count = int(form.get("NumMedia") or "0")
        except ValueError:
            media_count = 0
        has_location = bool(form.get("Latitude") and form.get("Longitude"))
        return cls(sid, sender, (form.get("Body") or "").strip() or None,
                   (form.get("ButtonPayload") or "").strip() or None,
                   media_count > 0 or has_location)


class TwilioWhatsAppInput(BackgroundWebhookInput):
    log_prefix = "twilio_whatsapp"

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(TwilioWhatsAppSettings.from_credentials(credentials or {}))

    def __init__(self, settings: TwilioWhatsAppSettings,
                 state: Optional[AsyncChannelState] = None,
                 client: Optional[TwilioMessagesClient] = None) -> None:
        self.settings = settings
        self.client: TwilioMessagesClient
        super().__init__(state or AsyncChannelState.for_url(), client or TwilioMessagesClient(
            TwilioApiConfig(account_sid=settings.account_sid, auth_token=settings.auth_token,
                            from_number=settings.whatsapp_number,
                            base_url=settings.api_base_url)))

    def get_output_channel(self) -> TwilioWhatsAppOutput:
        return TwilioWhatsAppOutput(self.client, self.state)

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        try:
            body = await read_limited_body(request, self.settings.max_body_bytes)
        except BodyTooLarge:
            log_event(logger, logging.WARNING, "twilio_whatsapp.webhook.too_large",
                      limit=self.settings.max_body_bytes)
            return response.text("payload too large", status=413)
        try:
            form: MultiDict[str] = MultiDict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            return response.text("malformed form body", status=400)
        check = verify_twilio_signature(self.settings.auth_token, self._signed_url(request),
                                        form, request.headers.get(TWILIO_SIGNATURE_HEADER))
        if check is not SignatureCheck.VALID:
            log_event(logger, logging.WARNING, "twilio_whatsapp.webhook.signature_refused",
                      check=check.value)
            return response.text("invalid signature", status=check.http_status)

        status = (form.get("MessageStatus") or "").strip().lower()
        if status:
            if status in FAILED_STATUSES:
                to = (form.get("To") or "").strip()
                sid = (form.get("MessageSid") or "").strip()
                if to and sid:
                    self.tasks.spawn(to, partial(self._record_failed_status, to, sid, status,
                                                 (form.get("ErrorCode") or "").strip()))
            return self._twiml()

        inbound = TwilioInbound.from_form(form)
        if inbound is None:
            log_event(logger, logging.WARNING, "twilio_whatsapp.webhook.incomplete")
            return response.text("MessageSid and From are required", status=400)
        fields = {**visitor_fields(inbound.sender), "message_id": inbound.message_sid}
        if not inbound.sender.startswith(WHATSAPP_PREFIX + "+"):
            log_event(logger, logging.WARNING, "twilio_whatsapp.message.not_whatsapp", **fields)
            return self._twiml()
        try:
            fresh = await self.state.claim_message(CHANNEL, inbound.message_sid)
        except STORE_ERRORS as exc:
            log_event(logger, logging.ERROR, "twilio_whatsapp.webhook.store_unavailable",
                      error=describe_exception(exc))
            return response.text("try again later", status=503)
        if not fresh:
            log_event(logger, logging.INFO, "twilio_whatsapp.message.duplicate", **fields)
            return self._twiml()
        log_event(logger, logging.INFO, "twilio_whatsapp.message.received", **fields,
                  media=inbound.has_media)
        self.tasks.spawn(inbound.sender, partial(self._handle, inbound, on_new_message,
                                                 self.get_metadata(request)))
        return self._twiml()

    def _signed_url(self, request: Request) -> str:
        conn_info = getattr(request, "conn_info", None)
        scheme = "https" if conn_info is not None and conn_info.ssl else "http"
        path = request.path + (f"?{request.query_string}" if request.query_string else "")
        return signed_url(scheme, request.headers.get("host", ""), path, request.headers,
                          self.settings.public_url, self.settings.trust_proxy)

    @staticmethod
    def _twiml() -> HTTPResponse:
        return response.text(EMPTY_TWIML, content_type="text/xml")

    async def _handle(self, inbound: TwilioInbound, on_new_message: OnNewMessage,
                      metadata: Optional[Dict[str, Any]]) -> None:
        conversation_id = inbound.sender
        output = self.get_output_channel()
        try:
            await self.state.touch_contact(conversation_id, CHANNEL)
        except STORE_ERRORS as exc:
            log_event(logger, logging.WARNING, "twilio_whatsapp.contact.not_recorded",
                      **visitor_fields(conversation_id), error=describe_exception(exc))
        if inbound.has_media:
            await output.send_text_message(conversation_id, texts.MEDIA_NOT_SUPPORTED)
        text = inbound.button_payload or inbound.body
        if not text:
            return
        offered = await self._take_offer(conversation_id)
        if inbound.button_payload is None:
            chosen = match_option(text, offered)
            if chosen is not None:
                log_event(logger, logging.INFO, "twilio_whatsapp.reply.mapped",
                          **visitor_fields(conversation_id), message_id=inbound.message_sid)
                text = chosen.payload
        await on_new_message(UserMessage(text, output, conversation_id, input_channel=CHANNEL,
                                         message_id=inbound.message_sid, metadata=metadata))

    async def _take_offer(self, conversation_id: str) -> List[Option]:
        try:
            return options_from_json(await self.state.take_last_buttons(conversation_id))
        except STORE_ERRORS as exc:
            log_event(logger, logging.WARNING, "twilio_whatsapp.offer.not_read",
                      **visitor_fields(conversation_id), error=describe_exception(exc))
            return []

    async def _record_failed_status(self, conversation_id: str, message_sid: str, status: str,
                                    error_code: str) -> None:
        log_event(logger, logging.ERROR, "twilio_whatsapp.delivery.failed_status",
                  **visitor_fields(conversation_id), message_id=message_sid, status=status,
                  code=error_code or None)
        try:
            if not await self.state.claim_message(CHANNEL, f"status:{message_sid}:{status}"):
                return  # recorded when it was first delivered
        except STORE_ERRORS as exc:
            log_event(logger, logging.CRITICAL, "twilio_whatsapp.failure.not_recorded",
                      **visitor_fields(conversation_id), error=describe_exception(exc))
            return
        await DeliveryReport(CHANNEL, self.state).record(
            conversation_id,
            f"Twilio reported a message as {status} (error {error_code or 'none'})")


__all__ = ["CHANNEL", "TwilioWhatsAppInput", "TwilioWhatsAppOutput", "TwilioWhatsAppSettings"]
