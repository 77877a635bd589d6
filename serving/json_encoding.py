"""JSON for the action server's requests, encoded by ujson.

Every action call sends the conversation's events; encoding them with the standard library
was a sixth of the Rasa server's CPU per turn under load (py-spy). ujson (already installed
with Sanic, pinned in requirements.lock) encodes the same values to the same JSON text in a
third of the time; a unit test checks that decoding either gives the same value. Anything
ujson refuses (bytes, unknown objects) goes to the standard library, so the error is the one
Rasa would have raised. (One leniency: a dict key that is neither text nor a number, which
the standard library refuses, ujson writes as its `str`; Rasa's state has text keys only.)
"""

from __future__ import annotations

import json
from typing import Any

import ujson


def dumps(value: Any) -> str:
    """`json.dumps(value)`, faster. ASCII output as the standard library's: a lone surrogate
    a visitor managed to send is escaped, not a UTF-8 encoding error at send time."""
    try:
        return ujson.dumps(value, ensure_ascii=True, escape_forward_slashes=False,
                           reject_bytes=True)
    except (TypeError, OverflowError, ValueError):
        return json.dumps(value)
