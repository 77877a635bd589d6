"""Several Sanic workers take their first visitor together, once every one of them is ready.

With several workers, Sanic binds the socket in its main process, forks the workers, and each
starts accepting connections when its own start-up (model, warm-up) is done. The workers load
side by side and finish up to a second apart: the first answered while the other was still
rehearsing, and that rehearsal took the CPU from the first visitors (measured with two
workers: the second worker was ready 0.06 to 1.0 s after the first answer; a visitor arriving
0.5 s after that answer waited 23 to 30 ms instead of 16 to 19). Here each worker, once ready,
waits until every worker is: a count and an event shared by the processes, made in Sanic's
main process before it forks them. A worker that is not ready within the time limit (a crash,
a hung load) does not hold the others longer than that; a worker started after everyone was
ready does not wait at all.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from typing import Any, Optional

logger = logging.getLogger(__name__)
# A worker waits at most this long for the others before it serves anyway: long enough for a
# model load on a busy machine, short enough that one failed worker does not keep the clinic
# offline (start to first answer is about 6 s here).
WAIT_FOR_OTHERS_S = 30.0


class WorkersReady:
    """Made once in the main process (fork start, as Sanic uses); used in each worker."""

    def __init__(self, workers: int, context: Optional[Any] = None) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        context = context or multiprocessing.get_context("fork")
        self.workers = workers
        self._ready = context.Value("i", 0)
        self._all_ready = context.Event()

    def arrive(self) -> int:
        """Counts this worker as ready; how many are ready now."""
        with self._ready.get_lock():
            self._ready.value += 1
            ready = int(self._ready.value)
        if ready >= self.workers:
            self._all_ready.set()
        return ready

    @property
    def all_ready(self) -> bool:
        return self._all_ready.is_set()

    async def arrive_and_wait(self, timeout_s: float = WAIT_FOR_OTHERS_S) -> bool:
        """Counts this worker as ready, then waits (off the event loop) for the others; False
        when they were not all ready within `timeout_s`."""
        started = time.monotonic()
        ready = self.arrive()
        together = self.all_ready or await asyncio.get_running_loop().run_in_executor(
            None, self._all_ready.wait, timeout_s)
        waited_ms = (time.monotonic() - started) * 1000
        if together:
            logger.info("server.workers.ready workers=%d waited_ms=%.0f", self.workers, waited_ms)
        else:
            logger.warning("server.workers.not_ready ready=%d workers=%d waited_s=%.0f: "
                           "serving without the others", ready, self.workers, timeout_s)
        return together


_shared: Optional[WorkersReady] = None


def prepare(workers: int) -> Optional[WorkersReady]:
    """In the main process, before the fork: the shared state for `workers` (none for one)."""
    global _shared
    _shared = WorkersReady(workers) if workers > 1 else None
    return _shared


def shared() -> Optional[WorkersReady]:
    """What `prepare` made in the main process (inherited by each forked worker)."""
    return _shared
