"""Background turns: kept until done, ordered per conversation, failures always reported."""

from __future__ import annotations

import asyncio
import logging
from typing import List, Tuple

import pytest

from channels.background import BackgroundTasks


@pytest.mark.asyncio
async def test_same_key_runs_in_arrival_order_other_keys_in_parallel() -> None:
    events: List[str] = []
    tasks = BackgroundTasks("test")

    async def work(name: str, delay: float) -> None:
        events.append(f"start {name}")
        await asyncio.sleep(delay)
        events.append(f"end {name}")

    tasks.spawn("a", lambda: work("a1", 0.05))
    tasks.spawn("a", lambda: work("a2", 0.0))
    tasks.spawn("b", lambda: work("b1", 0.0))
    assert len(tasks) == 3
    assert await tasks.drain(2)
    assert events.index("end a1") < events.index("start a2")
    assert events.index("end b1") < events.index("end a1")  # b did not wait for a
    assert len(tasks) == 0


@pytest.mark.asyncio
async def test_a_failure_is_reported_and_does_not_stop_the_next_turn() -> None:
    reported: List[Tuple[str, str]] = []
    done: List[str] = []

    async def on_failure(key: str, exc: BaseException) -> None:
        reported.append((key, type(exc).__name__))

    async def boom() -> None:
        raise RuntimeError("patient text must not be logged")

    async def fine() -> None:
        done.append("next")

    tasks = BackgroundTasks("test", on_failure=on_failure)
    tasks.spawn("a", boom)
    tasks.spawn("a", fine)
    await tasks.drain(2)
    assert reported == [("a", "RuntimeError")]
    assert done == ["next"]


@pytest.mark.asyncio
async def test_a_failing_failure_handler_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def on_failure(key: str, exc: BaseException) -> None:
        raise OSError("database down")

    async def boom() -> None:
        raise ValueError("secret words")

    tasks = BackgroundTasks("test", on_failure=on_failure)
    with caplog.at_level(logging.ERROR, logger="channels.background"):
        tasks.spawn("a", boom)
        await tasks.drain(2)
    line = caplog.messages[-1]
    assert line.startswith("test.turn.failure_not_recorded error=ValueError@")
    assert "report_error=OSError@" in line
    assert "secret words" not in line and "database down" not in line


@pytest.mark.asyncio
async def test_without_a_handler_failures_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def boom() -> None:
        raise KeyError("x")

    tasks = BackgroundTasks("test")
    with caplog.at_level(logging.ERROR, logger="channels.background"):
        tasks.spawn("a", boom)
        await tasks.drain(2)
    assert caplog.messages[-1].startswith("test.turn.failed error=KeyError@")


@pytest.mark.asyncio
async def test_drain_reports_a_timeout() -> None:
    tasks = BackgroundTasks("test")
    release = asyncio.Event()
    tasks.spawn("a", release.wait)
    assert await tasks.drain(0.05) is False
    release.set()
    assert await tasks.drain(1) is True
