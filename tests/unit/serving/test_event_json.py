"""Events encoded once: the same JSON as Rasa's `as_dict` through the standard library, a copy
or a restamped event encoded afresh, and nothing kept once the event is gone."""

from __future__ import annotations

import copy
import gc
import json
from typing import Any

import pytest
from rasa.shared.core.events import BotUttered, LoopInterrupted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from serving import event_json


def user_event() -> UserUttered:
    return UserUttered("my back hurts \u00e9", {"name": "describe_pain", "confidence": 0.9},
                       [{"entity": "body_site", "value": "lower_back", "start": 3, "end": 7}])


@pytest.mark.parametrize("event", [
    user_event(),
    BotUttered("Which movement hurts?", {"buttons": [{"title": "Bending", "payload": "/b"}]}),
    SlotSet("findings", [{"code": "spasm", "role": None}]),
])
def test_the_text_is_the_events_dict_as_json(event: Any) -> None:
    assert json.loads(event_json.text(event)) == json.loads(json.dumps(event.as_dict()))


def test_an_event_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    event = user_event()
    calls = []
    original = UserUttered.as_dict
    monkeypatch.setattr(UserUttered, "as_dict", lambda self: calls.append(1) or original(self))
    first = event_json.text(event)
    assert event_json.text(event) is first
    assert len(calls) == 1


def test_a_copy_that_rasa_changes_is_encoded_afresh() -> None:
    """Rasa deep-copies the last user message and changes the copy's confidence
    (action_revert_fallback_events); the copy must not carry the original's text."""
    event = user_event()
    original_text = event_json.text(event)
    changed = copy.deepcopy(event)
    changed.parse_data["intent"]["confidence"] = 1.0
    assert json.loads(event_json.text(changed))["parse_data"]["intent"]["confidence"] == 1.0
    assert event_json.text(event) == original_text


def test_a_text_goes_with_its_event() -> None:
    gc.collect()
    before = event_json.kept_count()
    events = [user_event() for _ in range(20)]
    for event in events:
        event_json.text(event)
    assert event_json.kept_count() == before + 20
    del events, event
    gc.collect()
    assert event_json.kept_count() == before


def test_an_event_restamped_by_the_conversations_tracker_is_encoded_again() -> None:
    """A policy's event goes to the action's temporary tracker (no model id) and is sent, then
    to the conversation's tracker, which gives it a new timestamp and its model id."""
    event = LoopInterrupted(True)
    DialogueStateTracker("visitor", []).update_with_events([event], None)
    before = json.loads(event_json.text(event))
    conversation = DialogueStateTracker("visitor", [])
    conversation.model_id, conversation.assistant_id = "model-1", "physio"
    conversation.update_with_events([event], None)
    after = json.loads(event_json.text(event))
    assert after == json.loads(json.dumps(event.as_dict()))
    assert after["metadata"]["model_id"] == "model-1"
    assert "model_id" not in before.get("metadata", {})
    assert event_json.text(event) is event_json.text(event)  # kept again from now on
