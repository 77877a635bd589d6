"""The widget channel: a page can only speak in a conversation of its own."""

from __future__ import annotations

from typing import Any, List, Tuple

import pytest
from rasa.core.channels.channel import UserMessage

from channels.socketio_channel import WebsiteSocketIOInput, requested_session

HEX = "0123456789abcdef" * 2


@pytest.mark.parametrize(("data", "expected"), [
    ({"session_id": HEX}, HEX),
    ({"session_id": HEX.upper()}, None),
    ({"session_id": "+27821234567"}, None),            # a WhatsApp visitor's conversation
    ({"session_id": "whatsapp:+27821234567"}, None),   # a Twilio visitor's conversation
    ({"session_id": HEX[:-1] + "\x00"}, None),
    ({"session_id": HEX + "0"}, None),
    ({"session_id": 12345}, None),
    ({"session_id": None}, None),
    ({}, None),
    ("let me in", None),
    (None, None),
])
def test_only_widget_made_session_ids_are_accepted(data: Any, expected: Any) -> None:
    assert requested_session(data) == expected


@pytest.fixture()
def channel(monkeypatch: pytest.MonkeyPatch) -> Tuple[WebsiteSocketIOInput, List[Any],
                                                      List[UserMessage]]:
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    socket_channel = WebsiteSocketIOInput(session_persistence=True)
    socket_channel.blueprint(on_new_message)
    emitted: List[Any] = []

    async def emit(event: str, data: Any = None, room: Any = None, **_: Any) -> None:
        emitted.append((event, data, room))

    monkeypatch.setattr(socket_channel.sio, "emit", emit)
    monkeypatch.setattr(socket_channel.sio, "enter_room", lambda sid, room, **_: None)
    return socket_channel, emitted, received


def handler(channel: WebsiteSocketIOInput, event: str) -> Any:
    return channel.sio.handlers["/"][event]


@pytest.mark.asyncio
async def test_a_foreign_session_id_gets_a_fresh_conversation(channel: Any) -> None:
    socket_channel, emitted, _ = channel
    await handler(socket_channel, "session_request")("sid-1", {"session_id": "+27821234567"})
    event, confirmed, room = emitted[-1]
    assert event == "session_confirm" and room == "sid-1"
    assert confirmed != "+27821234567" and requested_session({"session_id": confirmed})


@pytest.mark.asyncio
async def test_a_socket_speaks_only_for_its_confirmed_session(
        channel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    socket_channel, _, received = channel
    monkeypatch.setattr(socket_channel.sio, "rooms", lambda sid, namespace=None: [sid, HEX])
    utter = handler(socket_channel, "user_uttered")
    other = "fedcba9876543210" * 2
    await utter("sid-1", {"message": "hello", "session_id": other})
    assert received == []
    await utter("sid-1", {"message": "hello", "session_id": HEX})
    assert [m.sender_id for m in received] == [HEX]
