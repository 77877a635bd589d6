"""Context-only answer words (config/answer_words.yml), matched as whole words."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Pattern

import yaml

PATH = Path(__file__).resolve().parent.parent / "config" / "answer_words.yml"


@lru_cache(maxsize=1)
def _patterns() -> Dict[str, Dict[str, Pattern[str]]]:
    data = yaml.safe_load(PATH.read_text(encoding="utf-8")) or {}
    return {
        question: {
            code: re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(
                words, key=len, reverse=True)) + r")\b", re.IGNORECASE)
            for code, words in codes.items()
        }
        for question, codes in data.items()
    }


def codes_in(question: str, text: str) -> List[str]:
    """The codes whose words appear in `text`, in the file's order."""
    return [code for code, pattern in _patterns().get(question, {}).items()
            if pattern.search(text or "")]
