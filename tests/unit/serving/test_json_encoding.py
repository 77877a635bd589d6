"""The action server's requests mean what the standard library's JSON would have said."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serving import json_encoding

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2 ** 63), max_value=2 ** 64 - 1)
    | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_decoding_gives_the_standard_librarys_value(value: Any) -> None:
    ours = json_encoding.dumps(value)
    assert json.loads(ours) == json.loads(json.dumps(value))
    assert ours.isascii()


@pytest.mark.parametrize("value", [
    {"text": "lone \ud800 surrogate"},
    {"text": "é, emoji \U0001F600 and a/slash"},
    {"timestamp": 1795579066.903119, "confidence": 0.30000000000000004, "tiny": 5e-324},
    {1: "integer key"},
    {"tuple": (1, 2)},
])
def test_edge_values_decode_to_the_same(value: Any) -> None:
    assert json.loads(json_encoding.dumps(value)) == json.loads(json.dumps(value))


def test_nan_is_written_as_the_standard_library_writes_it() -> None:
    assert math.isnan(json.loads(json_encoding.dumps({"x": float("nan")}))["x"])


@pytest.mark.parametrize("value", [{"data": b"bytes"}, {"object": object()}])
def test_what_json_refuses_fails_as_json_fails(value: Any) -> None:
    with pytest.raises(TypeError) as ours:
        json_encoding.dumps(value)
    with pytest.raises(TypeError) as standard:
        json.dumps(value)
    assert str(ours.value) == str(standard.value)


def test_encoded_events_are_spliced_into_an_action_call() -> None:
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": "hi \u00e9"}]
    call = {"next_action": "action_x", "tracker": {
        "sender_id": "visitor", "events": json_encoding.EncodedEvents(
            [json.dumps(event) for event in events]), "slots": {"a": 1}}, "version": "3.6.21"}
    decoded = json.loads(json_encoding.dumps(call))
    assert decoded == {"next_action": "action_x", "version": "3.6.21", "tracker": {
        "sender_id": "visitor", "slots": {"a": 1}, "events": events}}
    assert call["tracker"]["events"].texts  # the request itself is left as it was


@pytest.mark.parametrize("call", [
    {"tracker": {"events": json_encoding.EncodedEvents([])}},
    {"next_action": "x", "tracker": {"events": json_encoding.EncodedEvents(['{"event":"a"}'])}},
])
def test_edge_shapes_of_an_action_call_stay_valid_json(call: Any) -> None:
    decoded = json.loads(json_encoding.dumps(call))
    assert decoded["tracker"]["events"] == [json.loads(t)
                                            for t in call["tracker"]["events"].texts]


def test_other_encoders_refuse_encoded_events_rather_than_write_something_else() -> None:
    with pytest.raises(TypeError):
        json.dumps({"tracker": {"events": json_encoding.EncodedEvents([])}})
