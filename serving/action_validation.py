"""Validates action server responses with a schema compiled once, one event schema per event.

Rasa 3.6.21 checks each action server response with `jsonschema.validate(result, schema)`,
which first re-validates the (large) schema itself against the JSON Schema meta-schema: in
this assistant's profile that was 58 % of the Rasa server's CPU time per turn (py-spy, a
turn calls the action server two or three times). This replaces the method with one that
validates against the same schema, compiled once, and raises the same error.

The schema says an event is `oneOf` about twenty event schemas, each fixing the `event`
name with a `const`: a validator has to try every one of them for every event. As the names
are distinct, "exactly one matches" is the same as "the one with this event's name matches",
so each event is checked against that one alone (the schema with the other events' oneOf
taken out checks the rest). Anything that fails the quick check is checked again by the
whole schema, which gives Rasa's error.

Most of those schemas only say which properties an event must have and of which JSON types:
they are checked by plain Python (`plain_check`, jsonschema's own type rules), a tenth of the
time jsonschema's validator took (128 us for a typical response of the triage action,
called two or three times a turn); the others (the user event's parse data) by jsonschema.
Installed at server start (server_hooks.attach); checked against Rasa's own validation by
unit tests, hypothesis included.
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Optional, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

Check = Callable[[Any], bool]


@dataclass(frozen=True)
class CompiledSchema:
    whole: Any  # the validator of Rasa's schema, for the verdict on anything unusual
    outline: Optional[Check]  # the schema without the events' oneOf (None: no quick check)
    by_event: Dict[str, Check]  # event name -> the check of one event of that name


# JSON Schema's types as jsonschema 4.17 tells them (a bool is neither a number nor an
# integer; 1.0 is an integer).
TYPE_TESTS: Dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool),
    "integer": lambda v: not isinstance(v, bool) and (
        isinstance(v, int) or (isinstance(v, float) and v.is_integer())),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _type_test(names: Any) -> Optional[Check]:
    names = [names] if isinstance(names, str) else names
    if not isinstance(names, list) or not all(n in TYPE_TESTS for n in names):
        return None
    tests = [TYPE_TESTS[n] for n in names]
    return lambda value: any(test(value) for test in tests)


def plain_check(schema: Any, skip: FrozenSet[str] = frozenset()) -> Optional[Check]:
    """A Python check with the verdict of a schema made only of `type`, `properties`,
    `required` and array `items` (what Rasa's schema is, but for the user event's parse
    data); None for anything else, which a jsonschema validator then checks. Properties in
    `skip` are left out (the event name, which picked this schema)."""
    if schema == {}:
        return lambda value: True
    if not isinstance(schema, dict) or not set(schema) <= {"type", "properties", "required",
                                                         "items"}:
        return None
    type_test = _type_test(schema["type"]) if "type" in schema else (lambda value: True)
    items = plain_check(schema["items"]) if "items" in schema else None
    sub_schemas, required = schema.get("properties", {}), schema.get("required", [])
    if type_test is None or ("items" in schema and items is None) or \
            not isinstance(sub_schemas, dict) or not isinstance(required, list):
        return None
    properties: Dict[str, Check] = {}
    for name, sub_schema in sub_schemas.items():
        if name not in skip:
            sub_check = plain_check(sub_schema)
            if sub_check is None:
                return None
            properties[name] = sub_check
    required = [name for name in required if name not in skip]

    def accepts(value: Any) -> bool:
        if not type_test(value):
            return False
        if isinstance(value, list) and items is not None:
            return all(map(items, value))
        if isinstance(value, dict):
            return all(name in value for name in required) and all(
                test(value[name]) for name, test in properties.items() if name in value)
        return True
    return accepts


def compile_schema(schema: Dict[str, Any]) -> CompiledSchema:
    cls = validator_for(schema)
    cls.check_schema(schema)
    whole = cls(schema)
    try:
        items = schema["properties"]["events"]["items"]
        alternatives = items["oneOf"]
        names = [alt["properties"]["event"]["const"] for alt in alternatives]
    except (KeyError, TypeError):
        return CompiledSchema(whole, None, {})  # not the shape this relies on: whole schema
    if len(set(names)) != len(names):
        return CompiledSchema(whole, None, {})
    outline_schema = copy.deepcopy(schema)
    outline_schema["properties"]["events"]["items"] = {"type": "object"}
    common = {key: value for key, value in items.items() if key != "oneOf"}
    by_event = {name: _event_check(cls, common, alt)
                for name, alt in zip(names, alternatives, strict=True)}
    return CompiledSchema(whole, plain_check(outline_schema) or cls(outline_schema).is_valid,
                          by_event)


def _event_check(cls: Any, common: Dict[str, Any], alternative: Dict[str, Any]) -> Check:
    """The common part and the alternative for one event name: plain Python checks where the
    schemas are plain (the event name already picked the alternative), else jsonschema."""
    plain_common = plain_check(common)
    plain_alternative = plain_check(alternative, skip=frozenset({"event"}))
    if plain_common is not None and plain_alternative is not None:
        return lambda event: plain_common(event) and plain_alternative(event)
    return cls({**common, "allOf": [alternative]}).is_valid


def passes_quick_check(compiled: CompiledSchema, result: Any) -> bool:
    """True only when the whole schema would accept `result` too."""
    if compiled.outline is None or not compiled.outline(result):
        return False
    events = result.get("events", []) if isinstance(result, dict) else []
    for event in events:
        name = event.get("event")
        check = compiled.by_event.get(name) if isinstance(name, str) else None
        if check is None or not check(event):
            return False
    return True


_compiled: Optional[CompiledSchema] = None


def _schema() -> CompiledSchema:
    global _compiled
    if _compiled is None:
        _compiled = compile_schema(RemoteAction.action_response_format_spec())
    return _compiled


def validate_action_result(_action: RemoteAction, result: Dict[Text, Any]) -> bool:
    compiled = _schema()
    if passes_quick_check(compiled, result):
        return True
    error: Optional[ValidationError] = best_match(compiled.whole.iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error
    return True


def install() -> None:
    _schema()  # compiled now, at start, not during the first visitor's turn
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
