"""The Rasa graph component: train into a real model storage, load it back, process messages."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinical_nlp.pattern_files import PACKAGED_PATTERNS_DIR
from clinical_nlp.rasa_component import (
    ClinicalEntityExtractor,
    ClinicalPipelineError,
)


@pytest.fixture
def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test-model")


def train(
    storage_path: Path, context: ExecutionContext, config: Dict[str, Any] | None = None
) -> Resource:
    storage_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(storage_path)
    resource = Resource("train_ClinicalEntityExtractor5")
    component = ClinicalEntityExtractor.create(
        {**ClinicalEntityExtractor.get_default_config(), **(config or {})},
        storage,
        resource,
        context,
    )
    assert component.train(TrainingData()) == resource
    return resource


def load(storage_path: Path, resource: Resource, context: ExecutionContext) -> Any:
    return ClinicalEntityExtractor.load(
        ClinicalEntityExtractor.get_default_config(),
        LocalModelStorage(storage_path),
        resource,
        context,
    )


def entities(message: Message) -> List[Dict[str, Any]]:
    return list(message.get("entities", []))


def test_train_persist_load_and_process(tmp_path: Path, context: ExecutionContext) -> None:
    resource = train(tmp_path / "storage", context)
    # the whole pipeline is inside the model storage, so the model archive is self-contained
    persisted = tmp_path / "storage" / resource.name / ClinicalEntityExtractor.PIPELINE_DIR
    assert (persisted / "config.cfg").is_file()

    extractor = load(tmp_path / "storage", resource, context)
    message = Message.build(text="no numbness but I can't feel when I need to wee, pain 7/10")
    other = {"entity": "person", "value": "Sam", "start": 0, "end": 2, "extractor": "Other"}
    message.set("entities", [other], add_to_output=True)

    (processed,) = extractor.process([message])
    found = entities(processed)
    assert found[0] == other  # entities from other extractors are kept
    assert {
        "entity": "symptom",
        "value": "leg_numbness",
        "start": 3,
        "end": 11,
        "confidence": 1.0,
        "extractor": "ClinicalEntityExtractor",
        "role": "negated",
    } in found
    flag = next(e for e in found if e["entity"] == "red_flag")
    assert flag["value"] == "bladder_dysfunction"
    assert "role" not in flag  # affirmed: no role, so plain from_entity mappings pick it up
    assert processed.get("text")[flag["start"] : flag["end"]] == "can't feel when I need to wee"
    score = next(e for e in found if e["entity"] == "pain_score")
    assert score["value"] == "7" and "role" not in score


def test_roles_on_messages(tmp_path: Path, context: ExecutionContext) -> None:
    resource = train(tmp_path / "storage", context)
    extractor = load(tmp_path / "storage", resource, context)
    texts = {
        "my bladder is fine": ("red_flag", "bladder_dysfunction", "negated"),
        "not sure if both legs are weak": ("red_flag", "bilateral_leg_symptoms", "uncertain"),
        "both legs feel weak": ("red_flag", "bilateral_leg_symptoms", None),
    }
    messages = [Message.build(text=t) for t in texts]
    extractor.process(messages)
    for message, (entity, value, role) in zip(messages, texts.values(), strict=True):
        hits = [e for e in entities(message) if e["entity"] == entity and e["value"] == value]
        assert hits, message.get("text")
        assert [e.get("role") for e in hits] == [role]


def test_messages_without_text_are_left_alone(tmp_path: Path, context: ExecutionContext) -> None:
    resource = train(tmp_path / "storage", context)
    extractor = load(tmp_path / "storage", resource, context)
    empty = Message.build(text="")
    no_text = Message(data={"intent": {"name": "greet"}})
    extractor.process([empty, no_text])
    assert entities(empty) == [] and entities(no_text) == []


def test_custom_patterns_dir_is_used_and_persisted(
    tmp_path: Path, context: ExecutionContext
) -> None:
    patterns = tmp_path / "patterns"
    shutil.copytree(PACKAGED_PATTERNS_DIR, patterns)
    with (patterns / "symptoms.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"label": "symptom", "pattern": "gammy back", "id": "back_pain"}\n')
    resource = train(tmp_path / "storage", context, {"patterns_dir": str(patterns)})
    shutil.rmtree(patterns)  # the trained model must not need the pattern files any more
    extractor = load(tmp_path / "storage", resource, context)
    (message,) = extractor.process([Message.build(text="I have a gammy back")])
    assert ("symptom", "back_pain") in {(e["entity"], e["value"]) for e in entities(message)}


def test_fingerprint_addon_tracks_pattern_and_trigger_files(tmp_path: Path) -> None:
    patterns = tmp_path / "patterns"
    shutil.copytree(PACKAGED_PATTERNS_DIR, patterns)
    config = {"patterns_dir": str(patterns), "triggers_path": None}
    first = ClinicalEntityExtractor.fingerprint_addon(config)
    assert first == ClinicalEntityExtractor.fingerprint_addon(dict(config))
    with (patterns / "sides.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"label": "side", "pattern": "lefty", "id": "left"}\n')
    second = ClinicalEntityExtractor.fingerprint_addon(config)
    assert second != first

    triggers = tmp_path / "triggers.yml"
    shutil.copy(Path(__file__).resolve().parents[3] / "clinical_nlp" / "triggers.yml", triggers)
    with_triggers = {**config, "triggers_path": str(triggers)}
    third = ClinicalEntityExtractor.fingerprint_addon(with_triggers)
    triggers.write_text(triggers.read_text() + "\n# tweak\n")
    assert ClinicalEntityExtractor.fingerprint_addon(with_triggers) != third
    # the default config (packaged files) works without any keys, as Rasa may pass it
    assert ClinicalEntityExtractor.fingerprint_addon({})


def test_a_broken_pattern_file_fails_training_clearly(
    tmp_path: Path, context: ExecutionContext
) -> None:
    patterns = tmp_path / "patterns"
    shutil.copytree(PACKAGED_PATTERNS_DIR, patterns)
    (patterns / "durations.jsonl").write_text('{"label": "duration", "pattern": "x"}\n')
    with pytest.raises(ClinicalPipelineError, match=r"durations\.jsonl:1: 'id'"):
        train(tmp_path / "storage", context, {"patterns_dir": str(patterns)})
    assert ClinicalEntityExtractor.fingerprint_addon({"patterns_dir": str(tmp_path / "nope")})


def test_loading_a_model_without_the_pipeline_is_refused(
    tmp_path: Path, context: ExecutionContext
) -> None:
    with pytest.raises(ClinicalPipelineError, match="Retrain the model"):
        load(tmp_path / "storage", Resource("missing"), context)


def test_registered_as_a_trainable_entity_extractor() -> None:
    registered = DefaultV1Recipe._from_registry("ClinicalEntityExtractor")
    assert registered.clazz is ClinicalEntityExtractor
    assert registered.is_trainable
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in registered.types
