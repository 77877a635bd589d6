"""The load generator: scripted conversations over Rasa's REST channel, timed per turn.

`run_load` runs a list of conversations with `concurrency` visitors at once; each visitor sends
its conversation's turns one after the other (the next turn only after the reply) and then takes
the next conversation from the list. Every conversation has its own sender id and its own
HTTP connection (kept alive for its turns), as each visitor is a browser or phone of its own:
conversations sharing a pool of a few long-lived connections would all stay with the server
worker that happened to accept those connections (Sanic's workers share one socket), which
made a run with several workers a draw of how the connections fell. A turn is an
error when the HTTP status is not 200, the request failed or timed out, the body is not a JSON
list, or the reply is empty where one was expected.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import aiohttp

from bench.conversations import Script, Turn
from bench.stats import percentile

REST_PATH = "/webhooks/rest/webhook"


@dataclass(frozen=True)
class TurnResult:
    conversation: int
    turn: int
    latency_ms: Optional[float]  # None when no HTTP answer came back
    error: Optional[str] = None


@dataclass
class LoadResult:
    concurrency: int
    elapsed_s: float
    turns: List[TurnResult] = field(default_factory=list)

    @property
    def answered(self) -> List[TurnResult]:
        return [t for t in self.turns if t.latency_ms is not None]

    @property
    def errors(self) -> List[TurnResult]:
        return [t for t in self.turns if t.error is not None]

    @property
    def latencies_ms(self) -> List[float]:
        return [t.latency_ms for t in self.turns if t.latency_ms is not None]

    def percentile_ms(self, q: float) -> Optional[float]:
        samples = self.latencies_ms
        return percentile(samples, q) if samples else None

    @property
    def messages_per_s(self) -> Optional[float]:
        """Turns answered without error, per second of wall time."""
        ok = len(self.turns) - len(self.errors)
        return ok / self.elapsed_s if self.elapsed_s > 0 else None

    def first_turn_ms(self, conversation: int) -> Optional[float]:
        for t in self.turns:
            if t.conversation == conversation and t.turn == 0:
                return t.latency_ms
        return None

    def error_summary(self, limit: int = 3) -> str:
        """The most frequent error kinds, e.g. 'empty reply x3; HTTP 500 x1'."""
        counts: Dict[Optional[str], int] = {}
        for t in self.errors:
            counts[t.error] = counts.get(t.error, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]
        return "; ".join(f"{kind} x{n}" for kind, n in ranked)


def classify(status: int, body: bytes, turn: Turn) -> Optional[str]:
    """The error of one answered turn, or None when it is fine."""
    if status != 200:
        return f"HTTP {status}"
    try:
        replies: Any = json.loads(body)
    except ValueError:
        return "reply is not JSON"
    if not isinstance(replies, list):
        return "reply is not a list"
    if turn.expect_reply and not replies:
        return "empty reply"
    return None


def new_sender(prefix: str, index: int) -> str:
    return f"{prefix}-{index:04d}-{uuid.uuid4().hex[:8]}"


async def send_turn(session: aiohttp.ClientSession, url: str, sender: str, turn: Turn,
                    timeout_s: float) -> Tuple[Optional[float], Optional[str]]:
    """Posts one turn; returns (latency_ms or None, error or None)."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": turn.text},
                                timeout=aiohttp.ClientTimeout(total=timeout_s)) as reply:
            body = await reply.read()
            latency_ms = (time.perf_counter() - started) * 1000
            return latency_ms, classify(reply.status, body, turn)
    except asyncio.TimeoutError:
        return None, f"no answer within {timeout_s:.0f} s"
    except aiohttp.ClientError as exc:
        return None, f"request failed: {type(exc).__name__}"


async def run_load(base_url: str, scripts: Sequence[Script], concurrency: int,
                   sender_prefix: str, timeout_s: float = 60.0) -> LoadResult:
    """Runs the conversations with `concurrency` visitors at once (see the module doc)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    url = base_url.rstrip("/") + REST_PATH
    queue: asyncio.Queue = asyncio.Queue()
    for index, conversation in enumerate(scripts):
        queue.put_nowait((index, conversation))
    result = LoadResult(concurrency=concurrency, elapsed_s=0.0)

    async def visitor() -> None:
        while True:
            try:
                index, conversation = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            sender = new_sender(sender_prefix, index)
            connector = aiohttp.TCPConnector(limit=1, force_close=False)
            async with aiohttp.ClientSession(connector=connector) as session:
                for number, turn in enumerate(conversation.turns):
                    latency_ms, error = await send_turn(session, url, sender, turn, timeout_s)
                    result.turns.append(TurnResult(index, number, latency_ms, error))

    started = time.perf_counter()
    await asyncio.gather(*(visitor() for _ in range(min(concurrency, len(scripts)))))
    result.elapsed_s = time.perf_counter() - started
    return result


def run_load_sync(base_url: str, scripts: Sequence[Script], concurrency: int,
                  sender_prefix: str, timeout_s: float, deadline_s: float) -> LoadResult:
    """`run_load` from synchronous code, given up (TimeoutError) after `deadline_s`."""
    return asyncio.run(asyncio.wait_for(
        run_load(base_url, scripts, concurrency, sender_prefix, timeout_s), deadline_s))


def run_spaced_sync(base_url: str, scripts: Sequence[Script], gap_s: float,
                    sender_prefix: str, timeout_s: float, deadline_s: float,
                    sleep: Callable[[float], None] = time.sleep) -> LoadResult:
    """The conversations one after the other, each `gap_s` after the previous one ended (the
    first `gap_s` after the call): visitors who arrive apart, each after the same pause, so
    that their first turns compare like with like. `elapsed_s` leaves the pauses out."""
    result = LoadResult(concurrency=1, elapsed_s=0.0)
    for index, conversation in enumerate(scripts):
        sleep(gap_s)
        one = run_load_sync(base_url, [conversation], 1, f"{sender_prefix}-{index:04d}",
                            timeout_s, deadline_s)
        result.turns.extend(TurnResult(index, t.turn, t.latency_ms, t.error) for t in one.turns)
        result.elapsed_s += one.elapsed_s
    return result
