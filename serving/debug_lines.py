"""Skips the work Rasa 3.6.21 does for debug log lines that are not written.

Rasa's processor, forms and memoization and rule policies pass deep copies of what they log
to `structlogger.debug(...)`: the states of the conversation, the latest message, the events
of an action; the rule policy also formats all the states as text for its line. Python
evaluates the arguments before the call, so this is done on every turn even when the logger
drops debug lines at once, as it does at the default INFO level: about 3% of the Rasa
server's CPU per turn under load (measured with the thread's CPU clock per call site; the
latest message's copy in forms alone 160 us).

- In those four modules, and only there, the name `copy` is given an object that passes
  everything to the `copy` module, except that `deepcopy` hands back the value itself while
  debug lines are dropped. The value then goes to a call that does nothing with it.
- The rule policy's `format_tracker_states` (used only for its debug line) gives an empty
  text while debug lines are dropped.

"Dropped" means structlog is configured with a filtering logger above DEBUG, as Rasa does
for `--log-level` INFO and up. At DEBUG, or with any structlog set-up this does not
recognise, the work is done as before. Unit tests read the modules' source and fail if a
deep copy in them, or a formatted text, is used for anything but a `structlogger.debug(...)`
call (a Rasa upgrade could add such a use). Installed at server start (server_hooks.attach).
"""

from __future__ import annotations

import copy
import logging
from types import ModuleType
from typing import Any, FrozenSet, List, Optional, Text, Tuple

import structlog
from rasa.core import processor
from rasa.core.actions import forms
from rasa.core.policies import memoization, rule_policy
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import State

MODULES: Tuple[ModuleType, ...] = (processor, forms, memoization, rule_policy)
# The loggers `structlog.make_filtering_bound_logger` makes for levels above DEBUG.
QUIET_AT_DEBUG: FrozenSet[type] = frozenset(
    structlog.make_filtering_bound_logger(level)
    for level in (logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL))


def debug_lines_dropped() -> bool:
    return structlog.get_config().get("wrapper_class") in QUIET_AT_DEBUG


class CopyForDebugLines:
    """Stands for the `copy` module where every deep copy is an argument of a debug line."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Optional[dict] = None) -> Any:
        if debug_lines_dropped():
            return value  # only ever passed to a debug call that drops it
        return copy.deepcopy(value, memo)


def format_tracker_states(states: List[State]) -> Text:
    """The rule policy's text of the states for its debug line, made only to be written."""
    if debug_lines_dropped():
        return ""
    return Policy.format_tracker_states(states)


def install() -> None:
    for module in MODULES:
        module.copy = CopyForDebugLines()  # type: ignore[attr-defined]
    RulePolicy.format_tracker_states = staticmethod(format_tracker_states)  # type: ignore
