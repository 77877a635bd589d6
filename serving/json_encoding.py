"""JSON for the action server's requests, encoded by ujson.

Every action call sends the conversation's events; encoding them with the standard library
was a sixth of the Rasa server's CPU per turn under load (py-spy). ujson (already installed
with Sanic, pinned in requirements.lock) encodes the same values to the same JSON text in a
third of the time; a unit test checks that decoding either gives the same value. Anything
ujson refuses (bytes, unknown objects) goes to the standard library, so the error is the one
Rasa would have raised. (One leniency: a dict key that is neither text nor a number, which
the standard library refuses, ujson writes as its `str`; Rasa's state has text keys only.)

An action call's events may come already encoded (`EncodedEvents`, event_json.py: each event is
encoded once in its life, not at every call); their texts are then put in place as they are.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import ujson


class EncodedEvents:
    """A tracker's events as their JSON texts, in order. Only `dumps` below writes it; it is
    not a list, so any other encoder refuses it loudly rather than write something else."""

    __slots__ = ("texts",)

    def __init__(self, texts: List[str]) -> None:
        self.texts = texts


def dumps(value: Any) -> str:
    """`json.dumps(value)`, faster. ASCII output as the standard library's: a lone surrogate
    a visitor managed to send is escaped, not a UTF-8 encoding error at send time. An action
    call whose `tracker.events` are `EncodedEvents` gets them spliced in (as the last key)."""
    tracker = _tracker_with_encoded_events(value)
    if tracker is not None:
        return _with_encoded_events(value, tracker)
    return _plain(value)


def _tracker_with_encoded_events(value: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(value, dict):
        return None
    tracker = value.get("tracker")
    if isinstance(tracker, dict) and isinstance(tracker.get("events"), EncodedEvents):
        return tracker
    return None


def _append_member(object_text: str, member: str) -> str:
    """`{...}` with `"key":value` added last."""
    return "{" + member + "}" if object_text == "{}" else object_text[:-1] + "," + member + "}"


def _with_encoded_events(value: Dict[str, Any], tracker: Dict[str, Any]) -> str:
    events: EncodedEvents = tracker["events"]
    tracker_text = _append_member(_plain({k: v for k, v in tracker.items() if k != "events"}),
                                  '"events":[' + ",".join(events.texts) + "]")
    return _append_member(_plain({k: v for k, v in value.items() if k != "tracker"}),
                          '"tracker":' + tracker_text)


def _plain(value: Any) -> str:
    try:
        return ujson.dumps(value, ensure_ascii=True, escape_forward_slashes=False,
                           reject_bytes=True)
    except (TypeError, OverflowError, ValueError):
        return json.dumps(value)
