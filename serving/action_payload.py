"""The tracker's state for the action server, without a deep copy of the active form.

Rasa 3.6.21's `DialogueStateTracker.current_state` turns the active loop into a dict with
`dataclasses.asdict`, which deep-copies the message that started the form (its whole parse
data: intent ranking, entities, response selector ranking) every time; the action server is
called two or three times a turn while a form runs, and the copy was a twelfth of the Rasa
server's CPU per turn (yappi). The state is serialised to JSON straight away (action calls,
the HTTP API), so the same values, not copies, give the same JSON. The rest of the method is
Rasa's; a unit test compares the result with Rasa's and fails if Rasa's method changes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Text

from rasa.shared.core.constants import ACTIVE_LOOP, FOLLOWUP_ACTION
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

RASAS_CURRENT_STATE = DialogueStateTracker.current_state


def current_state(self: DialogueStateTracker,
                  event_verbosity: EventVerbosity = EventVerbosity.NONE) -> Dict[Text, Any]:
    """Rasa 3.6.21's `current_state`, the active loop's fields taken as they are."""
    events = self._events_for_verbosity(event_verbosity)
    events_as_dict = [e.as_dict() for e in events] if events is not None else None
    latest_event_time = None
    if len(self.events) > 0:
        latest_event_time = self.events[-1].timestamp
    active_loop = self.active_loop
    return {
        "sender_id": self.sender_id,
        "slots": self.current_slot_values(),
        "latest_message": self._latest_message_data(),
        "latest_event_time": latest_event_time,
        FOLLOWUP_ACTION: self.followup_action,
        "paused": self.is_paused(),
        "events": events_as_dict,
        "latest_input_channel": self.get_latest_input_channel(),
        ACTIVE_LOOP: ({f.name: getattr(active_loop, f.name)
                       for f in dataclasses.fields(active_loop)} if active_loop else {}),
        "latest_action": self.latest_action,
        "latest_action_name": self.latest_action_name,
    }


def install() -> None:
    DialogueStateTracker.current_state = current_state  # type: ignore[method-assign]
