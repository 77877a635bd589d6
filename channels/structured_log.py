"""Log lines as a dotted event name followed by `key=value` fields.

Callers pass only values that are safe to log: conversation ids through `visitor_fields()`
(masked phone number and keyed hash), never message text. The fields are also attached to the
record (`record.event`, `record.event_fields`) for JSON log handlers.
"""

from __future__ import annotations

import logging
from typing import Dict, Optional

from privacy import conversation_ref, mask_phone

FieldValue = object


def log_event(logger: logging.Logger, level: int, event: str, **fields: FieldValue) -> None:
    """Logs `event key=value ...`; `None` values are left out."""
    kept: Dict[str, FieldValue] = {k: v for k, v in fields.items() if v is not None}
    if not logger.isEnabledFor(level):
        return
    rendered = " ".join(f"{key}={_render(value)}" for key, value in kept.items())
    logger.log(level, "%s %s" if rendered else "%s%s", event, rendered,
               extra={"event": event, "event_fields": kept})


def visitor_fields(conversation_id: Optional[str]) -> Dict[str, FieldValue]:
    """How a visitor appears in a log line: masked number and a keyed hash, never the number."""
    return {"visitor": mask_phone(conversation_id),
            "conversation": conversation_ref(conversation_id)}


def describe_exception(exc: BaseException) -> str:
    """The exception's type and where it was raised, without its message (which may hold PHI)."""
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is None:
        return type(exc).__name__
    code = frame.tb_frame.f_code
    return f"{type(exc).__name__}@{_short_path(code.co_filename)}:{frame.tb_lineno}"


def _short_path(path: str) -> str:
    marker = "site-packages/"
    if marker in path:
        return path.split(marker, 1)[1]
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


def _render(value: FieldValue) -> str:
    text = str(value)
    if not text or any(ch.isspace() for ch in text) or '"' in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text
