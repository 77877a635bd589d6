"""Fixtures for the clinical NLP tests: one pipeline per session, and a mention extractor."""

from __future__ import annotations

import os
from typing import Callable, List

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from spacy.language import Language

from clinical_nlp import Mention, build_pipeline, extract_mentions


@pytest.fixture(scope="session")
def nlp() -> Language:
    return build_pipeline()


@pytest.fixture(scope="session")
def mentions(nlp: Language) -> Callable[[str], List[Mention]]:
    def run(text: str) -> List[Mention]:
        return extract_mentions(nlp, text)

    return run
