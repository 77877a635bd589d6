"""The anchored match finds what spaCy's full match finds, in the same order, so the clinical
entities are the ones spaCy would set."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.nlu.training_data.loading import load_data
from spacy.language import Language
from spacy.pipeline import EntityRuler

from clinical_nlp import anchored_matching

ROOT = Path(__file__).resolve().parents[3]


def ruler_of(nlp: Language) -> EntityRuler:
    ruler = nlp.get_pipe("entity_ruler")
    assert isinstance(ruler, EntityRuler)
    return ruler


def full_match(nlp: Language, text: str) -> list:
    return EntityRuler.match(ruler_of(nlp), nlp.make_doc(text))


def our_match(nlp: Language, text: str) -> list:
    return ruler_of(nlp).match(nlp.make_doc(text))


def training_texts() -> List[str]:
    data = load_data(str(ROOT / "data" / "nlu.yml"))
    return [example.get("text") for example in data.training_examples]


def pattern_words(nlp: Language) -> List[str]:
    """Words the token patterns ask for: generated messages hit many patterns."""
    words = set()
    for patterns in ruler_of(nlp).token_patterns.values():
        for pattern in patterns:
            for token in pattern:
                for attr in ("LOWER", "NORM"):
                    value = token.get(attr)
                    if isinstance(value, str):
                        words.add(value)
                    elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                        words.update(v for v in value["IN"] if isinstance(v, str))
    return sorted(w for w in words if re.fullmatch(r"[a-z0-9']+", w))


def test_the_pipeline_uses_the_anchored_match(nlp: Language) -> None:
    assert "match" in vars(ruler_of(nlp))


def test_every_training_example_matches_as_with_spacy(nlp: Language) -> None:
    texts = training_texts()
    assert len(texts) > 500
    different = [text for text in texts if our_match(nlp, text) != full_match(nlp, text)]
    assert different == []


@pytest.mark.parametrize("text", [
    "my back locked up when I picked up my son and now I can't feel my legs",
    "no numbness in my groin, I don't have any bladder problems",
    "pain down my left leg since 3 days ago, about a 7 out of 10",
    "I can't bend forward, it hurts when I lean back",
    "",
    "!!!",
])
def test_clinical_phrasings_match_as_with_spacy(nlp: Language, text: str) -> None:
    assert our_match(nlp, text) == full_match(nlp, text)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_generated_messages_match_as_with_spacy(nlp: Language, data: st.DataObject) -> None:
    words = data.draw(st.lists(st.sampled_from(pattern_words(nlp)), min_size=1, max_size=14))
    text = " ".join(words)
    assert our_match(nlp, text) == full_match(nlp, text)


def test_a_pattern_without_an_anchor_is_always_run() -> None:
    assert anchored_matching.pattern_anchor([{"LOWER": {"REGEX": "^[0-9]+$"}}]) is None
    assert anchored_matching.pattern_anchor([{"LOWER": "back", "OP": "?"}]) is None


def test_the_most_selective_required_token_anchors_a_pattern() -> None:
    pattern = [{"LOWER": {"IN": ["my", "the"]}}, {"LOWER": "lower", "OP": "?"},
               {"NORM": "back"}]
    assert anchored_matching.pattern_anchor(pattern) == frozenset({("NORM", "back")})


def test_matches_on_the_same_words_fall_back_to_spacys_order() -> None:
    assert anchored_matching.has_shared_spans([(1, 0, 2), (2, 0, 2)])
    assert not anchored_matching.has_shared_spans([(1, 0, 2), (1, 0, 3)])
