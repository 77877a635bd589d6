from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from serving.action_validation import validate_action_result

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "urgency", "value": "routine"}],
     "responses": [{"text": "hello", "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{"event": "action", "name": "action_listen"}, {"event": "pause"}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"events": [{"event": "slot", "name": 5}]},
]


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_like_rasas_own_check(result: dict) -> None:
    validate(result, RemoteAction.action_response_format_spec())  # what Rasa 3.6.21 does
    assert validate_action_result(RemoteAction("action_x", None), result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_like_rasas_own_check(result: dict) -> None:
    with pytest.raises(ValidationError):
        validate(result, RemoteAction.action_response_format_spec())  # what Rasa does
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        validate_action_result(RemoteAction("action_x", None), result)


def test_rasa_still_validates_with_jsonschema_validate() -> None:
    """The patch replaces exactly this: fail loudly if a Rasa upgrade changes it."""
    import inspect

    import rasa.core.actions.action as rasa_action

    source = inspect.getsource(rasa_action)
    assert "validate(result, self.action_response_format_spec())" in source


# The quick check (one event schema per event name) must agree with the whole schema.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from serving.action_validation import compile_schema, passes_quick_check  # noqa: E402

SCHEMA = RemoteAction.action_response_format_spec()
COMPILED = compile_schema(SCHEMA)
EVENT_NAMES = sorted(COMPILED.by_event)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=5))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=6)
entity = st.fixed_dictionaries({"entity": st.one_of(st.text(max_size=5), st.integers())},
                               optional={"value": values, "start": scalars, "role": scalars})
event = st.fixed_dictionaries(
    {"event": st.one_of(st.sampled_from(EVENT_NAMES), st.text(max_size=6), st.integers())},
    optional={"name": st.one_of(st.text(max_size=6), st.integers(), st.none()),
              "value": values, "timestamp": scalars, "metadata": values,
              "entities": st.one_of(st.lists(entity, max_size=2), scalars),
              "text": scalars, "policy": scalars, "confidence": scalars,
              "parse_data": st.one_of(st.fixed_dictionaries(
                  {}, optional={"intent": values, "entities": st.lists(entity, max_size=2),
                                "text": scalars}), scalars)})
response = st.one_of(
    st.fixed_dictionaries({}, optional={"events": st.one_of(st.lists(event, max_size=4),
                                                             scalars),
                                        "responses": st.lists(values, max_size=2)}),
    values)


def test_the_quick_check_is_built_for_every_event_of_rasas_schema() -> None:
    assert COMPILED.outline is not None
    assert {"slot", "action", "user", "bot", "active_loop", "followup"} <= set(EVENT_NAMES)


@settings(max_examples=400, deadline=None)
@given(response)
def test_the_quick_check_agrees_with_the_whole_schema(result: object) -> None:
    whole = COMPILED.whole.is_valid(result)
    assert passes_quick_check(COMPILED, result) == whole
    if whole:
        assert validate_action_result(RemoteAction("action_x", None), result) is True
    else:
        with pytest.raises(ValidationError, match="Failed to validate"):
            validate_action_result(RemoteAction("action_x", None), result)


def test_an_unknown_event_name_fails_like_rasas_own_check() -> None:
    result = {"events": [{"event": "no_such_event"}]}
    with pytest.raises(ValidationError):
        validate(result, SCHEMA)
    assert passes_quick_check(COMPILED, result) is False
    with pytest.raises(ValidationError, match="Failed to validate"):
        validate_action_result(RemoteAction("action_x", None), result)


# Plain Python checks stand for the schemas that are only types, properties and items.
from jsonschema.validators import Draft202012Validator  # noqa: E402

from serving.action_validation import plain_check  # noqa: E402

PLAIN_SCHEMAS = [
    {"type": "number"}, {"type": "integer"}, {"type": ["string", "null"]}, {"type": "boolean"},
    {"type": "array", "items": {"type": "object"}},
    {"properties": {"name": {"type": "string"}, "value": {}}, "required": ["name", "value"]},
    {"type": "object", "properties": {"t": {"type": ["number", "null"]},
                                      "m": {"type": ["object", "null"]}}, "required": ["e"]},
]
SAMPLES = [None, True, False, 0, 1, 1.0, 1.5, -3, "", "x", [], [{}], [1], {}, {"name": "a"},
           {"name": "a", "value": None}, {"name": 1, "value": 2}, {"e": 1, "t": True},
           {"e": 1, "t": 2.5, "m": None}, {"e": 1, "m": []}]


@pytest.mark.parametrize("schema", PLAIN_SCHEMAS, ids=str)
def test_a_plain_check_gives_jsonschemas_verdict(schema: dict) -> None:
    check = plain_check(schema)
    assert check is not None
    validator = Draft202012Validator(schema)
    assert [check(v) for v in SAMPLES] == [validator.is_valid(v) for v in SAMPLES]


@pytest.mark.parametrize("schema", [{"oneOf": [{}]}, {"type": "object", "patternProperties": {}},
                                    {"properties": ["name"]}, {"required": "name"},
                                    {"properties": {"a": {"const": 1}}}, {"type": "decimal"}])
def test_anything_more_than_plain_is_left_to_jsonschema(schema: dict) -> None:
    assert plain_check(schema) is None


def test_the_frequent_events_are_checked_in_plain_python() -> None:
    for name in ("slot", "bot", "followup", "active_loop", "action", "reset_slots"):
        assert not hasattr(COMPILED.by_event[name], "__self__"), name  # not a bound is_valid
    assert hasattr(COMPILED.by_event["user"], "__self__")  # jsonschema's bound is_valid
    assert not hasattr(COMPILED.outline, "__self__")


@settings(max_examples=3000, deadline=None)
@given(response)
def test_the_quick_check_agrees_with_the_whole_schema_at_length(result: object) -> None:
    assert passes_quick_check(COMPILED, result) == COMPILED.whole.is_valid(result)
