"""The website widget's channel: Rasa's socket.io channel with one fix.

Rasa 3.6's `SocketIOOutput.send_custom_json` calls `sio.emit(event, **payload)`, which fails
for any payload whose keys are not `emit()` arguments, so a front-desk reply (a custom payload,
docs/contracts.md) could never reach the widget. The output channel here emits custom payloads
as the event's data, like every other bot message.
"""

from __future__ import annotations

import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from serving.turn_guard import TurnGuard


class WebsiteSocketIOOutput(SocketIOOutput):
    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, json_message)


class WebsiteSocketIOInput(SocketIOInput):
    """Configured in credentials.yml exactly like Rasa's `socketio` channel, same name.

    Every turn passes the turn guard (length, rate, failures), and only the website origins
    in ALLOWED_ORIGINS may open a socket (Rasa's own channel accepts any origin).
    """

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(TurnGuard().wrap(on_new_message))
        origins = os.environ.get("ALLOWED_ORIGINS", "").split()
        if origins and self.sio is not None:
            self.sio.eio.cors_allowed_origins = origins
        return webhook

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()  # logs Rasa's own warning, returns None
        return WebsiteSocketIOOutput(self.sio, self.bot_message_evt)
