"""Gets the Rasa server ready before the first visitor arrives.

- Keeps one HTTP connection pool to the action server: Rasa 3.6 opens a new aiohttp session
  (and a new TCP connection) for every action call, a seventh of the server's time per turn
  in this assistant's profile. The action endpoint's session factory is replaced on this
  agent's endpoint object only. Its requests are encoded by ujson (json_encoding.py).
- A rehearsal: a few turns of a visitor's opening (greeting, what happened, the first
  screening answers, a question about the article) go through Rasa's own message processor,
  with its NLU, policies, response templates and real action server calls, on a copy of the
  processor whose tracker and lock stores are in memory and thrown away: nothing is stored
  or published. Each Sanic worker rehearses for itself (each loads its own model), before
  it takes any visitor (serving/rasa_server.py): warmed up after its socket was open, a
  worker answered visitors cold, or slowly beside its own warm-up (first turns of 200 ms).
  The actions run for these turns only read (session start, triage of the answers, the
  FAQ); none books, hands over or writes. The tracker store runs a turn's queries on a
  conversation that does not exist and rolls its insert back (connections, compiled
  statements), the lock store locks and frees a conversation that does not exist (Redis:
  connection, script), and the action server's health is asked over the shared
  connections, so the first visitor does not pay for setting any of them up.
- What start-up built is then left out of the garbage collector's full passes.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import logging
import uuid
from typing import Any, Optional, Sequence
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import AwaitableTrackerStore, InMemoryTrackerStore
from rasa.utils.endpoints import EndpointConfig

from serving import json_encoding

logger = logging.getLogger(__name__)
ACTION_TIMEOUT_S = 300  # Rasa's own DEFAULT_REQUEST_TIMEOUT for action calls
# Shorter than the action server's keep-alive (75 s in actions/server.py) so the client, not
# the server, closes an idle connection: no call is sent on a connection being closed.
IDLE_CONNECTION_S = 30
# The warm-up holds up the server's start (Sanic serves after its start listeners): a hung
# action server must not keep the clinic offline, so the warm-up gives up after this long.
WARM_UP_TIMEOUT_S = 30.0
# A visitor's opening, as the widget and WhatsApp send it; none of these turns reaches an
# action that books, hands over or writes (see the module docstring).
REHEARSAL_TURNS = (
    "hi",
    "my back locked up when I picked up my son",
    "no",
    "none of these",
    "what is a spasm?",
)


class SharedSession:
    """Stands in for `EndpointConfig.session()`: yields one long-lived ClientSession."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.endpoint = endpoint
        self._session: Optional[aiohttp.ClientSession] = None

    def __call__(self) -> SharedSession:
        return self

    async def __aenter__(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            basic = self.endpoint.basic_auth
            self._session = aiohttp.ClientSession(
                headers=self.endpoint.headers,
                auth=aiohttp.BasicAuth(basic["username"], basic["password"]) if basic else None,
                timeout=aiohttp.ClientTimeout(total=ACTION_TIMEOUT_S),
                connector=aiohttp.TCPConnector(limit=64, keepalive_timeout=IDLE_CONNECTION_S),
                json_serialize=json_encoding.dumps)
        return self._session

    async def __aexit__(self, *exc: Any) -> bool:
        return False  # keep the session (and its connections) for the next call

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def share_action_connections(agent: Agent) -> Optional[SharedSession]:
    endpoint = agent.action_endpoint
    if endpoint is None or isinstance(getattr(endpoint, "session", None), SharedSession):
        return None
    shared = SharedSession(endpoint)
    endpoint.session = shared  # type: ignore[method-assign]
    return shared


def innermost_store(store: Any) -> Any:
    """The store Rasa wraps (fail-safe, awaitable) in `_tracker_store`."""
    while getattr(store, "_tracker_store", None) is not None:
        store = store._tracker_store
    return store


def health_url(webhook_url: str) -> str:
    """The action server's /health next to its /webhook."""
    parts = urlsplit(webhook_url)
    return urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))


def rehearsal_processor(agent: Agent) -> Optional[MessageProcessor]:
    """The agent's processor (same model, response templates and action endpoint) over a
    tracker store and a lock store of its own, in memory, with no event broker."""
    if agent.processor is None or agent.domain is None:
        return None
    processor = copy.copy(agent.processor)
    processor.tracker_store = AwaitableTrackerStore(InMemoryTrackerStore(agent.domain))
    processor.lock_store = InMemoryLockStore()
    return processor


async def rehearse(processor: MessageProcessor, turns: Sequence[str] = REHEARSAL_TURNS) -> int:
    """Sends `turns` as one throwaway conversation; the number of replies it got."""
    sender = f"warm-up-{uuid.uuid4().hex}"
    replies = 0
    for text in turns:
        output = CollectingOutputChannel()
        await processor.handle_message(UserMessage(text, output, sender))
        replies += len(output.messages)
    return replies


async def warm_up(agent: Agent, timeout_s: float = WARM_UP_TIMEOUT_S) -> None:
    """A rehearsed conversation in memory, a rehearsal of a turn's database queries, one lock
    and one action server health check: nothing is stored. A failure or a time-out is
    logged and only costs the first visitors some milliseconds."""
    try:
        await asyncio.wait_for(_warm_up_steps(agent), timeout_s)
        logger.info("server.warm_up.done")
    except asyncio.TimeoutError:
        logger.warning("server.warm_up.failed error=TimeoutError after_s=%.0f", timeout_s)
    except Exception as error:  # noqa: BLE001 - see the docstring
        logger.warning("server.warm_up.failed error=%s", type(error).__name__)
    freeze_startup_objects()


async def _warm_up_steps(agent: Agent) -> None:
    processor = rehearsal_processor(agent)
    if processor is not None:
        replies = await rehearse(processor)
        logger.info("server.warm_up.rehearsed turns=%d replies=%d", len(REHEARSAL_TURNS), replies)
    store = innermost_store(agent.tracker_store)
    if hasattr(store, "warm_up"):
        await store.warm_up()  # our SQL store: a turn's queries, rolled back
    elif store is not None:
        await store.retrieve(f"warm-up-{uuid.uuid4().hex}")
    if agent.lock_store is not None:  # Redis: its connection and the lock script
        async with agent.lock_store.lock(f"warm-up-{uuid.uuid4().hex}"):
            pass
    endpoint = agent.action_endpoint
    if endpoint is not None and endpoint.url:
        async with endpoint.session() as session, session.get(health_url(endpoint.url)) as reply:
            await reply.read()


def freeze_startup_objects() -> None:
    """Leaves what start-up built (TensorFlow, the model, the language pipeline: about half a
    million objects that live as long as the process) out of the garbage collector's full
    passes: each pass walked them all, a quarter of a second that landed on some visitor's
    turn every few dozen turns. Objects made later are collected as before. The price: a
    reference cycle among these objects is never freed, which matters only if the model is
    replaced while the server runs (the HTTP API's model endpoint; the old model then stays)."""
    gc.collect()
    gc.freeze()
    logger.info("server.gc.frozen objects=%d", gc.get_freeze_count())
