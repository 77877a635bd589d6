"""Notices when Rasa could not run a custom action, so the visitor gets an apology.

Rasa 3.6 catches an action server failure inside its processor, logs it and carries on: the
visitor would get no reply at all. Its log records are the only signal it gives, so this
handler watches exactly those records (their wording is pinned with Rasa 3.6.21, and a unit
test checks it against Rasa's source) and marks the current turn.
"""

from __future__ import annotations

import logging
import re

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
