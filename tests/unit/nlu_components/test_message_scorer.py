"""The one-message scorer gives scikit-learn's probabilities, on the project's own NLU data
and on generated text."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.linear_model import LogisticRegression

from nlu_components.message_scorer import MessageScorer
from nlu_components.text_features import TextFeatures

ROOT = Path(__file__).resolve().parents[3]
ENTITY_SETS = [[], [{"entity": "red_flag", "value": "numbness"}],
               [{"entity": "symptom", "value": "spasm", "role": "negated"}],
               [{"entity": "pain_score", "value": 7}, {"entity": "mechanism", "value": "x"}]]


@pytest.fixture(scope="module")
def examples() -> List[Tuple[str, str]]:
    data = load_data(str(ROOT / "data" / "nlu.yml"))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


@pytest.fixture(scope="module")
def fitted(examples: List[Tuple[str, str]]) -> Tuple[TextFeatures, LogisticRegression]:
    texts = [t for t, _ in examples]
    features = TextFeatures()
    matrix = features.fit_transform(texts, [[] for _ in texts])
    model = LogisticRegression(C=30, max_iter=3000, class_weight="balanced", random_state=42)
    model.fit(matrix, [i for _, i in examples])
    return features, model


def sklearn_probabilities(fitted: Tuple[TextFeatures, LogisticRegression], text: str,
                          entities: list) -> np.ndarray:
    features, model = fitted
    return model.predict_proba(features.transform([text], [entities]))[0]


def test_every_training_example_scores_as_in_sklearn(fitted, examples) -> None:
    scorer = MessageScorer.of(*fitted)
    assert scorer is not None
    for index, (text, _) in enumerate(examples):
        entities = ENTITY_SETS[index % len(ENTITY_SETS)]
        np.testing.assert_allclose(scorer.probabilities(text, entities),
                                   sklearn_probabilities(fitted, text, entities),
                                   rtol=1e-9, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from(ENTITY_SETS))
def test_any_text_scores_as_in_sklearn(fitted, text: str, entities: list) -> None:
    scorer = MessageScorer.of(*fitted)
    np.testing.assert_allclose(scorer.probabilities(text, entities),  # type: ignore[union-attr]
                               sklearn_probabilities(fitted, text, entities),
                               rtol=1e-9, atol=1e-12)


def test_a_one_vs_rest_model_is_left_to_sklearn(fitted) -> None:
    features, _ = fitted
    texts = ["hi", "hello", "bye", "goodbye"]
    binary = LogisticRegression().fit(features.transform(texts, [[]] * 4),
                                      ["greet", "greet", "bye", "bye"])
    assert MessageScorer.of(features, binary) is None
