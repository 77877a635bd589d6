"""A visitor's message through the worker's own HTTP request handling, before it serves.

The rehearsal of warm_start.py goes through Rasa's message processor, not through Sanic:
routing, the middleware, the REST channel's checks, the turn guard, the lock store and the
JSON response. Each worker's first request through those was 3 to 5 ms slower than its next
ones (measured with two workers, first request of each worker against its next three), and
with two workers a visitor paid for it: the start-up probe warms only the worker that answers
it. Here one message goes to the REST webhook through Sanic's ASGI entry point (its public
interface for servers other than its own), before the worker accepts any connection, and is
answered by the rehearsal processor: its tracker and lock stores are in memory and thrown
away, nothing is stored or published. The one trace it leaves is the rate limiter's count
for the rehearsal's own sender id, which expires with the limiter's window.
"""

from __future__ import annotations

import json
import logging
import uuid
import warnings
from typing import Any, Dict, List, Optional, Tuple

from rasa.core.agent import Agent
from sanic import Sanic

from serving import warm_start

logger = logging.getLogger(__name__)
REST_WEBHOOK = "/webhooks/rest/webhook"
REHEARSAL_TEXT = "hi"
SERVING_FLAG = "physio_serving"  # set on app.ctx once Sanic accepts connections


def http_scope(path: str, body: bytes) -> Dict[str, Any]:
    """An ASGI HTTP scope for a JSON POST from this machine."""
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": b"", "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0),
    }


async def post_through_app(app: Sanic, path: str, payload: Dict[str, Any]
                           ) -> Tuple[Optional[int], bytes]:
    """POSTs `payload` to `path` through the app's ASGI entry point: (status, body)."""
    body = json.dumps(payload).encode()
    pending: List[Dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": False}]
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    was_asgi = app.asgi
    try:
        with warnings.catch_warnings():
            # Sanic warns, for every ASGI request, that an ASGI server would run the start
            # listeners late; they have run here, in Sanic's own server.
            warnings.filterwarnings("ignore", message=".*in ASGI mode", category=UserWarning)
            await app(http_scope(path, body), receive, send)
    finally:
        app.asgi = was_asgi  # Sanic's own server runs with asgi off; entering ASGI set it
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), None)
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def rehearse_over_http(app: Sanic, text: str = REHEARSAL_TEXT) -> Optional[int]:
    """One message to the REST webhook, answered in memory; the HTTP status (None when there
    is no agent or no REST webhook). Call only before the worker serves: the agent's
    processor is swapped for the rehearsal one meanwhile."""
    if getattr(app.ctx, SERVING_FLAG, False):
        # Visitors could arrive meanwhile and reach the throwaway processor: never.
        logger.warning("server.warm_up.http_skipped reason=already_serving")
        return None
    agent: Optional[Agent] = getattr(app.ctx, "agent", None)
    if agent is None or not any(r.path.strip("/") == REST_WEBHOOK.strip("/")
                                for r in app.router.routes):
        return None
    processor = warm_start.rehearsal_processor(agent)
    if processor is None:
        return None
    real = agent.processor
    agent.processor = processor
    sender = f"warm-up-{uuid.uuid4().hex}"
    try:
        status, body = await post_through_app(app, REST_WEBHOOK,
                                              {"sender": sender, "message": text})
    finally:
        agent.processor = real
    replies = len(json.loads(body)) if status == 200 else 0
    # A turn that failed is still answered (the turn guard's apology, status 200): the
    # rehearsal counts only if the rehearsal processor kept the message.
    kept = await processor.tracker_store.retrieve(sender)
    handled = kept is not None and kept.latest_message is not None \
        and kept.latest_message.text == text
    if status == 200 and handled:
        logger.info("server.warm_up.http status=%s replies=%d", status, replies)
    else:
        logger.warning("server.warm_up.http_failed status=%s handled=%s", status, handled)
    return status
