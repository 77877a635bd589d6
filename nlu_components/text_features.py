"""Features for our linear NLU classifiers: TF-IDF over words (1-2 grams) and characters
(1-5 grams within words), plus the clinical entities found in the message and whether it is
shaped like a question. Fitted on the training data by each classifier."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer

WORD = r"(?u)\b\w+\b"
ENTITY_TYPES = ("red_flag", "symptom", "mechanism", "activity", "body_site", "side",
                "pain_score", "test_result", "duration")
_QUESTION_START = re.compile(
    r"^\s*(what|why|how|when|where|which|who|can|could|should|is|are|do|does|did|will|"
    r"would|may|might|must)\b", re.IGNORECASE)


def shape_features(text: str, entities: Sequence[Dict[str, Any]]) -> List[float]:
    """Entity types present (affirmed / negated-or-uncertain) and question shape."""
    values = [0.0] * (2 * len(ENTITY_TYPES) + 2)
    for entity in entities:
        kind = entity.get("entity")
        if kind in ENTITY_TYPES:
            values[2 * ENTITY_TYPES.index(kind) + (1 if entity.get("role") else 0)] = 1.0
    values[-2] = 1.0 if text.strip().endswith("?") else 0.0
    values[-1] = 1.0 if _QUESTION_START.search(text) else 0.0
    return values


class TextFeatures:
    """Fit once on training texts; transform any texts afterwards."""

    def __init__(self, shape_weight: float = 2.0) -> None:
        self.words = TfidfVectorizer(token_pattern=WORD, ngram_range=(1, 2),
                                     sublinear_tf=True, lowercase=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True,
                                     lowercase=True)
        self.shape_weight = shape_weight

    def fit_transform(self, texts: List[str], entities: List[List[Dict[str, Any]]]
                      ) -> csr_matrix:
        words = self.words.fit_transform(texts)
        chars = self.chars.fit_transform(texts)
        return hstack([words, chars, self._shapes(texts, entities)]).tocsr()

    def transform(self, texts: List[str], entities: List[List[Dict[str, Any]]]) -> csr_matrix:
        return hstack([self.words.transform(texts), self.chars.transform(texts),
                       self._shapes(texts, entities)]).tocsr()

    def _shapes(self, texts: List[str], entities: List[List[Dict[str, Any]]]) -> csr_matrix:
        rows = [shape_features(t, e) for t, e in zip(texts, entities, strict=True)]
        return csr_matrix(np.asarray(rows, dtype=float) * self.shape_weight)
