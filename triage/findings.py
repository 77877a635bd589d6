"""Folds what the visitor says, turn by turn, into one presence per finding.

The latest clear statement wins so people can correct themselves ("actually I do have some
tingling"), but an uncertain mention never downgrades a finding already affirmed: a worried
"I'm not sure any more" must not quietly clear a warning sign.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from triage.vocabulary import Presence

#: The entity roles the language pipeline sets; None means the mention was affirmed.
ROLES = (None, "negated", "uncertain")
_PRESENCE_OF_ROLE = {
    None: Presence.PRESENT,
    "negated": Presence.ABSENT,
    "uncertain": Presence.UNSURE,
}


@dataclass(frozen=True)
class Mention:
    """One mention of a finding code, with its role: None (affirmed), negated or uncertain."""

    code: str
    role: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code:
            raise ValueError(f"mention: expected a finding code, got {self.code!r}")
        if self.role not in ROLES:
            raise ValueError(
                f"mention {self.code!r}: unknown role {self.role!r}"
                " (use none, negated or uncertain)"
            )

    @property
    def presence(self) -> Presence:
        """What this mention says on its own."""
        return _PRESENCE_OF_ROLE[self.role]


def merge_findings(
    previous: Mapping[str, Presence | str],
    mentions: Iterable[Mention],
    *,
    known_codes: Collection[str] | None = None,
) -> dict[str, Presence]:
    """The findings after applying `mentions` in order to `previous`.

    `known_codes` defaults to the red flags and symptoms of the knowledge in use; any other code,
    old or new, raises ValueError so a pipeline typo cannot silently drop a warning sign.
    """
    if known_codes is None:
        from triage.knowledge import default_knowledge

        known_codes = default_knowledge().finding_codes
    merged: dict[str, Presence] = {}
    for code, value in previous.items():
        _require_known(code, known_codes)
        try:
            merged[code] = Presence(value)
        except ValueError:
            raise ValueError(f"findings[{code}]: {value!r} is not a presence") from None
    for mention in mentions:
        _require_known(mention.code, known_codes)
        new = mention.presence
        if new is Presence.UNSURE and merged.get(mention.code) is Presence.PRESENT:
            continue
        merged[mention.code] = new
    return merged


def _require_known(code: str, known_codes: Collection[str]) -> None:
    if code not in known_codes:
        raise ValueError(f"unknown finding code {code!r} (not a declared red flag or symptom)")
