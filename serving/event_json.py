"""Each conversation event encoded to JSON once, not at every action call.

Every action call sends the whole conversation (Rasa 3.6 has no way to send less), and with
two or three calls a turn during the assessment, each event of a ten-turn conversation was
turned into a dict and encoded twenty to thirty times (as_dict and ujson were about 8% of
the Rasa server's CPU per turn under load, py-spy). An event's text is kept on the event the
first time it is needed (an action call or the tracker store's save, whichever comes first)
and reused: a conversation's events do not change once they are in its tracker (Rasa's own
code changes only attributes that `as_dict` leaves out, or changes a copy), and a tracker read
back from the database has new event objects. The texts are kept by the event's identity, not
on the event, so a copy (which Rasa may then change) is encoded afresh, and a text goes when
its event goes. A unit test compares action calls with Rasa's own, encoded by the standard
library.
"""

from __future__ import annotations

import weakref
from typing import Dict, Iterable

from rasa.shared.core.events import Event

from serving import json_encoding

_kept: Dict[int, str] = {}  # id(event) -> its text, while the event lives


def text(event: Event) -> str:
    """`json.dumps(event.as_dict())`, encoded the first time only."""
    key = id(event)
    kept = _kept.get(key)
    if kept is None:
        kept = json_encoding.dumps(event.as_dict())
        _kept[key] = kept
        weakref.finalize(event, _kept.pop, key, None)
    return kept


def kept_count() -> int:
    return len(_kept)


def encoded(events: Iterable[Event]) -> json_encoding.EncodedEvents:
    return json_encoding.EncodedEvents([text(event) for event in events])
