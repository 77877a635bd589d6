"""The tracker state sent to the action server is Rasa's, as JSON; so is the whole action call
when its events go as the texts they were encoded to once."""

from __future__ import annotations

import hashlib
import inspect
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import AnySlot, TextSlot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from serving import action_payload, json_encoding
from serving.warm_start import SharedSession

RASA_CURRENT_STATE_SHA256 = "a9f1526ceddf7a2871ca65f0f664bec9b06546942cdb37ff020e87747608244c"
RASA_ACTION_CALL_FORMAT_SHA256 = "428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492"


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


def remote_action(shared: bool, selective: bool = True) -> RemoteAction:
    endpoint = EndpointConfig(url="http://actions.invalid/webhook",
                              enable_selective_domain=selective)
    if shared:
        endpoint.session = SharedSession(endpoint)  # type: ignore[method-assign]
    return RemoteAction("action_ask_question", endpoint)


def as_rasa_sends_it(action: RemoteAction, tracker: DialogueStateTracker,
                     domain: Domain) -> Any:
    return json.loads(json.dumps(action_payload.RASAS_ACTION_CALL_FORMAT(action, tracker, domain)))


def test_an_action_call_is_rasas_with_the_events_encoded_once() -> None:
    tracker = tracker_in_a_form()
    tracker.update(BotUttered("Which movement hurts? \u00e9", {"buttons": [
        {"title": "Bending", "payload": '/describe_pain{"activity": "bending"}'}]}))
    action, domain = remote_action(shared=True), Domain.empty()
    ours = action_payload.action_call_format(action, tracker, domain)
    assert isinstance(ours["tracker"]["events"], json_encoding.EncodedEvents)
    assert json.loads(json_encoding.dumps(ours)) == as_rasa_sends_it(action, tracker, domain)
    # the next call reuses the texts, and a new event joins them
    tracker.update(UserUttered("bending", {"name": "describe_pain", "confidence": 1.0}))
    again = action_payload.action_call_format(action, tracker, domain)
    assert again["tracker"]["events"].texts[:-1] == ours["tracker"]["events"].texts
    assert json.loads(json_encoding.dumps(again)) == as_rasa_sends_it(action, tracker, domain)


def test_the_domain_still_goes_when_selective_domain_is_off() -> None:
    action, domain = remote_action(shared=True, selective=False), Domain.empty()
    tracker = tracker_in_a_form()
    ours = json.loads(json_encoding.dumps(action_payload.action_call_format(action, tracker,
                                                                             domain)))
    assert "domain" in ours
    assert ours == as_rasa_sends_it(action, tracker, domain)


@pytest.mark.parametrize("shared, compress", [(False, None), (True, "true")])
def test_events_go_as_rasa_sends_them_when_another_encoder_writes_the_request(
        shared: bool, compress: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without our session's encoder, or with Rasa's compression (the standard library
    encodes then), the events are Rasa's plain list."""
    if compress:
        monkeypatch.setenv("COMPRESS_ACTION_SERVER_REQUEST", compress)
    action, domain, tracker = remote_action(shared=shared), Domain.empty(), tracker_in_a_form()
    ours = action_payload.action_call_format(action, tracker, domain)
    assert isinstance(ours["tracker"]["events"], list)
    assert json.loads(json.dumps(ours)) == as_rasa_sends_it(action, tracker, domain)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2 ** 53), max_value=2 ** 53)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=4),
       values=st.lists(json_values, min_size=1, max_size=4))
def test_any_conversation_is_sent_as_rasa_sends_it(texts: Any, values: Any) -> None:
    tracker = DialogueStateTracker("visitor", [AnySlot("findings", [])])
    tracker.update(SessionStarted())
    for text, value in zip(texts, values * len(texts), strict=False):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(text, {"name": "describe_pain", "confidence": 0.5},
                                   [{"entity": "symptom", "value": text[:5]}]))
        tracker.update(SlotSet("findings", value))
        tracker.update(BotUttered(text[::-1], {"custom": value}))
    action, domain = remote_action(shared=True), Domain.empty()
    ours = action_payload.action_call_format(action, tracker, domain)
    assert json.loads(json_encoding.dumps(ours)) == as_rasa_sends_it(action, tracker, domain)


def test_rasas_action_call_format_is_the_one_repeated() -> None:
    source = inspect.getsource(action_payload.RASAS_ACTION_CALL_FORMAT)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == RASA_ACTION_CALL_FORMAT_SHA256, digest
