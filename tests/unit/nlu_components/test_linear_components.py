"""Our linear NLU components, trained and loaded through Rasa's graph component API."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_intent_classifier import LinearIntentClassifier
from nlu_components.retrieval_selector import LinearResponseSelector

EXAMPLES = {
    "greet": ["hi", "hello there", "good morning", "hey", "hello", "hiya"],
    "goodbye": ["bye", "goodbye", "see you later", "bye bye", "cheerio", "see you"],
}
FAQ = {
    "faq/heat": ["should I use heat", "is heat good for a spasm", "hot water bottle or ice",
                 "does heat help back pain"],
    "faq/mri": ["do I need an mri", "should I get an mri scan", "is an mri necessary",
                "will an mri show a spasm"],
}


def training_data() -> TrainingData:
    messages = [Message.build(text=t, intent=i) for i, ts in EXAMPLES.items() for t in ts]
    for key, texts in FAQ.items():
        for text in texts:
            message = Message.build(text=text, intent="faq")
            message.set(INTENT_RESPONSE_KEY, key)
            messages.append(message)
    return TrainingData(messages)


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


@pytest.mark.parametrize(("cls", "config"), [(LinearIntentClassifier, {}),
                                             (LinearResponseSelector, {})])
def test_components_train_persist_and_load(tmp_path: Path, cls, config) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource(cls.__name__)
    trained = cls.create({**cls.get_default_config(), **config}, storage, resource, context())
    trained.train(training_data())
    loaded = cls.load({**cls.get_default_config(), **config}, storage, resource, context())
    assert loaded.fitted is not None


def test_the_intent_classifier_ranks_intents(tmp_path: Path) -> None:
    classifier = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(),
                                               LocalModelStorage(tmp_path), Resource("i"),
                                               context())
    classifier.train(training_data())
    [message] = classifier.process([Message.build(text="hello, good morning")])
    assert message.get("intent")["name"] == "greet"
    ranking = message.get("intent_ranking")
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking),
                                                        reverse=True)


def test_the_selector_answers_in_the_response_selectors_shape(tmp_path: Path) -> None:
    selector = LinearResponseSelector.create(LinearResponseSelector.get_default_config(),
                                             LocalModelStorage(tmp_path), Resource("s"),
                                             context())
    selector.train(training_data())
    [message] = selector.process([Message.build(text="is heat good for my back?")])
    properties = message.get("response_selector")
    assert properties["all_retrieval_intents"] == ["faq"]
    response = properties["faq"]["response"]
    assert response["intent_response_key"] == "faq/heat"
    assert response["utter_action"] == "utter_faq/heat"
    assert 0.0 < response["confidence"] <= 1.0
    assert properties["faq"]["ranking"][0]["intent_response_key"] == "faq/heat"


def test_an_untrained_component_leaves_messages_alone(tmp_path: Path) -> None:
    selector = LinearResponseSelector.create(LinearResponseSelector.get_default_config(),
                                             LocalModelStorage(tmp_path), Resource("u"),
                                             context())
    [message] = selector.process([Message.build(text="anything")])
    assert message.get("response_selector") is None
