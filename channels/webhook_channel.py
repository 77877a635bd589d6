"""What both WhatsApp routes (Cloud API and Twilio) share: a webhook answered at once, turns run
in the background, deduplication housekeeping, and a turn that fails is never silent.

A subclass names its channel, builds its API client and output channel, and handles the POST
(`_receive`); it may add routes (`_add_routes`, e.g. the Cloud API's verification GET).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import texts
from channels.background import BackgroundTasks
from channels.channel_store import AsyncChannelState
from channels.delivery import DeliveryReport
from channels.housekeeping import DedupeJanitor
from channels.structured_log import describe_exception, log_event, visitor_fields
from serving.turn_guard import TurnGuard

logger = logging.getLogger(__name__)
SHUTDOWN_DRAIN_S = 30.0
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class ReportingOutput(OutputChannel):
    """An output channel whose failed sends are recorded for the front desk."""

    def __init__(self, client: Any, state: AsyncChannelState) -> None:
        self.client = client
        self.state = state
        self.report = DeliveryReport(self.name(), state)


class BackgroundWebhookInput(InputChannel):
    #: prefix of this channel's log events ("whatsapp", "twilio_whatsapp")
    log_prefix: str

    def __init__(self, state: AsyncChannelState, client: Any) -> None:
        self.state = state
        self.client = client
        self.tasks = BackgroundTasks(self.name(), on_failure=self._turn_failed)
        self.janitor = DedupeJanitor(self.state)

    def get_output_channel(self) -> ReportingOutput:
        raise NotImplementedError

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        return {"channel": self.name()}

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # Limits, rate limiting and failure notices, as on every channel (failed turns are
        # recorded for the front desk by this channel itself).
        on_new_message = TurnGuard(handle_errors=False).wrap(on_new_message)
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.listener("before_server_start")
        async def prepare(_app: Any, _loop: Any) -> None:
            await self.state.ensure_schema()
            self.janitor.start()

        @webhook.listener("before_server_stop")
        async def finish(_app: Any, _loop: Any) -> None:
            if not await self.tasks.drain(SHUTDOWN_DRAIN_S):
                log_event(logger, logging.ERROR, f"{self.log_prefix}.shutdown.turns_unfinished",
                          count=len(self.tasks))
            await self.janitor.stop()
            await self.client.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        self._add_routes(webhook)
        return webhook

    def _add_routes(self, webhook: Blueprint) -> None:
        """Routes of this channel only (none by default)."""

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        raise NotImplementedError

    async def _turn_failed(self, conversation_id: str, exc: BaseException) -> None:
        error = describe_exception(exc)
        log_event(logger, logging.ERROR, f"{self.log_prefix}.turn.failed",
                  **visitor_fields(conversation_id), error=error)
        output = self.get_output_channel()
        await output.report.record(conversation_id,
                                   f"visitor's message was not answered: turn failed ({error})")
        await output.send_text_message(conversation_id, texts.TURN_FAILED)

    async def wait_idle(self, timeout_s: Optional[float] = None) -> bool:
        """Waits for background turns to finish (tests, shutdown)."""
        return await self.tasks.drain(timeout_s)
