"""Turns processed after the webhook was acknowledged: kept, ordered, and never lost silently.

* Every task is referenced until it ends (the event loop keeps only weak references).
* Tasks with the same key (a conversation) run one after the other, in arrival order, so a
  visitor's quick second message is not handled before the first.
* A failure is handed to `on_failure` (which logs and records it); a failing `on_failure` is
  itself logged. Nothing ends without a trace.
* `drain()` waits for what is in flight (server shutdown, tests).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Dict, Optional, Set

from channels.structured_log import describe_exception, log_event

logger = logging.getLogger(__name__)

FailureHandler = Callable[[str, BaseException], Awaitable[None]]


class BackgroundTasks:
    def __init__(self, name: str, on_failure: Optional[FailureHandler] = None) -> None:
        self.name = name
        self._on_failure = on_failure
        self._tasks: Set[asyncio.Task[None]] = set()
        self._last_by_key: Dict[str, asyncio.Task[None]] = {}

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, key: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Runs `work()` after every earlier task with the same `key` has ended."""
        previous = self._last_by_key.get(key)
        task = asyncio.get_running_loop().create_task(self._run(key, previous, work))
        self._tasks.add(task)
        self._last_by_key[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    async def drain(self, timeout_s: Optional[float] = None) -> bool:
        """Waits for the tasks in flight (and those they start); False if the timeout passed."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while self._tasks:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            if remaining == 0.0:
                return False
            _, pending = await asyncio.wait(set(self._tasks), timeout=remaining)
            if pending and deadline is not None and loop.time() >= deadline:
                return False
        return True

    async def _run(self, key: str, previous: Optional[asyncio.Task[None]],
                   work: Callable[[], Awaitable[None]]) -> None:
        try:
            if previous is not None and not previous.done():
                # Its outcome is reported by its own wrapper; only the order matters here.
                await asyncio.wait({previous})
            await work()
        except asyncio.CancelledError:
            log_event(logger, logging.WARNING, f"{self.name}.turn.cancelled")
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a turn raises is reported, never lost
            await self._report(key, exc)

    async def _report(self, key: str, exc: BaseException) -> None:
        if self._on_failure is None:
            log_event(logger, logging.ERROR, f"{self.name}.turn.failed",
                      error=describe_exception(exc))
            return
        try:
            await self._on_failure(key, exc)
        except Exception as report_exc:  # noqa: BLE001 - the log line is the last resort
            log_event(logger, logging.ERROR, f"{self.name}.turn.failure_not_recorded",
                      error=describe_exception(exc), report_error=describe_exception(report_exc))

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._last_by_key.get(key) is task:
            del self._last_by_key[key]
