"""Which FAQ topics have a "tell me more" continuation, read from the domain's FAQ responses.

The action server does not receive the domain with each call (selective domain keeps calls
small), so it reads the response names from the project's own domain files once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Optional

import yaml

from actions import names

FAQ_DOMAIN = Path(__file__).resolve().parent.parent / "domain" / "faq.yml"


@lru_cache(maxsize=1)
def response_names(path: Path = FAQ_DOMAIN) -> FrozenSet[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset((data.get("responses") or {}).keys())


def continuation_for(utter_action: Optional[str]) -> Optional[str]:
    """`utter_faq/heat` -> `utter_faq/heat_more` if that response exists, else None."""
    if not utter_action or not utter_action.startswith(names.FAQ_RESPONSE_PREFIX):
        return None
    if utter_action.endswith(names.MORE_SUFFIX):
        return None  # already the continuation: there is no third part
    candidate = utter_action + names.MORE_SUFFIX
    return candidate if candidate in response_names() else None
