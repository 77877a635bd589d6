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

from typing import Any, Dict, List, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_model import LinearComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER],
                          is_trainable=True)
class LinearResponseSelector(LinearComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LinearComponent.get_default_config(), "retrieval_intent": "faq"}

    @property
    def retrieval_intent(self) -> str:
        return str(self.config["retrieval_intent"])

    def labelled(self, training_data: TrainingData) -> Tuple[List[Message], List[str]]:
        examples = [e for e in training_data.intent_examples
                    if e.get(INTENT) == self.retrieval_intent and e.get(INTENT_RESPONSE_KEY)
                    and e.get(TEXT)]
        return examples, [str(e.get(INTENT_RESPONSE_KEY)) for e in examples]

    def annotate(self, message: Message, ranking: List[Tuple[str, float]]) -> None:
        key, confidence = ranking[0]
        properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
        properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [self.retrieval_intent]
        properties[self.retrieval_intent] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: [],
                PREDICTED_CONFIDENCE_KEY: confidence,
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: "utter_" + key,
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {INTENT_RESPONSE_KEY: name, PREDICTED_CONFIDENCE_KEY: score}
                for name, score in ranking],
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
