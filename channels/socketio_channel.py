"""The website widget's channel: Rasa's socket.io channel with two fixes.

- Rasa 3.6's `SocketIOOutput.send_custom_json` calls `sio.emit(event, **payload)`, which fails
  for any payload whose keys are not `emit()` arguments, so a front-desk reply (a custom
  payload, docs/contracts.md) could never reach the widget. The output channel here emits
  custom payloads as the event's data, like every other bot message.
- Rasa's channel uses the session id the page sends as the conversation id, as it is: a page
  that sends a WhatsApp visitor's number would write into, and hear, that visitor's
  conversation; a NUL in it reaches the database. Here a session id is 32 lowercase hex
  digits (what the widget and Rasa generate) or the socket gets a fresh one, and a socket
  speaks only for the session it was confirmed.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from serving.turn_guard import TurnGuard

logger = logging.getLogger(__name__)
SESSION_ID = re.compile(r"[0-9a-f]{32}")
Handler = Callable[[str, Any], Awaitable[Any]]


def requested_session(data: Any) -> Optional[str]:
    """The session id a socket asked for, if it is one a widget could have made."""
    wanted = data.get("session_id") if isinstance(data, dict) else None
    return wanted if isinstance(wanted, str) and SESSION_ID.fullmatch(wanted) else None


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
        if self.sio is not None:
            self._guard_sessions()
        return webhook

    def _guard_sessions(self) -> None:
        """Wraps Rasa's two handlers: session ids are checked before Rasa sees them."""
        sio = self.sio
        namespace = self.namespace or "/"
        handlers = sio.handlers[namespace]
        confirm: Handler = handlers["session_request"]
        utter: Handler = handlers[self.user_message_evt]

        async def session_request(sid: str, data: Any) -> Any:
            session_id = requested_session(data)
            if session_id is None:
                if isinstance(data, dict) and data.get("session_id") is not None:
                    logger.warning("socketio.session.refused_id reason=format")
                session_id = uuid.uuid4().hex  # a conversation of its own
            return await confirm(sid, {"session_id": session_id})

        async def user_uttered(sid: str, data: Any) -> Any:
            if self.session_persistence:
                session_id = requested_session(data)
                if session_id is None or session_id not in sio.rooms(sid, namespace):
                    logger.warning("socketio.message.refused reason=session_not_confirmed")
                    return None
            return await utter(sid, data)

        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, user_uttered, namespace=namespace)

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()  # logs Rasa's own warning, returns None
        return WebsiteSocketIOOutput(self.sio, self.bot_message_evt)
