"""What our two linear NLU components share: a fitted TextFeatures and a logistic regression,
trained, persisted in Rasa's model storage and loaded back the same way."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple, Type, TypeVar

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nlu_components.message_scorer import MessageScorer
from nlu_components.persistence import load_objects, save_objects
from nlu_components.text_features import TextFeatures

logger = logging.getLogger(__name__)
Fitted = Tuple[TextFeatures, LogisticRegression]
C = TypeVar("C", bound="LinearComponent")


class LinearComponent(GraphComponent):
    """Subclasses say which examples and labels to learn (`labelled`) and how to write the
    prediction onto a message (`annotate`)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 10.0, "max_iter": 3000, "random_state": 42, "ranking_length": 10,
                "class_weight": None}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, fitted: Optional[Fitted] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.fitted = fitted
        self._scorer: Optional[MessageScorer] = None
        self._scorer_of: Optional[Fitted] = None

    def message_scorer(self) -> Optional[MessageScorer]:
        """The fast scorer of the fitted model (message_scorer.py), None if it has none."""
        if self.fitted is not None and self._scorer_of is not self.fitted:
            self._scorer = MessageScorer.of(*self.fitted)
            self._scorer_of = self.fitted
        return self._scorer

    @classmethod
    def create(cls: Type[C], config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> C:
        return cls(config, model_storage, resource)

    def labelled(self, training_data: TrainingData) -> Tuple[List[Message], List[str]]:
        raise NotImplementedError

    def annotate(self, message: Message, ranking: List[Tuple[str, float]]) -> None:
        raise NotImplementedError

    def train(self, training_data: TrainingData) -> Resource:
        examples, labels = self.labelled(training_data)
        if len(set(labels)) < 2:
            logger.warning("%s.untrained reason=fewer_than_two_labels", type(self).__name__)
            return self._resource
        features = TextFeatures()
        matrix = features.fit_transform([e.get(TEXT) for e in examples],
                                        [e.get(ENTITIES) or [] for e in examples])
        model = LogisticRegression(C=float(self.config["C"]),
                                   max_iter=int(self.config["max_iter"]),
                                   class_weight=self.config["class_weight"],
                                   random_state=int(self.config["random_state"]))
        model.fit(matrix, labels)
        self.fitted = (features, model)
        with self._model_storage.write_to(self._resource) as directory:
            save_objects(directory, features=features, model=model)
        return self._resource

    @classmethod
    def load(cls: Type[C], config: Dict[Text, Any], model_storage: ModelStorage,
             resource: Resource, execution_context: ExecutionContext, **kwargs: Any) -> C:
        try:
            with model_storage.read_from(resource) as directory:
                loaded = load_objects(directory, "features", "model")
        except (ValueError, FileNotFoundError):
            logger.warning("%s.not_trained", cls.__name__)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, (loaded["features"], loaded["model"]))

    def process(self, messages: List[Message]) -> List[Message]:
        if self.fitted is None or not messages:
            return messages
        features, model = self.fitted
        texts = [m.get(TEXT) or "" for m in messages]
        entities = [m.get(ENTITIES) or [] for m in messages]
        scorer = self.message_scorer()
        if scorer is not None:
            probabilities = [scorer.probabilities(t, e) for t, e in zip(texts, entities,
                                                                        strict=True)]
        else:
            probabilities = model.predict_proba(features.transform(texts, entities))
        labels = list(model.classes_)
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)[: int(self.config["ranking_length"])]
            self.annotate(message, [(labels[i], float(row[i])) for i in order])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
