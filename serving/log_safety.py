"""The Rasa server logs at INFO at most, unless debug logs are allowed on purpose.

Rasa 3.6's DEBUG logs hold what visitors write: `processor.message.parse` carries each
message's text and entities, and the slots' values are logged as they are set. That is
personal health information, in clear, in the server's log, and a `--debug` (`-vv`) flag or
`LOG_LEVEL=DEBUG` left on in production would write every conversation there. Here the Rasa
server's command line is brought to INFO, with a warning on stderr, unless
`ALLOW_DEBUG_LOGS=1` says it is meant (development, with made-up conversations). A logging
configuration file (`--logging-config-file`) is the operator's own and is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence

DEBUG_FLAGS = ("--debug", "-vv")
ALLOW_VARIABLE = "ALLOW_DEBUG_LOGS"
SAFE_LEVEL = "INFO"


@dataclass(frozen=True)
class SafeStart:
    argv: List[str]
    env_changes: Dict[str, str] = field(default_factory=dict)
    warning: Optional[str] = None


def safe_start(argv: Sequence[str], env: Mapping[str, str]) -> SafeStart:
    """The command line and environment changes to start Rasa with, and the warning to give
    when debug logs were asked for but not allowed."""
    if env.get(ALLOW_VARIABLE, "").strip() == "1":
        return SafeStart(list(argv))
    kept = [arg for arg in argv if arg not in DEBUG_FLAGS]
    changes = ({"LOG_LEVEL": SAFE_LEVEL}
               if env.get("LOG_LEVEL", "").strip().upper() == "DEBUG" else {})
    if len(kept) == len(argv) and not changes:
        return SafeStart(kept)
    asked = [arg for arg in argv if arg in DEBUG_FLAGS] + (["LOG_LEVEL=DEBUG"] if changes else [])
    warning = (f"{' and '.join(asked)} ignored: Rasa's debug logs contain what visitors write "
               f"(health information). Running at {SAFE_LEVEL}. Set {ALLOW_VARIABLE}=1 to "
               "allow debug logs, only with made-up conversations.")
    return SafeStart(kept, changes, warning)
