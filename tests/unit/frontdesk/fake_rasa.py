"""A stand-in for Rasa's HTTP API: serves scripted trackers and records the events posted.

Runs an aiohttp server on a free port in a background thread, so it serves both in-process
tests and a console running as a separate process. Like Rasa (Sanic), it does not unquote the
conversation id in the path, so a console that over-encodes ids is caught.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs

from aiohttp import web

_TRACKER_PATH = re.compile(r"^/conversations/(?P<cid>.+?)/tracker(?P<events>/events)?$")


@dataclass
class RecordedRequest:
    method: str
    conversation_id: str
    endpoint: str  # "tracker" or "events"
    query: Dict[str, str]
    body: Any = None


@dataclass
class FakeRasa:
    token: str = "test-rasa-token"
    trackers: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    requests: List[RecordedRequest] = field(default_factory=list)
    # When set, every request to /conversations/... is answered with this status.
    fail_with: Optional[int] = None
    fail_posts_with: Optional[int] = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    # --- scripting and inspection (thread-safe) ---------------------------------------------

    def add_events(self, conversation_id: str, *events: Dict[str, Any]) -> None:
        with self._lock:
            stored = self.trackers.setdefault(conversation_id, [])
            for event in events:
                stored.append({"timestamp": time.time(), **event})

    def user_says(self, conversation_id: str, text: str, channel: str = "socketio",
                  timestamp: Optional[float] = None) -> None:
        event: Dict[str, Any] = {"event": "user", "text": text, "input_channel": channel,
                                 "metadata": {}}
        if timestamp is not None:
            event["timestamp"] = timestamp
        self.add_events(conversation_id, event)

    def bot_says(self, conversation_id: str, text: str,
                 buttons: Optional[List[str]] = None) -> None:
        data: Dict[str, Any] = {"buttons": [{"title": b, "payload": f"/{b}"}
                                            for b in buttons or []]}
        self.add_events(conversation_id, {"event": "bot", "text": text, "data": data,
                                          "metadata": {}})

    def events_of(self, conversation_id: str) -> List[Dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self.trackers.get(conversation_id, []))

    def posts_for(self, conversation_id: str) -> List[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests
                    if r.conversation_id == conversation_id and r.method == "POST"]

    def reset(self) -> None:
        with self._lock:
            self.trackers.clear()
            self.requests.clear()
            self.fail_with = None
            self.fail_posts_with = None

    # --- the server ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        raw_path, _, raw_query = request.raw_path.partition("?")
        query = {k: v[0] for k, v in parse_qs(raw_query).items()}
        if raw_path == "/status":
            return web.json_response({"model_file": "fake", "num_active_training_jobs": 0})
        match = _TRACKER_PATH.match(raw_path)
        if match is None:
            return web.json_response({"status": "failure", "reason": "NotFound"}, status=404)
        if query.get("token") != self.token:
            return web.json_response({"status": "failure", "reason": "NotAuthenticated"},
                                     status=401)
        conversation_id = match["cid"]
        endpoint = "events" if match["events"] else "tracker"
        body: Any = None
        if request.method == "POST":
            try:
                body = json.loads(await request.text())
            except ValueError:
                return web.json_response({"reason": "BadRequest"}, status=400)
        with self._lock:
            self.requests.append(RecordedRequest(request.method, conversation_id, endpoint,
                                                 query, body))
            failure = self.fail_with
            if request.method == "POST" and self.fail_posts_with is not None:
                failure = self.fail_posts_with
        if failure is not None:
            return web.json_response({"status": "failure", "message": "scripted failure"},
                                     status=failure)
        if request.method == "POST" and endpoint == "events":
            events = body if isinstance(body, list) else [body]
            if not events or not all(isinstance(e, dict) and "event" in e for e in events):
                return web.json_response({"reason": "BadRequest"}, status=400)
            self.add_events(conversation_id, *events)
        elif request.method != "GET" or endpoint != "tracker":
            return web.json_response({"reason": "MethodNotAllowed"}, status=405)
        events_now = self.events_of(conversation_id)
        paused = False
        for event in events_now:
            if event.get("event") == "pause":
                paused = True
            elif event.get("event") == "resume":
                paused = False
        return web.json_response({"sender_id": conversation_id, "events": events_now,
                                  "paused": paused, "slots": {}, "latest_message": {}})

    def start(self) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, sock).start())
            self._runner = runner
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-rasa", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Rasa server did not start")
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None
            self._thread = None
