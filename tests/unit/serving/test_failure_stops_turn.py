"""A failed custom action ends the turn and leaves the conversation listening."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from serving import failure_detector, turn_state


def run_with(monkeypatch: pytest.MonkeyPatch, fails: bool, rasa_says_more: bool) -> Any:
    async def rasa_run_action(self: Any, action: Any, tracker: DialogueStateTracker,
                              *args: Any) -> bool:
        tracker.update(ActionExecuted(action))
        if fails:
            turn_state.action_failed(action)
        return rasa_says_more

    monkeypatch.setattr(failure_detector, "_rasa_run_action", rasa_run_action)
    tracker = DialogueStateTracker("visitor", [])
    turn_state.begin()
    return tracker, failure_detector._run_action_then_stop_on_failure


@pytest.mark.asyncio
@pytest.mark.parametrize(("fails", "rasa_says_more", "predict_more", "last"), [
    (True, True, False, "action_listen"),      # failed: stop and listen
    (False, True, True, "action_fallback"),    # worked: Rasa decides
    (False, False, False, "action_fallback"),
    (True, False, False, "action_fallback"),   # Rasa stops anyway (action_listen, session start)
])
async def test_a_failure_ends_the_turn(monkeypatch: pytest.MonkeyPatch, fails: bool,
                                       rasa_says_more: bool, predict_more: bool,
                                       last: str) -> None:
    tracker, run_action = run_with(monkeypatch, fails, rasa_says_more)
    assert await run_action(object(), "action_fallback", tracker, None, None, None) is \
        predict_more
    assert tracker.latest_action_name == last
