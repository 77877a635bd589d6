"""Rasa's REST channel, with input checks and the turn guard.

Rasa's own REST channel answers a body that is not a JSON object with a 500, logs the
visitor's text when anything fails, and has no limits. This one answers bad input with a
clear 400, passes every turn through the guard (length, rate, failures), and attaches the
server-wide protections (serving/server_hooks.py) when it registers.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from serving import conversation_ids, server_hooks
from serving.turn_guard import TurnGuard


def _body(request: Request) -> Dict[Text, Any]:
    try:
        body = request.json
    except InvalidUsage:
        raise InvalidUsage("the body must be JSON") from None
    if not isinstance(body, dict):
        raise InvalidUsage("the body must be a JSON object with 'sender' and 'message'")
    return body


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, request: Request) -> Optional[Text]:
        sender = _body(request).get("sender")
        problem = conversation_ids.problem(sender)
        if problem is not None:
            raise InvalidUsage(f"'sender' {problem}")
        return sender

    def _extract_message(self, req: Request) -> Optional[Text]:
        message = _body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a string")
        return message

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be an object")
        return metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(TurnGuard().wrap(on_new_message))

        @webhook.listener("before_server_start")
        async def protect_the_server(app: Sanic, _loop: Any) -> None:
            server_hooks.attach(app)

        @webhook.listener("after_server_start")
        async def get_ready(app: Sanic, _loop: Any) -> None:
            await server_hooks.on_serving(app)

        @webhook.listener("before_server_stop")
        async def release(app: Sanic, _loop: Any) -> None:
            await server_hooks.release(app)

        return webhook
