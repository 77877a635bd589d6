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
