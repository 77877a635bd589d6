"""A stand-in for Rasa's socket.io channel, for the widget's browser tests.

It speaks the protocol of Rasa 3.6.21's `socketio` channel with `session_persistence: true`
(`rasa/core/channels/socketio.py`): the same python-socketio `AsyncServer` on Sanic, `/socket.io`,
`session_request` -> `enter_room(sid, session_id)` + `session_confirm` (the bare id),
`user_uttered` -> replies to the session's room; and it sends its replies through Rasa's own
`SocketIOOutput`, so texts are split on blank lines, buttons arrive as `quick_replies` and
images as `attachment`s exactly as Rasa emits them.

Staff replies are emitted the way the clinic's socket.io channel must deliver the contract's
custom payload: `bot_uttered` whose data is `{"kind": "staff_reply", "text", "author"}`.
(Rasa 3.6.21's stock `send_custom_json` calls `sio.emit(evt, **custom)`, which python-socketio
5.9 rejects with a TypeError for such a payload.)

The bot is a fixed script keyed by the incoming message, with no memory, so a restart loses nothing.

Test hooks (HTTP): `GET /_test/events` (what arrived), `POST /_test/push` (a custom payload to a
session, as the front-desk console would), `POST /_test/release` (lets a held "wait for me" answer).

Run: `python -m tests.browser.fake_rasa --port 5099 --images-base http://127.0.0.1:8000
      --cors-origin http://127.0.0.1:8000`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import uuid
from typing import Any, Dict, List, Optional

from rasa.core.channels.socketio import SocketIOOutput
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors import CORS
from socketio import AsyncServer

logger = logging.getLogger("fake_rasa")

BOT_EVENT = "bot_uttered"
USER_EVENT = "user_uttered"
TESTS = [
    ("forward_lean", "Test 1 of 4: leaning forward",
     ["Sit upright on a chair", "Slowly lean forward as if to put on your shoes",
      "Come back up to sitting upright"]),
    ("side_bend", "Test 2 of 4: bending sideways",
     ["Stand with your feet slightly apart, arms by your sides",
      "Slowly bend to one side and come back up",
      "Repeat to the other side"]),
    ("rotation", "Test 3 of 4: turning",
     ["Stand with your feet slightly apart", "Turn your upper body to one side as far as you can",
      "Repeat to the other side"]),
    ("pelvic_tilt", "Test 4 of 4: flat-back bend",
     ["Tilt your pelvis back to flatten your lower back", "Bend forward keeping your back flat",
      "Come back up"]),
]
GREETING = "Let's start again. How can I help with your back today?"
HANDOFF = "I've asked our front desk to join this chat. A person will reply here shortly."
FORMATTING = (
    "*Bold words* and **more bold**\n"
    "• first bullet\n"
    "• second bullet\n"
    "Read more at https://example.org/exercises.\n"
    "Not a link: javascript:alert(1)\n"
    "A [labelled link](https://example.org/privacy)"
)


def test_step(index: int, images_base: str) -> List[Dict[str, Any]]:
    """One movement test: its picture, then its steps and the question, as Rasa would send them."""
    name, title, steps = TESTS[index]
    bullets = "\n".join(f"• {step}" for step in steps)
    buttons = [
        {"title": "Yes, it hurt",
         "payload": f'/describe_pain{{"test":"{name}","result":"pain"}}'},
        {"title": "No, it was fine",
         "payload": f'/describe_pain{{"test":"{name}","result":"fine"}}'},
    ]
    return [
        {"image": f"{images_base}/images/tests/{name}.svg"},
        {"text": f"*{title}*\n{bullets}\n\nDid you feel pain or tension in your lower back?",
         "buttons": buttons},
    ]


def script(message: str, images_base: str) -> List[Dict[str, Any]]:
    """The bot's answer to one message: a list of Rasa response dicts."""
    text = message.strip()
    if text == "/affirm":
        return test_step(0, images_base)
    if text.startswith("/describe_pain"):
        done = json.loads(text[len("/describe_pain"):])["test"]
        index = [name for name, _, _ in TESTS].index(done) + 1
        if index < len(TESTS):
            return test_step(index, images_base)
        return [{
            "text": "Thank you, that was the last test.\nPain in these movements can come from a "
                    "muscle spasm. Read more: https://example.org/back-pain\n\n"
                    "Would you like to book an assessment?",
            "buttons": [{"title": "Book an assessment", "payload": "/book"},
                        {"title": "Talk to a person", "payload": "/human_handoff"}],
        }]
    if text == "/deny":
        return [{"text": "No problem. Is there anything else I can help with?"}]
    if text == "/human_handoff":
        return [{"text": HANDOFF}]
    if text == "/start_over":
        return [{"text": GREETING}]
    if text == "/book":
        return [{"text": "Great. Which day suits you best?"}]
    if "back" in text.lower():
        return [{
            "text": "I'm sorry your back hurts. I can walk you through four simple movement tests."
                    "\n\nWould you like to try them?",
            "buttons": [{"title": "Yes", "payload": "/affirm"},
                        {"title": "No", "payload": "/deny"}],
        }]
    if text.lower() == "formatting please":
        return [{"text": FORMATTING}]
    return [{"text": f"Sorry, I didn't understand “{text}”. Could you say it another way?"}]


def create_app(images_base: str, cors_origins: List[str], name: str = "fake_rasa") -> Sanic:
    app = Sanic(name, configure_logging=False)
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 1
    CORS(app, resources={r"/*": {"origins": cors_origins or ""}}, automatic_options=True)
    sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
    sio.attach(app, "/socket.io")
    output = SocketIOOutput(sio, BOT_EVENT)
    received: List[Dict[str, Any]] = []
    hold = asyncio.Event()

    @sio.on("connect")
    async def connect(sid: str, environ: Dict, auth: Optional[Dict] = None) -> bool:
        return True

    @sio.on("session_request")
    async def session_request(sid: str, data: Optional[Dict]) -> None:
        data = dict(data or {})
        received.append({"event": "session_request", "data": dict(data)})
        if data.get("session_id") is None:
            data["session_id"] = uuid.uuid4().hex
        sio.enter_room(sid, data["session_id"])
        await sio.emit("session_confirm", data["session_id"], room=sid)

    @sio.on(USER_EVENT)
    async def handle_message(sid: str, data: Dict) -> None:
        received.append({"event": USER_EVENT, "data": data})
        if not data.get("session_id"):
            logger.warning("fake_rasa.message.without_session_id")
            return
        text = str(data.get("message", ""))
        if text == "wait for me":
            await hold.wait()
            hold.clear()
            await output.send_response(data["session_id"], {"text": "Thanks for waiting."})
            return
        for reply in script(text, images_base):
            await output.send_response(data["session_id"], dict(reply))

    @app.get("/")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/_test/events")
    async def events(_: Request) -> HTTPResponse:
        return response.json(received)

    @app.post("/_test/push")
    async def push(request: Request) -> HTTPResponse:
        body = request.json or {}
        await sio.emit(BOT_EVENT, body["custom"], room=body["session_id"])
        return response.json({"ok": True})

    @app.post("/_test/release")
    async def release(_: Request) -> HTTPResponse:
        hold.set()
        return response.json({"ok": True})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--images-base", required=True, help="where /images/tests/*.svg are served")
    parser.add_argument("--cors-origin", action="append", default=[])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = create_app(args.images_base.rstrip("/"), args.cors_origin)
    app.run(host=args.host, port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
