"""The wording rule shared by the tests: texts suggest, they never claim a condition."""

from __future__ import annotations

import re

CLAIMS = re.compile(
    r"\byou\s+(?:do\s+)?have\b"
    r"|\byou'?ve\s+got\b"
    r"|\byou\s+have\s+got\b"
    r"|\bdiagnos"
    r"|\byou\s+(?:are|'re)\s+suffering\b"
    r"|\byou\s+(?:definitely|certainly)\b"
    r"|\b(?:this|it)\s+is\s+(?:definitely|certainly|clearly)\b"
    r"|\bthis\s+is\s+(?:a|an)\s+(?:muscle\s+)?(?:spasm|strain|disc|sciatica)\b"
    r"|\byou\s+(?:are|'re)\s+(?:having|experiencing)\s+(?:a|an)\b",
    re.IGNORECASE,
)


def claims(text: str) -> list[str]:
    """The claim phrases in a text (typographic apostrophes count too)."""
    return CLAIMS.findall(text.replace("\u2019", "'"))
