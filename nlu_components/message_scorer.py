"""Scores one message against a fitted TextFeatures + LogisticRegression without building
sparse matrices.

At serving time a message comes alone, and scikit-learn's path for it (two TF-IDF
transforms, a horizontal stack, a sparse product, input validation at every step) spent most
of its time constructing and checking small scipy matrices: about a sixth of the Rasa
server's CPU per turn under load (yappi). Here the same arithmetic runs on the handful of
features the message has: term counts, sublinear tf (1 + log), idf, L2 norm per vectorizer,
the shape features, then the multinomial logistic regression's softmax. The probabilities
equal scikit-learn's to rounding (unit tests compare them on the training data and on
generated text); a model this does not know how to score (one-vs-rest) is scored by
scikit-learn as before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.special import softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu_components.text_features import TextFeatures, shape_features


@dataclass(frozen=True)
class TfidfRow:
    """A fitted TfidfVectorizer's transform of one text, as (column indices, values)."""

    analyze: Callable[[str], List[str]]
    vocabulary: Dict[str, int]
    idf: np.ndarray

    @classmethod
    def of(cls, vectorizer: TfidfVectorizer) -> Optional[TfidfRow]:
        if (vectorizer.binary or not vectorizer.sublinear_tf or not vectorizer.use_idf
                or vectorizer.norm != "l2"):
            return None  # not the settings TextFeatures uses: let scikit-learn do it
        return cls(vectorizer.build_analyzer(), vectorizer.vocabulary_,
                   np.asarray(vectorizer.idf_, dtype=np.float64))

    def row(self, text: str) -> Tuple[np.ndarray, np.ndarray]:
        counts = Counter(j for j in map(self.vocabulary.get, self.analyze(text))
                         if j is not None)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(values) + 1.0) * self.idf[indices]
        norm = np.sqrt(np.dot(values, values))
        if norm > 0:
            values /= norm
        return indices, values


@dataclass(frozen=True)
class MessageScorer:
    words: TfidfRow
    chars: TfidfRow
    words_width: int
    chars_width: int
    shape_weight: float
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray

    @classmethod
    def of(cls, features: TextFeatures, model: LogisticRegression) -> Optional[MessageScorer]:
        """None when this model is not a multinomial logistic regression over TextFeatures."""
        multinomial = (model.multi_class == "multinomial" or (
            model.multi_class == "auto" and model.classes_.size > 2
            and model.solver != "liblinear"))
        words, chars = TfidfRow.of(features.words), TfidfRow.of(features.chars)
        if not multinomial or words is None or chars is None:
            return None
        return cls(words, chars, len(features.words.vocabulary_),
                   len(features.chars.vocabulary_), float(features.shape_weight),
                   np.asarray(model.coef_, dtype=np.float64),
                   np.asarray(model.intercept_, dtype=np.float64))

    def probabilities(self, text: str, entities: Sequence[Dict[str, Any]]) -> np.ndarray:
        word_columns, word_values = self.words.row(text)
        char_columns, char_values = self.chars.row(text)
        shapes = np.asarray(shape_features(text, entities), dtype=np.float64)
        scores = self.intercept.copy()
        offset = self.words_width
        scores += self.coef[:, word_columns] @ word_values
        scores += self.coef[:, offset + char_columns] @ char_values
        offset += self.chars_width
        scores += self.coef[:, offset:offset + shapes.size] @ (shapes * self.shape_weight)
        return softmax(scores)
