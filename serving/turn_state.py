"""What went wrong during the visitor turn being processed, visible to the turn guard.

A context variable, because Rasa's processor swallows action failures and its fail-safe tracker
store hides database failures: the parts that see the failure (our tracker store, a log
handler) record it here, in the same asyncio task as the guard that answers the visitor.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import List, Optional


@dataclass
class TurnState:
    store_failed: bool = False
    actions_failed: List[str] = field(default_factory=list)


_current: ContextVar[Optional[TurnState]] = ContextVar("turn_state", default=None)


def begin() -> TurnState:
    state = TurnState()
    _current.set(state)
    return state


def current() -> Optional[TurnState]:
    return _current.get()


def store_failed() -> None:
    state = _current.get()
    if state is not None:
        state.store_failed = True


def action_failed(name: str) -> None:
    state = _current.get()
    if state is not None:
        state.actions_failed.append(name)
