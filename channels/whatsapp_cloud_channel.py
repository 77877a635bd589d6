"""Rasa input and output channel for the WhatsApp Cloud API (Meta Graph API).

credentials.yml entry (every value may come from an environment variable; Rasa refuses to start
when a referenced variable is unset):

```yaml
channels.whatsapp_cloud_channel.WhatsAppCloudInput:
  access_token: ${WHATSAPP_ACCESS_TOKEN}          # required: system-user token
  phone_number_id: ${WHATSAPP_PHONE_NUMBER_ID}    # required: the business number's id
  app_secret: ${WHATSAPP_APP_SECRET}              # required: checks X-Hub-Signature-256
  verify_token: ${WHATSAPP_VERIFY_TOKEN}          # required: the webhook handshake's token
  api_version: ${WHATSAPP_API_VERSION}            # optional, default v24.0
  graph_api_base_url: ${WHATSAPP_GRAPH_API_BASE_URL}  # optional, default https://graph.facebook.com
  # optional: max_body_bytes (default 262144), max_message_age_s (default 86400)
```

Routes (Rasa mounts them under `/webhooks/whatsapp/`):
* `GET /` health; `GET /webhook` Meta's verification handshake (`hub.mode=subscribe`,
  `hub.verify_token`, `hub.challenge` echoed back);
* `POST /webhook` Meta's deliveries. The body is read up to `max_body_bytes` (else 413) and
  its `X-Hub-Signature-256` checked (missing 401, wrong 403) before anything else; malformed
  JSON is 400. Each message id is claimed in the store (`ChannelState.claim_message`), so a
  re-delivered webhook is handled once, after a restart too; if the store cannot be reached
  the answer is 503 and Meta delivers again later. Then the answer is 200 at once and each
  message is handled in the background, in order per visitor.

"Stale" deliveries: Meta's signature has no timestamp, so a captured request stays validly
signed. A replay of a message already handled is caught by the claim; a message older than
`max_message_age_s` (default 24 hours: WhatsApp's customer-service window, after which a free
reply cannot be delivered anyway) is not answered and is recorded for the front desk.

The conversation id is the visitor's number `+<E.164>`; logs show it masked and hashed, never
message text. Metadata: `{"channel": "whatsapp"}`.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Dict, List, Mapping, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import texts
from channels.channel_store import STORE_ERRORS, AsyncChannelState
from channels.cloud_messages import (
    GraphMessage,
    NotAWhatsAppNumber,
    image_or_link,
    recipient,
    render_choice,
    render_text,
)
from channels.cloud_webhook import CloudInbound, CloudStatus, InboundKind, parse_webhook
from channels.custom_payloads import custom_message_text
from channels.delivery import DeliveryReport
from channels.graph_api import (
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    GraphApiClient,
    GraphApiConfig,
)
from channels.numbered_options import match_option
from channels.options import options_from_json, options_to_json, split_buttons
from channels.request_body import DEFAULT_MAX_BODY_BYTES, BodyTooLarge, read_limited_body
from channels.settings import optional_int, optional_text, required
from channels.signatures import HUB_SIGNATURE_HEADER, SignatureCheck, verify_hub_signature
from channels.structured_log import describe_exception, log_event, visitor_fields
from channels.webhook_channel import BackgroundWebhookInput, OnNewMessage, ReportingOutput

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
DEFAULT_MAX_MESSAGE_AGE_S = 24 * 60 * 60
CHALLENGE_LIMIT = 256


@dataclass(frozen=True)
class WhatsAppCloudSettings:
    access_token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    api_version: str = DEFAULT_API_VERSION
    graph_api_base_url: str = DEFAULT_BASE_URL
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_message_age_s: int = DEFAULT_MAX_MESSAGE_AGE_S

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any]) -> WhatsAppCloudSettings:
        return cls(
            access_token=required(credentials, "access_token", CHANNEL),
            phone_number_id=required(credentials, "phone_number_id", CHANNEL),
            app_secret=required(credentials, "app_secret", CHANNEL),
            verify_token=required(credentials, "verify_token", CHANNEL),
            api_version=optional_text(credentials, "api_version", DEFAULT_API_VERSION),
            graph_api_base_url=optional_text(credentials, "graph_api_base_url",
                                             DEFAULT_BASE_URL),
            max_body_bytes=optional_int(credentials, "max_body_bytes", DEFAULT_MAX_BODY_BYTES,
                                        CHANNEL),
            max_message_age_s=optional_int(credentials, "max_message_age_s",
                                           DEFAULT_MAX_MESSAGE_AGE_S, CHANNEL),
        )

    def __repr__(self) -> str:  # never print the secrets
        return (f"WhatsAppCloudSettings(phone_number_id={self.phone_number_id!r}, "
                f"api_version={self.api_version!r}, base_url={self.graph_api_base_url!r})")


class WhatsAppCloudOutput(ReportingOutput):
    """Sends through the Graph API; overrides only what WhatsApp renders differently."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    client: GraphApiClient

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        to = await self._recipient(recipient_id, "text")
        if to is not None and text and text.strip():
            await self._deliver(recipient_id, "text", render_text(to, text))

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        to = await self._recipient(recipient_id, "choice")
        if to is None:
            return
        options, links = split_buttons(buttons)
        rendered = render_choice(to, text or "", options, links)
        if rendered.offered:
            await self._remember_offer(recipient_id, rendered.offered)
        await self._deliver(recipient_id, rendered.style, rendered.messages)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        to = await self._recipient(recipient_id, "image")
        if to is not None:
            await self._deliver(recipient_id, "image", [image_or_link(to, image)])

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any],
                               **kwargs: Any) -> None:
        text = custom_message_text(json_message) if isinstance(json_message, dict) else None
        if text is None:
            log_event(logger, logging.WARNING, "whatsapp.custom.not_shown",
                      **visitor_fields(recipient_id),
                      kind=json_message.get("kind") if isinstance(json_message, dict) else None)
            return
        await self.send_text_message(recipient_id, text)

    async def _recipient(self, conversation_id: str, what: str) -> Optional[str]:
        try:
            return recipient(conversation_id)
        except NotAWhatsAppNumber:
            await self.report.failed(conversation_id, what,
                                     reason="conversation id is not a WhatsApp number")
            return None

    async def _remember_offer(self, conversation_id: str, offered: List[Any]) -> None:
        try:
            kept = await self.state.set_last_buttons(conversation_id, options_to_json(offered))
        except STORE_ERRORS as exc:  # typed answers then stay text; the buttons still work
            log_event(logger, logging.WARNING, "whatsapp.offer.not_saved",
                      **visitor_fields(conversation_id), error=describe_exception(exc))
            return
        if not kept:  # the visitor never wrote on this channel: no contact row
            log_event(logger, logging.INFO, "whatsapp.offer.no_contact",
                      **visitor_fields(conversation_id))

    async def _deliver(self, conversation_id: str, what: str,
                       messages: List[GraphMessage]) -> bool:
        """Sends the parts in order; stops at a part that fails for good (recorded)."""
        for message in messages:
            outcome = await self.client.send(message)
            if not outcome.ok:
                await self.report.failed(conversation_id, what, outcome)
                return False
            self.report.sent(conversation_id, what, outcome)
        return True


class WhatsAppCloudInput(BackgroundWebhookInput):
    log_prefix = "whatsapp"

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(WhatsAppCloudSettings.from_credentials(credentials or {}))

    def __init__(self, settings: WhatsAppCloudSettings,
                 state: Optional[AsyncChannelState] = None,
                 client: Optional[GraphApiClient] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.client: GraphApiClient
        super().__init__(state or AsyncChannelState.for_url(), client or GraphApiClient(
            GraphApiConfig(access_token=settings.access_token,
                           phone_number_id=settings.phone_number_id,
                           api_version=settings.api_version,
                           base_url=settings.graph_api_base_url)))
        self._clock = clock

    def get_output_channel(self) -> WhatsAppCloudOutput:
        return WhatsAppCloudOutput(self.client, self.state)

    def _add_routes(self, webhook: Blueprint) -> None:
        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self._verify(request)

    def _verify(self, request: Request) -> HTTPResponse:
        mode = request.args.get("hub.mode")
        token = request.args.get("hub.verify_token") or ""
        challenge = request.args.get("hub.challenge") or ""
        if (mode == "subscribe" and challenge and len(challenge) <= CHALLENGE_LIMIT
                and hmac.compare_digest(token.encode(), self.settings.verify_token.encode())):
            log_event(logger, logging.INFO, "whatsapp.webhook.verified")
            return response.text(challenge)
        log_event(logger, logging.WARNING, "whatsapp.webhook.verification_refused",
                  mode=mode or "-")
        return response.text("verification failed", status=403)

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        try:
            body = await read_limited_body(request, self.settings.max_body_bytes)
        except BodyTooLarge:
            log_event(logger, logging.WARNING, "whatsapp.webhook.too_large",
                      limit=self.settings.max_body_bytes)
            return response.json({"error": "payload too large"}, status=413)
        check = verify_hub_signature(self.settings.app_secret, body,
                                     request.headers.get(HUB_SIGNATURE_HEADER))
        if check is not SignatureCheck.VALID:
            log_event(logger, logging.WARNING, "whatsapp.webhook.signature_refused",
                      check=check.value)
            return response.json({"error": "invalid signature"}, status=check.http_status)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            log_event(logger, logging.WARNING, "whatsapp.webhook.malformed")
            return response.json({"error": "malformed JSON"}, status=400)
        if not isinstance(payload, dict):
            return response.json({"error": "expected a JSON object"}, status=400)

        webhook = parse_webhook(payload)
        if webhook.skipped:
            log_event(logger, logging.INFO, "whatsapp.webhook.parts_skipped",
                      count=webhook.skipped)
        metadata = self.get_metadata(request)
        try:
            accepted = await self._claim(webhook.messages)
        except STORE_ERRORS as exc:
            log_event(logger, logging.ERROR, "whatsapp.webhook.store_unavailable",
                      error=describe_exception(exc))
            return response.json({"error": "try again later"}, status=503)
        for message in accepted:
            self.tasks.spawn(message.conversation_id,
                             partial(self._handle, message, on_new_message, metadata))
        for status in webhook.statuses:
            if status.status == "failed" and self._is_ours(status.phone_number_id):
                self.tasks.spawn("+" + status.recipient_id,
                                 partial(self._record_failed_status, status))
        return response.json({"status": "received"})

    async def _claim(self, messages: List[CloudInbound]) -> List[CloudInbound]:
        """The messages to handle now. All claims are made before any work starts; if the store
        fails midway, the claims already made are undone so Meta's re-delivery is handled."""
        accepted: List[CloudInbound] = []
        claimed: List[str] = []
        try:
            for message in messages:
                fields = {**visitor_fields(message.conversation_id),
                          "message_id": message.message_id, "type": message.message_type}
                if message.kind is InboundKind.IGNORED:
                    log_event(logger, logging.DEBUG, "whatsapp.message.ignored", **fields)
                    continue
                if not self._is_ours(message.phone_number_id):
                    log_event(logger, logging.WARNING, "whatsapp.message.other_number", **fields)
                    continue
                if not await self.state.claim_message(CHANNEL, message.message_id):
                    log_event(logger, logging.INFO, "whatsapp.message.duplicate", **fields)
                    continue
                claimed.append(message.message_id)
                log_event(logger, logging.INFO, "whatsapp.message.received", **fields)
                accepted.append(message)
        except STORE_ERRORS:
            for message_id in claimed:
                try:
                    await self.state.forget_message(CHANNEL, message_id)
                except STORE_ERRORS as exc:
                    log_event(logger, logging.ERROR, "whatsapp.message.claim_not_undone",
                              message_id=message_id, error=describe_exception(exc))
            raise
        return accepted

    def _is_ours(self, phone_number_id: Optional[str]) -> bool:
        return phone_number_id is None or phone_number_id == self.settings.phone_number_id

    async def _handle(self, message: CloudInbound, on_new_message: OnNewMessage,
                      metadata: Optional[Dict[str, Any]]) -> None:
        conversation_id = message.conversation_id
        output = self.get_output_channel()
        if self._is_stale(message):
            log_event(logger, logging.WARNING, "whatsapp.message.stale",
                      **visitor_fields(conversation_id), message_id=message.message_id)
            await output.report.record(
                conversation_id, "visitor's message arrived more than "
                f"{self.settings.max_message_age_s // 3600} h late and was not answered")
            return
        await self._touch(conversation_id)
        text = message.text
        if message.kind is InboundKind.MEDIA:
            await output.send_text_message(conversation_id, texts.MEDIA_NOT_SUPPORTED)
            if not text:  # a caption, if any, is still read
                return
        offered = options_from_json(await self._take_offer(conversation_id))
        if message.kind is not InboundKind.REPLY:
            chosen = match_option(text, offered)
            if chosen is not None:
                log_event(logger, logging.INFO, "whatsapp.reply.mapped",
                          **visitor_fields(conversation_id), message_id=message.message_id)
                text = chosen.payload
        await on_new_message(UserMessage(text, output, conversation_id, input_channel=CHANNEL,
                                         message_id=message.message_id, metadata=metadata))

    def _is_stale(self, message: CloudInbound) -> bool:
        if message.timestamp is None:
            return False
        return self._clock() - message.timestamp > self.settings.max_message_age_s

    async def _touch(self, conversation_id: str) -> None:
        try:
            await self.state.touch_contact(conversation_id, CHANNEL)
        except STORE_ERRORS as exc:
            log_event(logger, logging.WARNING, "whatsapp.contact.not_recorded",
                      **visitor_fields(conversation_id), error=describe_exception(exc))

    async def _take_offer(self, conversation_id: str) -> Optional[List[Any]]:
        try:
            return await self.state.take_last_buttons(conversation_id)
        except STORE_ERRORS as exc:
            log_event(logger, logging.WARNING, "whatsapp.offer.not_read",
                      **visitor_fields(conversation_id), error=describe_exception(exc))
            return None

    async def _record_failed_status(self, status: CloudStatus) -> None:
        conversation_id = "+" + status.recipient_id
        codes = ",".join(status.error_codes) or "none"
        log_event(logger, logging.ERROR, "whatsapp.delivery.failed_status",
                  **visitor_fields(conversation_id), message_id=status.message_id, codes=codes)
        try:
            if not await self.state.claim_message(CHANNEL, f"status:{status.message_id}:failed"):
                return  # recorded when it was first delivered
        except STORE_ERRORS as exc:
            log_event(logger, logging.CRITICAL, "whatsapp.failure.not_recorded",
                      **visitor_fields(conversation_id), error=describe_exception(exc))
            return
        await DeliveryReport(CHANNEL, self.state).record(
            conversation_id, f"WhatsApp reported a message as not delivered (error {codes})")


__all__ = ["CHANNEL", "WhatsAppCloudInput", "WhatsAppCloudOutput", "WhatsAppCloudSettings"]
