"""The action server's collaborators, wired in one place.

Built lazily on first use (never at import), from the environment. Tests install fakes with
`use(...)`; production code only ever calls `get()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from clinic.profile import ClinicProfile, load_profile
from privacy.erasure import Eraser, tracker_engine_from_env
from store.bookings import BookingStore
from store.channel_state import ChannelState
from store.db import Database
from store.handoffs import HandoffStore
from triage import TriageEngine


@dataclass
class Dependencies:
    engine: TriageEngine
    profile: ClinicProfile
    handoffs: HandoffStore
    bookings: BookingStore
    channel_state: ChannelState
    eraser: Eraser


_current: Optional[Dependencies] = None


def build(database: Optional[Database] = None) -> Dependencies:
    db = database or Database()
    return Dependencies(
        engine=TriageEngine.from_file(),
        profile=load_profile(),
        handoffs=HandoffStore(db),
        bookings=BookingStore(db),
        channel_state=ChannelState(db),
        eraser=Eraser(db, tracker_engine_from_env()),
    )


def get() -> Dependencies:
    global _current
    if _current is None:
        _current = build()
    return _current


def use(dependencies: Optional[Dependencies]) -> None:
    """Installs `dependencies` (or clears them, to be rebuilt on next use)."""
    global _current
    _current = dependencies
