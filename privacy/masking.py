"""Masks and hashes for log lines: phone numbers, names and free text never appear in clear.

A log line must still let an engineer follow one conversation across processes, so ids are
replaced by a short keyed hash (stable within a deployment, `LOG_HASH_KEY`), not dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from typing import Optional

_DIGITS = re.compile(r"\d")


def mask_phone(number: Optional[str]) -> str:
    """`+27821234567` -> `+27*****4567`: country code and last four digits only."""
    if not number:
        return "-"
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    if len(digits) <= 6:
        return _DIGITS.sub("*", number)
    keep = set(digits[:2]) | set(digits[-4:])
    return "".join(ch if (not ch.isdigit() or i in keep) else "*" for i, ch in enumerate(number))


def conversation_ref(conversation_id: Optional[str]) -> str:
    """A short keyed hash of a conversation id (which may be a phone number)."""
    if not conversation_id:
        return "-"
    key = os.environ.get("LOG_HASH_KEY", "physio-assistant").encode()
    return "c_" + hmac.new(key, conversation_id.encode(), hashlib.sha256).hexdigest()[:12]


def redact(text: Optional[str]) -> str:
    """Free text (what a visitor wrote) is replaced by its length."""
    if text is None:
        return "-"
    return f"<{len(text)} chars>"
