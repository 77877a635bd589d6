"""Many visitors at once against Rasa replicas over REST (asyncio + aiohttp), with a record of
every message: where it was sent, what came back, and whether it was acknowledged (HTTP 200).

Each message carries its own id in the REST body's `metadata` (`{"load_msg_id": ...}`), which
Rasa keeps on the tracker's `user` event, so the checks afterwards can tell exactly which
message is in which conversation, how often and in what order.

Fail-over (as a load balancer with health checks would do it): when a replica refuses or drops
a connection, it is marked dead and later messages go to a survivor. The message whose request
failed is resent to a survivor only after the survivor's HTTP API shows that it is not in the
conversation: the dead replica may have saved the turn just before it died, and Rasa's REST
channel has no idempotency key, so a blind resend could record the message twice.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence

import aiohttp

META_KEY = "load_msg_id"
REQUEST_TIMEOUT_S = 180.0  # a turn may wait a whole lock lease (15 s) and more on 2 cores
CONNECTION_ERRORS = (aiohttp.ClientConnectionError, ConnectionError, OSError)


@dataclass
class Attempt:
    replica: str
    outcome: str  # "ok", "notice", "http_<status>", "connection_error", "timeout"
    seconds: float
    detail: str = ""


@dataclass
class Turn:
    index: int
    text: str
    msg_id: str
    attempts: List[Attempt] = field(default_factory=list)
    status: str = "pending"  # "acked", "recorded_unacked", "failed"
    replies: List[Dict[str, Any]] = field(default_factory=list)
    acked_by: Optional[str] = None
    retried_after_connection_error: bool = False

    @property
    def reply_texts(self) -> List[str]:
        return [r.get("text") or "" for r in self.replies]

    @property
    def total_seconds(self) -> float:
        return sum(a.seconds for a in self.attempts)


@dataclass
class Conversation:
    sender: str
    texts: Sequence[str]
    booking: Optional[Dict[str, str]] = None  # name, phone (as typed) for booking scripts
    turns: List[Turn] = field(default_factory=list)
    offset: int = 0  # turn i goes to replica (offset + i) % n

    def __post_init__(self) -> None:
        if not self.turns:
            self.turns = [Turn(i, text, f"{self.sender}#{i}") for i, text in
                          enumerate(self.texts)]

    @property
    def acked(self) -> List[Turn]:
        return [t for t in self.turns if t.status == "acked"]


@dataclass
class RunReport:
    conversations: List[Conversation]
    seconds: float
    concurrency: int
    events: List[str] = field(default_factory=list)  # what happened when (kills, etc.)

    @property
    def turns(self) -> List[Turn]:
        return [t for c in self.conversations for t in c.turns]

    def count(self, status: str) -> int:
        return sum(1 for t in self.turns if t.status == status)

    @property
    def attempts(self) -> List[Attempt]:
        return [a for t in self.turns for a in t.attempts]

    def figures(self) -> Dict[str, Any]:
        attempts = self.attempts
        ok = sorted(a.seconds for a in attempts if a.outcome == "ok")
        errors: Dict[str, int] = {}
        for attempt in attempts:
            if attempt.outcome != "ok":
                errors[attempt.outcome] = errors.get(attempt.outcome, 0) + 1
        per_replica: Dict[str, int] = {}
        for turn in self.turns:
            if turn.acked_by:
                per_replica[turn.acked_by] = per_replica.get(turn.acked_by, 0) + 1
        retried = [t.total_seconds for t in self.turns if t.retried_after_connection_error
                   and t.status == "acked"]
        noticed = [t for t in self.turns if any(a.outcome == "notice" for a in t.attempts)]
        return {
            "conversations": len(self.conversations),
            "messages": len(self.turns),
            "concurrency": self.concurrency,
            "seconds": round(self.seconds, 1),
            "acked_per_second": round(self.count("acked") / self.seconds, 1)
            if self.seconds else 0.0,
            "acked": self.count("acked"),
            "recorded_unacked": self.count("recorded_unacked"),
            "failed": self.count("failed"),
            "requests": len(attempts),
            "request_errors": errors,
            "acked_by_replica": per_replica,
            "latency_p50_s": round(_percentile(ok, 50), 3),
            "latency_p95_s": round(_percentile(ok, 95), 3),
            "latency_max_s": round(ok[-1], 3) if ok else 0.0,
            "failed_over": sum(1 for t in self.turns if t.retried_after_connection_error),
            "failed_over_max_s": round(max(retried), 1) if retried else 0.0,
            "resent_after_notice": len(noticed),
        }


def _percentile(values: List[float], pct: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


class LoadDriver:
    """Runs conversations with `concurrency` visitors at once; turn i of a conversation goes to
    replica `(offset + i) % len(replicas)` (alternating between two replicas)."""

    def __init__(self, replicas: Dict[str, str], token: str, concurrency: int,
                 think_time_s: float = 0.05, seed: int = 1,
                 resend_on: Iterable[str] = (), resend_delay_s: float = 1.0,
                 max_resends: int = 30) -> None:
        self.replicas = dict(replicas)  # name -> base URL
        # Service notices that mean "not processed, send it again" (the `try_again` notice):
        # the visitor resends, as told, after a pause.
        self.resend_on = set(resend_on)
        self.resend_delay_s = resend_delay_s
        self.max_resends = max_resends
        self.order = list(replicas)
        self.token = token
        self.concurrency = concurrency
        self.think_time_s = think_time_s
        self.dead: set = set()
        self.random = random.Random(seed)
        self.events: List[str] = []
        self.acked = 0
        self._hooks: List[tuple] = []
        self._started = 0.0

    def on_acked(self, count: int, hook: Callable[[], Awaitable[None]]) -> None:
        """Runs `hook` once, as soon as `count` messages were acknowledged."""
        self._hooks.append((count, hook))

    def note(self, text: str) -> None:
        self.events.append(f"{time.monotonic() - self._started:7.2f}s {text}")

    async def run(self, conversations: List[Conversation]) -> RunReport:
        self._started = time.monotonic()
        queue: asyncio.Queue = asyncio.Queue()
        for conversation in conversations:
            queue.put_nowait(conversation)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        connector = aiohttp.TCPConnector(limit=self.concurrency * 2, force_close=False)
        hook_tasks: List[asyncio.Task] = []
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            self._session = session
            self._hook_tasks = hook_tasks
            workers = [asyncio.create_task(self._worker(queue))
                       for _ in range(self.concurrency)]
            await asyncio.gather(*workers)
            if hook_tasks:
                await asyncio.gather(*hook_tasks)
        return RunReport(conversations, time.monotonic() - self._started, self.concurrency,
                         self.events)

    async def _worker(self, queue: asyncio.Queue) -> None:
        while True:
            try:
                conversation = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            for turn in conversation.turns:
                await self._send_turn(conversation, turn)
                if self.think_time_s:
                    await asyncio.sleep(self.random.uniform(0, self.think_time_s))

    def _target(self, conversation: Conversation, turn: Turn) -> str:
        name = self.order[(conversation.offset + turn.index) % len(self.order)]
        if name in self.dead:
            alive = [n for n in self.order if n not in self.dead]
            if not alive:
                raise RuntimeError("every replica is dead")
            name = alive[(conversation.offset + turn.index) % len(alive)]
        return name

    async def _send_turn(self, conversation: Conversation, turn: Turn) -> None:
        for _ in range(len(self.order) + 1 + self.max_resends):
            replica = self._target(conversation, turn)
            attempt = await self._post(replica, conversation, turn)
            turn.attempts.append(attempt)
            if attempt.outcome == "notice":
                await asyncio.sleep(self.resend_delay_s)
                continue
            if attempt.outcome == "ok":
                turn.status, turn.acked_by = "acked", replica
                self.acked += 1
                self._fire_hooks()
                return
            if attempt.outcome != "connection_error":
                turn.status = "failed"  # an HTTP error or a timeout: not resent
                return
            if replica not in self.dead:
                self.dead.add(replica)
                self.note(f"replica {replica} marked dead ({attempt.detail})")
            if not [n for n in self.order if n not in self.dead]:
                turn.status = "failed"
                return
            # The dead replica may have saved the turn before dying: look before resending.
            await asyncio.sleep(0.5)
            recorded = await self._recorded(conversation, turn)
            if recorded is None:
                turn.status = "failed"
                return
            if recorded:
                turn.status = "recorded_unacked"
                return
            turn.retried_after_connection_error = True
        turn.status = "failed"

    async def _post(self, replica: str, conversation: Conversation, turn: Turn) -> Attempt:
        body = {"sender": conversation.sender, "message": turn.text,
                "metadata": {META_KEY: turn.msg_id}}
        url = self.replicas[replica] + "/webhooks/rest/webhook"
        started = time.monotonic()
        try:
            async with self._session.post(url, json=body) as reply:
                payload = await reply.read()
                seconds = time.monotonic() - started
                if reply.status != 200:
                    return Attempt(replica, f"http_{reply.status}", seconds,
                                   payload[:200].decode("utf-8", "replace"))
                turn.replies = _json_list(payload)
                if self.resend_on & {r.get("text") for r in turn.replies}:
                    return Attempt(replica, "notice", seconds)
                return Attempt(replica, "ok", seconds)
        except asyncio.TimeoutError:
            return Attempt(replica, "timeout", time.monotonic() - started)
        except CONNECTION_ERRORS as error:
            return Attempt(replica, "connection_error", time.monotonic() - started,
                           type(error).__name__)

    async def _recorded(self, conversation: Conversation, turn: Turn) -> Optional[bool]:
        """Whether a live replica's tracker holds the message (None: no answer)."""
        for name in self.order:
            if name in self.dead:
                continue
            url = f"{self.replicas[name]}/conversations/{conversation.sender}/tracker"
            try:
                async with self._session.get(url, params={"token": self.token}) as reply:
                    if reply.status != 200:
                        continue
                    tracker = await reply.json()
            except (asyncio.TimeoutError, *CONNECTION_ERRORS):
                continue
            return turn.msg_id in message_ids(tracker.get("events") or [])
        return None

    def _fire_hooks(self) -> None:
        for entry in list(self._hooks):
            count, hook = entry
            if self.acked >= count:
                self._hooks.remove(entry)
                self._hook_tasks.append(asyncio.create_task(hook()))


def _json_list(payload: bytes) -> List[Dict[str, Any]]:
    import json

    value = json.loads(payload.decode("utf-8"))
    if not isinstance(value, list):
        raise AssertionError(f"the REST channel answered {value!r}, not a list")
    return value


def message_ids(events: List[Dict[str, Any]]) -> List[str]:
    """The load message ids of the `user` events, in order (None for other messages)."""
    return [((e.get("metadata") or {}).get(META_KEY)) for e in events if e.get("event") == "user"]


def turn_problems(events: List[Dict[str, Any]]) -> List[str]:
    """Every `user` event must be followed by at least one `bot` event before the next
    `user` event (the bot answered every message)."""
    problems = []
    pending: Optional[str] = None
    for event in events:
        if event.get("event") == "user":
            if pending is not None:
                problems.append(f"no bot reply after {pending!r}")
            pending = (event.get("metadata") or {}).get(META_KEY) or event.get("text")
        elif event.get("event") == "bot" and pending is not None:
            pending = None
    if pending is not None:
        problems.append(f"no bot reply after {pending!r}")
    return problems
