"""Picks the answer to a FAQ question (`faq/<topic>`) with a logistic regression over TF-IDF
word and character n-grams (text_features.py), in place of Rasa's TensorFlow ResponseSelector.

Why: on these 2-core machines the ResponseSelector and DIET took most of the training time
and of the Rasa process's memory (TensorFlow), while a linear model over word and character
n-grams is as accurate on this data (README, "Language understanding") and trains in seconds.
The output has exactly the ResponseSelector's shape, so `utter_faq`, rules and
`rasa test nlu` work unchanged.

config.yml:
    - name: nlu_components.retrieval_selector.LinearResponseSelector
      retrieval_intent: faq
      C: 10
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nlu_components.persistence import load_objects, save_objects
from nlu_components.text_features import TextFeatures

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
                          is_trainable=True)
class LinearResponseSelector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "C": 10.0, "max_iter": 3000,
                "random_state": 42, "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource,
                 trained: Optional[Tuple[TextFeatures, LogisticRegression]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.trained = trained

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext
               ) -> LinearResponseSelector:
        return cls(config, model_storage, resource)

    @property
    def retrieval_intent(self) -> str:
        return str(self.config["retrieval_intent"])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples
                    if e.get(INTENT) == self.retrieval_intent and e.get(INTENT_RESPONSE_KEY)
                    and e.get(TEXT)]
        if len({e.get(INTENT_RESPONSE_KEY) for e in examples}) < 2:
            logger.warning("retrieval_selector.untrained reason=fewer_than_two_answers")
            return self._resource
        features = TextFeatures()
        matrix = features.fit_transform([e.get(TEXT) for e in examples],
                                        [e.get(ENTITIES) or [] for e in examples])
        model = LogisticRegression(C=float(self.config["C"]),
                                   max_iter=int(self.config["max_iter"]),
                                   random_state=int(self.config["random_state"]))
        model.fit(matrix, [e.get(INTENT_RESPONSE_KEY) for e in examples])
        self.trained = (features, model)
        with self._model_storage.write_to(self._resource) as directory:
            save_objects(directory, features=features, model=model)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any
             ) -> LinearResponseSelector:
        try:
            with model_storage.read_from(resource) as directory:
                loaded = load_objects(directory, "features", "model")
        except (ValueError, FileNotFoundError):
            logger.warning("retrieval_selector.not_trained")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, (loaded["features"], loaded["model"]))

    def process(self, messages: List[Message]) -> List[Message]:
        if self.trained is None or not messages:
            return messages
        features, model = self.trained
        probabilities = model.predict_proba(features.transform(
            [m.get(TEXT) or "" for m in messages], [m.get(ENTITIES) or [] for m in messages]))
        classes = list(model.classes_)
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row)[: int(self.config["ranking_length"])]
            ranking = [{INTENT_RESPONSE_KEY: classes[i],
                        PREDICTED_CONFIDENCE_KEY: float(row[i])} for i in order]
            best = ranking[0]
            key = str(best[INTENT_RESPONSE_KEY])
            properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
            properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [self.retrieval_intent]
            properties[self.retrieval_intent] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: [],
                    PREDICTED_CONFIDENCE_KEY: best[PREDICTED_CONFIDENCE_KEY],
                    INTENT_RESPONSE_KEY: key,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: "utter_" + key,
                },
                RESPONSE_SELECTOR_RANKING_KEY: ranking,
            }
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
