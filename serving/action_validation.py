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
whole schema, which gives Rasa's error. Installed at server start (server_hooks.attach);
checked against Rasa's own validation by unit tests, hypothesis included.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Dict, Optional, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@dataclass(frozen=True)
class CompiledSchema:
    whole: Any  # the validator of Rasa's schema, for the verdict on anything unusual
    outline: Optional[Any]  # the schema without the events' oneOf (None: no quick check)
    by_event: Dict[str, Any]  # event name -> validator of one event of that name


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
    by_event = {name: cls({**common, "allOf": [alt]})
                for name, alt in zip(names, alternatives, strict=True)}
    return CompiledSchema(whole, cls(outline_schema), by_event)


def passes_quick_check(compiled: CompiledSchema, result: Any) -> bool:
    """True only when the whole schema would accept `result` too."""
    if compiled.outline is None or not compiled.outline.is_valid(result):
        return False
    events = result.get("events", []) if isinstance(result, dict) else []
    for event in events:
        name = event.get("event")
        validator = compiled.by_event.get(name) if isinstance(name, str) else None
        if validator is None or not validator.is_valid(event):
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
