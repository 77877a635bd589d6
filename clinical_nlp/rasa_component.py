"""Rasa 3.6 graph component: the clinical pipeline as an entity extractor.

Use it in ``config.yml``::

    pipeline:
      - name: WhitespaceTokenizer
      # ...
      - name: clinical_nlp.rasa_component.ClinicalEntityExtractor
        # patterns_dir: clinical_nlp/patterns    # optional, default: the packaged patterns
        # triggers_path: clinical_nlp/triggers.yml  # optional, default: the packaged triggers

At training time the component builds the spaCy pipeline from the pattern files and writes it
into Rasa's model storage, so the trained model archive is self-contained. ``fingerprint_addon``
hashes the pattern files, the trigger file and the pipeline code, so editing any of them retrains
the component. ``process`` appends entities (it never drops entities from other extractors)::

    {"entity": "red_flag", "value": "bladder_dysfunction", "start": 0, "end": 29,
     "confidence": 1.0, "extractor": "ClinicalEntityExtractor", "role": "negated"}

``role`` is present only for negated / uncertain mentions, so Rasa ``from_entity`` slot mappings
without a role ignore them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from clinical_nlp.extract import Mention, mentions_from_doc
from clinical_nlp.negation import TriggerFileError
from clinical_nlp.pattern_files import PatternFileError
from clinical_nlp.pipeline import build_pipeline, load_pipeline, pipeline_fingerprint, save_pipeline

logger = logging.getLogger(__name__)

PATTERNS_DIR_KEY = "patterns_dir"
TRIGGERS_PATH_KEY = "triggers_path"


class ClinicalPipelineError(RasaException):
    """The clinical pipeline could not be built or loaded."""


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class ClinicalEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts red flags, symptoms, mechanisms, ... with rules, negation and uncertainty."""

    PIPELINE_DIR = "clinical_nlp_pipeline"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {PATTERNS_DIR_KEY: None, TRIGGERS_PATH_KEY: None}

    @staticmethod
    def required_packages() -> List[Text]:
        # Part of the fingerprint: a spaCy upgrade retrains the component.
        return ["spacy"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Changes whenever a pattern file, the trigger file or the pipeline code changes."""
        patterns_dir = config.get(PATTERNS_DIR_KEY)
        triggers_path = config.get(TRIGGERS_PATH_KEY)
        try:
            return pipeline_fingerprint(patterns_dir, triggers_path)
        except (PatternFileError, OSError) as exc:
            # Training will fail with the same error; a unique value forces it to run.
            return f"unreadable: {exc}"

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        nlp: Optional[Language] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._nlp = nlp

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ClinicalEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Builds the pipeline from the pattern files and persists it (training data unused)."""
        try:
            self._nlp = build_pipeline(
                self._config.get(PATTERNS_DIR_KEY), self._config.get(TRIGGERS_PATH_KEY)
            )
        except (PatternFileError, TriggerFileError) as exc:
            raise ClinicalPipelineError(f"Cannot build the clinical NLP pipeline: {exc}") from exc
        with self._model_storage.write_to(self._resource) as directory:
            save_pipeline(self._nlp, Path(directory) / self.PIPELINE_DIR)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ClinicalEntityExtractor:
        """Loads the persisted pipeline; a model without it is refused (red flags would be lost)."""
        try:
            with model_storage.read_from(resource) as directory:
                nlp = load_pipeline(Path(directory) / cls.PIPELINE_DIR)
        except (ValueError, FileNotFoundError, OSError) as exc:
            raise ClinicalPipelineError(
                f"The trained model has no clinical NLP pipeline for '{resource.name}' ({exc}). "
                f"Retrain the model."
            ) from exc
        return cls(config, model_storage, resource, nlp=nlp)

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends the clinical entities to each message's entities."""
        if self._nlp is None:
            raise ClinicalPipelineError(f"{self.name} is used before it was trained or loaded.")
        texts = [message.get(TEXT) for message in messages]
        todo = [i for i, text in enumerate(texts) if isinstance(text, str) and text.strip()]
        docs = self._nlp.pipe([texts[i] for i in todo])
        for index, doc in zip(todo, docs, strict=True):
            message = messages[index]
            entities = [self.to_rasa_entity(m) for m in mentions_from_doc(doc)]
            message.set(ENTITIES, [*message.get(ENTITIES, []), *entities], add_to_output=True)
        return messages

    def to_rasa_entity(self, mention: Mention) -> Dict[Text, Any]:
        entity: Dict[Text, Any] = {
            ENTITY_ATTRIBUTE_TYPE: mention.entity,
            ENTITY_ATTRIBUTE_VALUE: mention.value,
            ENTITY_ATTRIBUTE_START: mention.start,
            ENTITY_ATTRIBUTE_END: mention.end,
            ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
            EXTRACTOR: self.name,
        }
        if mention.role:
            entity[ENTITY_ATTRIBUTE_ROLE] = mention.role
        return entity
