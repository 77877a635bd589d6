"""Per-sender rate limiting for the public webhooks (a sliding window in memory).

Each replica counts its own messages; with N replicas a sender can get up to N times the
limit, which still stops a runaway client or a script flooding one conversation.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable, Deque, Dict


class SlidingWindowLimiter:
    def __init__(self, max_messages: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_messages = max_messages
        self.window = window_seconds
        self.clock = clock
        self._seen: Dict[str, Deque[float]] = {}
        self._last_sweep = clock()

    def allow(self, sender_id: str) -> bool:
        now = self.clock()
        if now - self._last_sweep > self.window:
            self._sweep(now)
        times = self._seen.setdefault(sender_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.max_messages:
            return False
        times.append(now)
        return True

    def _sweep(self, now: float) -> None:
        """Forgets senders that have been quiet for a whole window (bounded memory)."""
        for sender in [s for s, t in self._seen.items() if not t or now - t[-1] >= self.window]:
            del self._seen[sender]
        self._last_sweep = now
