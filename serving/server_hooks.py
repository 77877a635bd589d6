"""Server-wide protections for the Rasa server, attached when our REST channel registers.

- The HTTP API (conversations, model, status...) answers only clients from allowed networks
  (default: this machine), whatever interface the server listens on; the webhooks and the
  socket.io endpoint stay public. The API is always token-protected too (`--auth-token`).
- A request body limit (Sanic's default is 100 MB).
- The action-failure detector, so a failed action always gets the visitor an apology.
- Action server responses validated against a schema compiled once (action_validation.py).
- Less work per turn, each with Rasa's own results: stored events' classes from a table
  (event_types.py), the history's replay resumed (tracker_replay.py), rule matching that
  stops where no rule reaches (rule_matching.py), the action payload without deep copies
  (action_payload.py) and with each event encoded to JSON once (event_json.py), the model's
  graph run in a plan worked out once (graph_runner.py), trackers copied from their state
  instead of replayed (tracker_copy.py), answers about the domain kept (domain_memo.py), no
  copies or texts made for debug lines that are dropped (debug_lines.py), the memoization
  policy's lookup by text (memo_lookup.py).
- Pooled connections to the action server and a rehearsed conversation before serving
  (warm_start.py, rasa_server.py), then a message through the worker's own HTTP handling
  (http_rehearsal.py).
- The clinic's details as slot defaults, in case the action server is down (clinic_defaults.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
from typing import List, Mapping, Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from serving import (
    action_payload,
    action_validation,
    clinic_defaults,
    debug_lines,
    domain_memo,
    event_types,
    failure_detector,
    graph_runner,
    http_rehearsal,
    memo_lookup,
    rule_matching,
    tensorflow_standin,
    tracker_copy,
    tracker_replay,
    warm_start,
)

logger = logging.getLogger(__name__)
PUBLIC_PREFIXES = ("/webhooks/", "/socket.io")
DEFAULT_ALLOWED = "127.0.0.0/8,::1/128"
DEFAULT_MAX_BODY = 256 * 1024


def allowed_networks(env: Mapping[str, str]) -> List[ipaddress._BaseNetwork]:
    spec = env.get("RASA_API_ALLOW_FROM", DEFAULT_ALLOWED)
    return [ipaddress.ip_network(part.strip(), strict=False)
            for part in spec.split(",") if part.strip()]


def is_public_path(path: str) -> bool:
    return path == "/" or path.startswith(PUBLIC_PREFIXES)


def client_allowed(ip: Optional[str], networks: List[ipaddress._BaseNetwork]) -> bool:
    try:
        address = ipaddress.ip_address((ip or "").split("%")[0])
    except ValueError:
        return False
    return any(address in network for network in networks)


def attach(app: Sanic, env: Optional[Mapping[str, str]] = None) -> None:
    """Adds the protections to `app` once."""
    if getattr(app.ctx, "physio_hooks", False):
        return
    app.ctx.physio_hooks = True
    env = os.environ if env is None else env
    networks = allowed_networks(env)
    app.config.REQUEST_MAX_SIZE = int(env.get("MAX_REQUEST_BYTES", DEFAULT_MAX_BODY))
    failure_detector.install()
    failure_detector.stop_turns_on_failure()
    action_validation.install()
    event_types.install()
    tracker_replay.install()
    tracker_copy.install()
    domain_memo.install()
    debug_lines.install()
    memo_lookup.install()
    rule_matching.install()
    action_payload.install()
    graph_runner.install()

    async def api_only_from_allowed_networks(request: Request) -> Optional[HTTPResponse]:
        if is_public_path(request.path) or client_allowed(request.ip, networks):
            return None
        logger.warning("http_api.refused path=%s", request.path)
        return response.json({"error": "the HTTP API is not available from this network"},
                             status=403)

    app.register_middleware(api_only_from_allowed_networks, "request")


async def get_ready(app: Sanic) -> None:
    """After the agent is loaded: pooled action-server connections and a warm-up turn."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None or getattr(app.ctx, "physio_ready", False):
        return
    app.ctx.physio_ready = True
    tensorflow = tensorflow_standin.applied()
    if tensorflow is not None:
        logger.info("server.tensorflow loaded=%s reason=%r", not tensorflow.stand_in,
                    tensorflow.reason)
    if agent.domain is not None:
        clinic_defaults.apply(agent.domain)
    app.ctx.action_connections = warm_start.share_action_connections(agent)
    await warm_start.warm_up(agent)


async def rehearse_requests(app: Sanic) -> None:
    """Before the worker serves only (it swaps the agent's processor meanwhile): a message
    through the worker's own HTTP handling (http_rehearsal.py). A failure or a time-out is
    logged and only costs the first visitor some milliseconds."""
    try:
        await asyncio.wait_for(http_rehearsal.rehearse_over_http(app),
                               warm_start.WARM_UP_TIMEOUT_S)
    except asyncio.TimeoutError:
        logger.warning("server.warm_up.http_failed error=TimeoutError")
    except Exception as error:  # noqa: BLE001 - see the docstring
        logger.warning("server.warm_up.http_failed error=%s", type(error).__name__)


async def on_serving(app: Sanic) -> None:
    """Once Sanic listens: gets ready here only if start-up did not already (a plain
    `rasa run`, not `serving.rasa_server`, which gets ready before serving)."""
    setattr(app.ctx, http_rehearsal.SERVING_FLAG, True)
    logger.info("server.serving ready_before=%s", bool(getattr(app.ctx, "physio_ready", False)))
    await get_ready(app)


async def release(app: Sanic) -> None:
    shared = getattr(app.ctx, "action_connections", None)
    if shared is not None:
        await shared.close()
