"""Notices when Rasa could not run a custom action, so the visitor gets an apology.

Rasa 3.6 catches an action server failure inside its processor, logs it and carries on: the
visitor would get no reply at all. Its log records are the only signal it gives, so this
handler watches exactly those records (their wording is pinned with Rasa 3.6.21, and a unit
test checks it against Rasa's source) and marks the current turn.

A failed action also ends the turn: Rasa would go on predicting (a failed fallback predicts
the fallback again, ten times over) and leave the conversation without the `action_listen`
that closes a turn, which derails the visitor's next message. Here the turn stops at the
first failure and listens; the turn guard then apologises.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted

from serving import turn_state

# rasa/core/processor.py: logger.exception(f"Encountered an exception while running action
# '{action.name()}'..."); rasa/core/actions/action.py: logger.warning(f"Failed to execute
# custom action '{custom_action}' as a result of error ...") (slot extraction).
PATTERNS = (
    re.compile(r"Encountered an exception while running action '([^']+)'"),
    re.compile(r"Failed to execute custom action '([^']+)'"),
)
LOGGERS = ("rasa.core.processor", "rasa.core.actions.action")


class ActionFailureDetector(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad record must never break the turn
            return
        for pattern in PATTERNS:
            match = pattern.search(message)
            if match:
                turn_state.action_failed(match.group(1))
                return


_installed = ActionFailureDetector(level=logging.WARNING)


def install() -> None:
    """Attaches the detector once (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _installed not in logger.handlers:
            logger.addHandler(_installed)


async def _run_action_then_stop_on_failure(self: MessageProcessor, action: Any, tracker: Any,
                                           *args: Any, **kwargs: Any) -> bool:
    state = turn_state.current()
    failures_before = len(state.actions_failed) if state is not None else 0
    predict_more = await _rasa_run_action(self, action, tracker, *args, **kwargs)
    if predict_more and state is not None and len(state.actions_failed) > failures_before:
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        return False
    return predict_more


_rasa_run_action = MessageProcessor._run_action


def stop_turns_on_failure() -> None:
    """Makes a failed action end the turn (idempotent)."""
    MessageProcessor._run_action = _run_action_then_stop_on_failure  # type: ignore[assignment]
