"""The tracker's state for the action server, without a deep copy of the active form.

Rasa 3.6.21's `DialogueStateTracker.current_state` turns the active loop into a dict with
`dataclasses.asdict`, which deep-copies the message that started the form (its whole parse
data: intent ranking, entities, response selector ranking) every time; the action server is
called two or three times a turn while a form runs, and the copy was a twelfth of the Rasa
server's CPU per turn (yappi). The state is serialised to JSON straight away (action calls,
the HTTP API), so the same values, not copies, give the same JSON. The rest of the method is
Rasa's; a unit test compares the result with Rasa's and fails if Rasa's method changes.

An action call's events go as the texts each event was encoded to once (event_json.py), when
the request is encoded by json_encoding.py (the pooled session of warm_start.py, without
Rasa's optional compression, which encodes with the standard library); otherwise as Rasa sends
them. `RemoteAction._action_call_format` is Rasa's, with that one change.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, Optional, Text

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import (
    COMPRESS_ACTION_SERVER_REQUEST_ENV_NAME,
    DEFAULT_COMPRESS_ACTION_SERVER_REQUEST,
)
from rasa.shared.core.constants import ACTIVE_LOOP, FOLLOWUP_ACTION
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.common import get_bool_env_variable
from rasa.utils.endpoints import EndpointConfig

from serving import event_json
from serving.warm_start import SharedSession

RASAS_CURRENT_STATE = DialogueStateTracker.current_state
RASAS_ACTION_CALL_FORMAT = RemoteAction._action_call_format


def current_state(self: DialogueStateTracker,
                  event_verbosity: EventVerbosity = EventVerbosity.NONE,
                  encoded_events: bool = False) -> Dict[Text, Any]:
    """Rasa 3.6.21's `current_state`, the active loop's fields taken as they are; with
    `encoded_events`, the events as json_encoding.EncodedEvents."""
    events = self._events_for_verbosity(event_verbosity)
    events_as_dict: Any = None
    if events is not None:
        events_as_dict = (event_json.encoded(events) if encoded_events
                          else [e.as_dict() for e in events])
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


def sends_encoded_events(endpoint: Optional[EndpointConfig]) -> bool:
    """Whether this endpoint's requests are encoded by json_encoding.dumps."""
    return (isinstance(getattr(endpoint, "session", None), SharedSession)
            and not get_bool_env_variable(COMPRESS_ACTION_SERVER_REQUEST_ENV_NAME,
                                          DEFAULT_COMPRESS_ACTION_SERVER_REQUEST))


def action_call_format(self: RemoteAction, tracker: DialogueStateTracker,
                       domain: Domain) -> Dict[Text, Any]:
    """Rasa 3.6.21's `RemoteAction._action_call_format`, the events encoded once."""
    tracker_state = current_state(tracker, EventVerbosity.ALL,
                                  encoded_events=sends_encoded_events(self.action_endpoint))
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": tracker_state,
        "version": rasa.__version__,
    }
    if (not self._is_selective_domain_enabled()
            or domain.does_custom_action_explicitly_need_domain(self.name())):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    DialogueStateTracker.current_state = current_state  # type: ignore[method-assign]
    RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]
