"""The tracker state sent to the action server is Rasa's, as JSON."""

from __future__ import annotations

import hashlib
import inspect
import json

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from serving import action_payload

RASA_CURRENT_STATE_SHA256 = "a9f1526ceddf7a2871ca65f0f664bec9b06546942cdb37ff020e87747608244c"


def tracker_in_a_form() -> DialogueStateTracker:
    tracker = DialogueStateTracker("visitor", [TextSlot("mechanism", [])])
    parse = {"intent": {"name": "describe_pain", "confidence": 0.9},
             "intent_ranking": [{"name": "describe_pain", "confidence": 0.9},
                                {"name": "greet", "confidence": 0.1}],
             "entities": [{"entity": "mechanism", "value": "lifting", "start": 0, "end": 7}]}
    for event in [ActionExecuted("action_listen"), UserUttered("lifting my son", parse),
                  ActiveLoop("assessment_form"), SlotSet("mechanism", "lifting"),
                  ActionExecuted("assessment_form"), ActionExecuted("action_listen")]:
        tracker.update(event)
    return tracker


@pytest.mark.parametrize("verbosity", list(EventVerbosity))
def test_the_state_is_rasas_as_json(verbosity: EventVerbosity) -> None:
    tracker = tracker_in_a_form()
    ours = action_payload.current_state(tracker, verbosity)
    rasas = action_payload.RASAS_CURRENT_STATE(tracker, verbosity)
    assert json.dumps(ours, sort_keys=True) == json.dumps(rasas, sort_keys=True)
    assert ours["active_loop"]["name"] == "assessment_form"


def test_without_a_form_the_active_loop_is_empty() -> None:
    tracker = DialogueStateTracker("visitor", [])
    assert action_payload.current_state(tracker)["active_loop"] == {}


def test_rasas_current_state_is_the_one_repeated() -> None:
    source = inspect.getsource(action_payload.RASAS_CURRENT_STATE)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == RASA_CURRENT_STATE_SHA256, digest
