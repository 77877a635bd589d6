"""Conversations kept in memory between turns, handed back only while the database agrees.

Reading a conversation back from the SQL tracker store means a query with a subquery, one
JSON document per event and the replay of every event into a new tracker, and the policies
then recompute the whole history of that new tracker; it was about a fifth of the Rasa
server's CPU per turn under load. The store keeps the tracker it has just saved here and, at
the next turn, hands that same object back if the database still holds exactly what was saved
(the number of the conversation's events and its highest event id, one indexed aggregate
query): another replica that wrote to the conversation, an erasure, or a purge changes them,
and the conversation is then read from the database as before.

- An entry is taken out when it is handed back, so one turn owns the object; it returns only
  with the next successful save. A turn that fails leaves nothing here.
- A tracker in which a new session began during the turn is not kept: read back, it would
  start at that session, and the cached one would not. Nor is an empty one (Rasa saves a new
  conversation's empty tracker when it creates it, and goes on using that object).
- Bounded (least recently saved dropped first; a kept conversation with its replay history is
  about 250 kB, so 100 of them about 25 MB) and short-lived (`seconds`): a conversation's
  text does not stay in memory long after its last turn.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

Version = Tuple[int, Optional[int]]  # (number of stored events, highest event id)


@dataclass(frozen=True)
class Held:
    tracker: DialogueStateTracker
    version: Version
    saved_at: float


def starts_its_session(tracker: DialogueStateTracker) -> bool:
    """True when no session starts after the first event: what a read-back would hold."""
    for index, event in enumerate(tracker.events):
        if index > 0 and isinstance(event, SessionStarted):
            return False
    return True


class TrackerCache:
    def __init__(self, max_conversations: int = 100, seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_conversations < 0 or seconds < 0:
            raise ValueError("tracker cache size and lifetime must not be negative")
        self.max_conversations = max_conversations
        self.seconds = seconds
        self._clock = clock
        self._held: OrderedDict[str, Held] = OrderedDict()
        self._lock = threading.Lock()  # the store's worker threads share it

    @property
    def enabled(self) -> bool:
        return self.max_conversations > 0 and self.seconds > 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)

    def put(self, tracker: DialogueStateTracker, version: Version) -> None:
        """Keeps a tracker just saved; replaces any entry for its conversation."""
        if not self.enabled:
            return
        with self._lock:
            self._held.pop(tracker.sender_id, None)
            if not tracker.events or not starts_its_session(tracker):
                return
            self._held[tracker.sender_id] = Held(tracker, version, self._clock())
            while len(self._held) > self.max_conversations:
                self._held.popitem(last=False)

    def take(self, sender_id: str) -> Optional[Held]:
        """The entry for a conversation, removed; None when absent or too old."""
        with self._lock:
            self._drop_expired()
            return self._held.pop(sender_id, None)

    def forget(self, sender_id: str) -> None:
        with self._lock:
            self._held.pop(sender_id, None)

    def _drop_expired(self) -> None:
        oldest_allowed = self._clock() - self.seconds
        while self._held:
            sender_id, held = next(iter(self._held.items()))
            if held.saved_at >= oldest_allowed:
                return
            del self._held[sender_id]
