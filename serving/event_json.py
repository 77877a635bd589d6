"""Each conversation event encoded to JSON once, not at every action call.

Every action call sends the whole conversation (Rasa 3.6 has no way to send less), and with
two or three calls a turn during the assessment, each event of a ten-turn conversation was
turned into a dict and encoded twenty to thirty times (as_dict and ujson were about 8% of
the Rasa server's CPU per turn under load, py-spy). An event's text is kept on the event the
first time it is needed (an action call or the tracker store's save, whichever comes first)
and reused. Rasa changes an event after it was first in a tracker in two ways only: adding it
to another tracker gives it a new timestamp and, when that tracker has a model id, a new
metadata dict (a policy's events go to the action's temporary tracker first, then to the
conversation's); everything else it changes is left out of `as_dict`, or is a copy. So a kept
text is used only while the event still has the timestamp and the same metadata object it was
encoded with. The texts are kept by the event's identity, not on the event, so a copy is
encoded afresh, and a text goes when its event goes. Unit tests compare action calls and
stored rows with Rasa's own, encoded by the standard library.
"""

from __future__ import annotations

import weakref
from typing import Any, Dict, Iterable, Tuple

from rasa.shared.core.events import Event

from serving import json_encoding

# id(event) -> (its timestamp and metadata object when encoded, its text), while it lives
_kept: Dict[int, Tuple[Any, Any, str]] = {}


def text(event: Event) -> str:
    """`json.dumps(event.as_dict())`, encoded again only if the event changed since."""
    key = id(event)
    kept = _kept.get(key)
    if kept is not None and kept[0] == event.timestamp and kept[1] is event.metadata:
        return kept[2]
    encoded = json_encoding.dumps(event.as_dict())
    if kept is None:
        weakref.finalize(event, _kept.pop, key, None)
    _kept[key] = (event.timestamp, event.metadata, encoded)
    return encoded


def kept_count() -> int:
    return len(_kept)


def encoded(events: Iterable[Event]) -> json_encoding.EncodedEvents:
    return json_encoding.EncodedEvents([text(event) for event in events])
