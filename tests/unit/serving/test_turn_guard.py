from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from serving import failure_detector, turn_state
from serving.rate_limit import SlidingWindowLimiter
from serving.turn_guard import Limits, TurnGuard, service_messages

RASA = Path(pytest.importorskip("rasa").__file__).parent


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("sent_at", "allowed"), [
    ([0, 1, 2], [True, True, True]),
    ([0, 1, 2, 3], [True, True, True, False]),  # the 4th inside the minute is refused
    ([0, 1, 2, 60], [True, True, True, True]),  # the window slides
])
def test_the_rate_limit_is_per_window(sent_at: List[float], allowed: List[bool]) -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(3, 60.0, clock=clock)
    results = []
    for moment in sent_at:
        clock.now = moment
        results.append(limiter.allow("visitor"))
    assert results == allowed


def test_the_rate_limit_is_per_sender() -> None:
    limiter = SlidingWindowLimiter(1, 60.0, clock=Clock())
    assert limiter.allow("a") and limiter.allow("b")
    assert not limiter.allow("a")


def message(text: str, sender: str = "visitor") -> UserMessage:
    return UserMessage(text, CollectingOutputChannel(), sender)


async def run(guard: TurnGuard, msg: UserMessage, handler: Any) -> List[str]:
    await guard.handle(msg, handler)
    return [m.get("text") for m in msg.output_channel.messages]  # type: ignore[attr-defined]


async def answering(msg: UserMessage) -> None:
    await msg.output_channel.send_response(msg.sender_id, {"text": "the answer"})


@pytest.mark.asyncio
async def test_a_normal_turn_passes_through() -> None:
    assert await run(TurnGuard(Limits()), message("hi"), answering) == ["the answer"]


@pytest.mark.asyncio
async def test_a_message_over_the_limit_is_refused_politely_and_not_processed() -> None:
    called: List[str] = []

    async def handler(msg: UserMessage) -> None:
        called.append(msg.text or "")

    replies = await run(TurnGuard(Limits(max_message_chars=10)), message("x" * 11), handler)
    assert replies == [service_messages()["too_long"]]
    assert called == []


@pytest.mark.asyncio
async def test_a_flood_from_one_sender_is_slowed_down() -> None:
    guard = TurnGuard(Limits(messages_per_minute=2))
    replies = [await run(guard, message("hi"), answering) for _ in range(3)]
    assert replies[:2] == [["the answer"], ["the answer"]]
    assert replies[2] == [service_messages()["too_fast"]]


@pytest.mark.asyncio
async def test_a_lost_store_suppresses_the_reply_and_asks_to_try_again() -> None:
    async def handler(msg: UserMessage) -> None:
        turn_state.store_failed()  # what the tracker store does when the database is away
        await answering(msg)  # a reply computed on a blank conversation

    replies = await run(TurnGuard(Limits()), message("hi"), handler)
    assert replies == [service_messages()["try_again"]]


@pytest.mark.asyncio
async def test_a_crash_gets_a_notice_and_no_stack_trace(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(msg: UserMessage) -> None:
        raise RuntimeError("secret patient text in an error")

    replies = await run(TurnGuard(Limits()), message("my groin is numb"), handler)
    assert replies == [service_messages()["try_again"]]
    assert "my groin is numb" not in caplog.text
    assert "secret patient text" not in caplog.text


@pytest.mark.asyncio
async def test_a_failed_action_gets_an_apology_with_the_phone_number() -> None:
    async def handler(msg: UserMessage) -> None:
        await answering(msg)
        logging.getLogger("rasa.core.processor").error(
            "Encountered an exception while running action 'action_escalate'.Bot will "
            "continue, but the actions events are lost.")

    replies = await run(TurnGuard(Limits()), message("hi"), handler)
    assert replies[0] == "the answer"
    assert replies[1] == service_messages()["action_failed"]
    from clinic.profile import cached_profile
    assert cached_profile().phone in replies[1]


@pytest.mark.asyncio
async def test_the_guard_can_leave_crashes_to_the_channel() -> None:
    async def handler(msg: UserMessage) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await TurnGuard(Limits(), handle_errors=False).handle(message("hi"), handler)


@pytest.mark.parametrize(("path", "pattern"), [
    ("core/processor.py", failure_detector.PATTERNS[0]),
    ("core/actions/action.py", failure_detector.PATTERNS[1]),
])
def test_the_detected_log_messages_still_exist_in_rasa(path: str, pattern: Any) -> None:
    """The detector reads Rasa's log lines: fail loudly if an upgrade rewords them."""
    source = (RASA / path).read_text()
    literal = pattern.pattern.split(" '")[0]
    assert literal in source
