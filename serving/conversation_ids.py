"""Which conversation ids the public channels accept.

A conversation id becomes a database key, a Redis key, a log field (as a hash) and a URL
segment of the HTTP API. Ids with control characters or unencodable text break some of these
(PostgreSQL refuses NUL; a lone surrogate cannot be encoded) and no real channel makes them.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Optional

MAX_LENGTH = 255  # Rasa's `events.sender_id` column


def problem(sender: Any) -> Optional[str]:
    """Why `sender` cannot be a conversation id, or None when it can."""
    if not isinstance(sender, str) or not sender.strip():
        return "must be a non-empty string"
    if len(sender) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    try:
        sender.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text"
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in sender):
        return "must not contain control characters"
    return None
