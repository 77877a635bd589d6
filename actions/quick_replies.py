"""Quick-reply buttons for the guided questions, read once from config/quick_replies.yml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

PATH = Path(__file__).resolve().parent.parent / "config" / "quick_replies.yml"
Button = Dict[str, str]


@lru_cache(maxsize=1)
def _all() -> Dict[str, List[Button]]:
    data = yaml.safe_load(PATH.read_text(encoding="utf-8")) or {}
    for group, buttons in data.items():
        for button in buttons:
            if set(button) != {"title", "payload"} or len(button["title"]) > 20:
                raise ValueError(f"{PATH}: {group}: each button needs a title (at most 20 "
                                 f"characters) and a payload, got {button}")
    return data


def buttons(group: str) -> List[Button]:
    """A copy of the group's buttons (callers may not change the cached list)."""
    return [dict(button) for button in _all()[group]]
