"""The choices a bot message offers (Rasa's `buttons` / `quick_replies`), as typed values.

Also how they are kept in `ChannelContact.last_buttons` so a typed reply ("2", "Pain") can be
mapped back to its payload by any replica, after a restart too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Option:
    title: str  # as written in the domain
    payload: str  # what Rasa receives when the option is chosen
    label: Optional[str] = None  # the shortened title actually shown, when it differs


@dataclass(frozen=True)
class LinkButton:
    title: str
    url: str


def split_buttons(buttons: Sequence[Mapping[str, Any]]) -> Tuple[List[Option], List[LinkButton]]:
    """Rasa buttons -> reply options and link buttons (WhatsApp has no link reply buttons)."""
    options: List[Option] = []
    links: List[LinkButton] = []
    for button in buttons:
        if not isinstance(button, Mapping):
            continue
        title = " ".join(str(button.get("title") or "").split())
        payload = button.get("payload")
        url = button.get("url")
        if payload is None and isinstance(url, str) and url:
            links.append(LinkButton(title or url, url))
            continue
        payload_text = str(payload).strip() if payload is not None else ""
        if not title and not payload_text:
            continue
        options.append(Option(title=title or payload_text, payload=payload_text or title))
    return options, links


def options_to_json(options: Sequence[Option]) -> List[Dict[str, str]]:
    stored = []
    for option in options:
        item = {"title": option.title, "payload": option.payload}
        if option.label and option.label != option.title:
            item["label"] = option.label
        stored.append(item)
    return stored


def options_from_json(data: Any) -> List[Option]:
    """Tolerant of anything: what cannot be read is no options, never an error."""
    if not isinstance(data, list):
        return []
    options = []
    for item in data:
        if not isinstance(item, Mapping):
            continue
        title, payload, label = item.get("title"), item.get("payload"), item.get("label")
        if isinstance(title, str) and isinstance(payload, str):
            options.append(Option(title, payload, label if isinstance(label, str) else None))
    return options
