"""Rule-based clinical entity extraction for the physiotherapy clinic's assistant.

Public API::

    from clinical_nlp import build_pipeline, extract_mentions
    nlp = build_pipeline()                 # from the packaged pattern files
    extract_mentions(nlp, "no numbness but my bladder is leaking")

The Rasa component lives in :mod:`clinical_nlp.rasa_component` (imported separately so that
plain spaCy users do not import Rasa). Names are imported lazily, so ``import clinical_nlp`` (and
``python -m clinical_nlp.build``) does not load spaCy before it is needed.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any, Dict

_EXPORTS: Dict[str, str] = {
    "Mention": "clinical_nlp.extract",
    "extract_mentions": "clinical_nlp.extract",
    "mentions_from_doc": "clinical_nlp.extract",
    "NEGATED": "clinical_nlp.negation",
    "UNCERTAIN": "clinical_nlp.negation",
    "TriggerFileError": "clinical_nlp.negation",
    "load_triggers": "clinical_nlp.negation",
    "normalise_pain_score": "clinical_nlp.numbers",
    "PatternFileError": "clinical_nlp.pattern_files",
    "load_patterns": "clinical_nlp.pattern_files",
    "build_pipeline": "clinical_nlp.pipeline",
    "load_pipeline": "clinical_nlp.pipeline",
    "pipeline_fingerprint": "clinical_nlp.pipeline",
    "save_pipeline": "clinical_nlp.pipeline",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from clinical_nlp.extract import Mention, extract_mentions, mentions_from_doc  # noqa: F401
    from clinical_nlp.negation import (  # noqa: F401
        NEGATED,
        UNCERTAIN,
        TriggerFileError,
        load_triggers,
    )
    from clinical_nlp.numbers import normalise_pain_score  # noqa: F401
    from clinical_nlp.pattern_files import PatternFileError, load_patterns  # noqa: F401
    from clinical_nlp.pipeline import (  # noqa: F401
        build_pipeline,
        load_pipeline,
        pipeline_fingerprint,
        save_pipeline,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'clinical_nlp' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
