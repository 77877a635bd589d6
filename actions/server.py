"""The custom action server: rasa_sdk's executor behind a hardened Sanic app.

Why not `rasa run actions`: its server binds 0.0.0.0, has no authentication, and its error
handler echoes the request body, which is the whole conversation (health data). Here the server
binds 127.0.0.1 unless told otherwise, demands a shared token whenever it listens elsewhere, and
its error responses carry an error id, never conversation content.

Run: `python -m actions.server` (env: ACTION_SERVER_HOST, ACTION_SERVER_PORT,
ACTION_SERVER_TOKEN).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import uuid
from typing import Any, Optional

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger("actions.server")

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_BODY_BYTES = 2 * 1024 * 1024
# Rasa's pooled client (serving/warm_start.py) drops idle connections after 30 s; the server
# must keep them longer, or a call can land on a connection the server is closing.
KEEP_ALIVE_TIMEOUT_S = 75


JANITOR_INTERVAL_S = 30.0


async def erasure_janitor() -> None:
    """Carries out "delete my data" requests once their conversation has gone quiet."""
    from actions import dependencies

    while True:
        await asyncio.sleep(JANITOR_INTERVAL_S)
        try:
            done = await asyncio.to_thread(dependencies.get().eraser.run_due)
            if done:
                logger.info("privacy.janitor erased=%d", done)
        except Exception:
            logger.exception("privacy.janitor.failed")


class ConfigurationError(RuntimeError):
    """The server would start in an unsafe configuration."""


def check_exposure(host: str, token: Optional[str]) -> None:
    """Refuse to listen beyond this machine without a shared token."""
    if host not in LOOPBACK and not token:
        raise ConfigurationError(
            f"ACTION_SERVER_HOST={host} exposes the action server; set ACTION_SERVER_TOKEN "
            "(and the same token in endpoints.yml's action_endpoint) or bind 127.0.0.1."
        )


def create_app(package: str = "actions", token: Optional[str] = None) -> Sanic:
    """Builds the app; no I/O happens until the server starts."""
    app = Sanic("action_server", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_TIMEOUT_S
    executor = ActionExecutor()
    executor.register_package(package)

    def authorised(request: Request) -> bool:
        if not token:
            return True
        given = request.args.get("token") or request.headers.get("authorization", "")
        given = given.removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        if not authorised(request):
            return response.json({"error": "unauthorised"}, status=401)
        try:
            action_call = request.json
        except InvalidUsage:  # malformed JSON
            action_call = None
        if not isinstance(action_call, dict) or "tracker" not in action_call:
            return response.json({"error": "invalid action call"}, status=400)
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as exc:
            return response.json({"error": exc.message, "action_name": exc.action_name}, 400)
        except ActionNotFoundException as exc:
            logger.error("action.not_found name=%s", exc.action_name)
            return response.json({"error": "unknown action", "action_name": exc.action_name}, 404)
        return response.json(result)

    @app.get("/actions")
    async def actions(request: Request) -> HTTPResponse:
        if not authorised(request):
            return response.json({"error": "unauthorised"}, status=401)
        return response.json([{"name": name} for name in executor.actions])

    async def start_erasure_janitor(app_: Sanic, _loop: Any) -> None:
        app_.ctx.janitor = asyncio.create_task(erasure_janitor())

    async def stop_erasure_janitor(app_: Sanic, _loop: Any) -> None:
        task = getattr(app_.ctx, "janitor", None)
        if task is not None:
            task.cancel()

    app.register_listener(start_erasure_janitor, "after_server_start")
    app.register_listener(stop_erasure_janitor, "before_server_stop")

    @app.exception(Exception)
    async def on_error(request: Request, exc: Exception) -> HTTPResponse:
        status = getattr(exc, "status_code", 500)
        if status >= 500:
            error_id = uuid.uuid4().hex[:12]
            # The traceback names code, not patient text; the body is never logged.
            logger.error("action.failed error_id=%s path=%s", error_id, request.path,
                         exc_info=exc)
            return response.json({"error": "internal error", "error_id": error_id}, 500)
        return response.json({"error": str(exc)}, status=status)

    return app


def preload_wordings() -> None:
    """The YAML files the actions read on first use (answer words, FAQ names, quick
    replies), read now: the first visitor does not wait for them, and a broken one stops
    the start, not a turn."""
    from actions import answer_words, faq_catalogue, quick_replies

    answer_words._patterns()
    faq_catalogue.response_names()
    quick_replies._all()


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    host = os.environ.get("ACTION_SERVER_HOST", "127.0.0.1")
    port = int(os.environ.get("ACTION_SERVER_PORT", "5055"))
    token = os.environ.get("ACTION_SERVER_TOKEN") or None
    check_exposure(host, token)
    from store.db import Database

    Database().migrate()  # idempotent: a no-op when the schema is current
    from actions import dependencies

    dependencies.get()  # load the triage knowledge and profile now: a broken file stops here
    preload_wordings()
    app = create_app(token=token)
    logger.info("action_server.start host=%s port=%s auth=%s", host, port, bool(token))
    app.run(host=host, port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
