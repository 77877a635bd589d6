"""Sanic workers take visitors together: none leaves its start-up before every worker is
ready, unless the others are not ready in time; a worker started later does not wait."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time

import pytest

from serving import workers_ready
from serving.workers_ready import WorkersReady

FORK = multiprocessing.get_context("fork")


def _first_worker(together: WorkersReady, seen_on_leaving, left) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(together.arrive_and_wait(timeout_s=60))
    seen_on_leaving.value = together._ready.value
    left.set()


def test_a_ready_worker_waits_until_every_worker_is_ready() -> None:
    together = WorkersReady(2, FORK)
    seen_on_leaving = FORK.Value("i", -1)
    left = FORK.Event()
    first = FORK.Process(target=_first_worker, args=(together, seen_on_leaving, left))
    first.start()
    try:
        deadline = time.monotonic() + 60
        while together._ready.value < 1:  # the first worker is ready and waiting
            assert time.monotonic() < deadline and first.is_alive()
            time.sleep(0.01)
        assert asyncio.run(together.arrive_and_wait(timeout_s=60)) is True
        assert left.wait(60)
        # The first worker left only once the second (this process) was ready too.
        assert seen_on_leaving.value == 2
    finally:
        first.join(60)
    assert first.exitcode == 0


@pytest.mark.asyncio
async def test_a_worker_serves_anyway_when_the_others_are_not_ready_in_time(
        caplog: pytest.LogCaptureFixture) -> None:
    together = WorkersReady(3, FORK)
    with caplog.at_level(logging.WARNING, logger="serving.workers_ready"):
        assert await together.arrive_and_wait(timeout_s=0.05) is False
    assert "server.workers.not_ready ready=1 workers=3" in caplog.text
    assert not together.all_ready


@pytest.mark.asyncio
async def test_a_worker_started_after_all_were_ready_does_not_wait() -> None:
    together = WorkersReady(2, FORK)
    together.arrive()
    together.arrive()
    assert together.all_ready
    # A restarted worker: the count is past the number of workers, the event stays set.
    assert await together.arrive_and_wait(timeout_s=0.01) is True


def test_one_worker_needs_nothing_shared() -> None:
    assert workers_ready.prepare(1) is None and workers_ready.shared() is None
    made = workers_ready.prepare(2)
    assert made is not None and made.workers == 2 and workers_ready.shared() is made
    workers_ready.prepare(1)
    with pytest.raises(ValueError):
        WorkersReady(0)
