"""The website widget's channel: Rasa's socket.io channel with one fix.

Rasa 3.6's `SocketIOOutput.send_custom_json` calls `sio.emit(event, **payload)`, which fails
for any payload whose keys are not `emit()` arguments, so a front-desk reply (a custom payload,
docs/contracts.md) could never reach the widget. The output channel here emits custom payloads
as the event's data, like every other bot message.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput


class WebsiteSocketIOOutput(SocketIOOutput):
    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, json_message)


class WebsiteSocketIOInput(SocketIOInput):
    """Configured in credentials.yml exactly like Rasa's `socketio` channel, same name."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()  # logs Rasa's own warning, returns None
        return WebsiteSocketIOOutput(self.sio, self.bot_message_evt)
