"""Builds, saves and loads the clinical entity pipeline.

Pipeline (all rule-based, from ``spacy.blank("en")``):

1. ``entity_ruler``: clinical entities into ``doc.ents`` (``phrase_matcher_attr: LOWER``);
2. ``overlay_ruler``: ``body_site`` / ``side`` / ``test_result`` / ``duration`` into ``doc.spans``
   (these may overlap the clinical entities);
3. ``topic_ruler``: bare mentions ("my bladder") that count only when negated or uncertain;
4. ``negation_scope``: sets ``Span._.role``;
5. ``clinical_resolver``: exclusions, pain-score checks, topics -> ``doc.spans["clinical"]``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Union, cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler, SpanRuler

# negation, resolver, tokenizer: imported to register their factories.
from clinical_nlp import anchored_matching, negation, resolver, tokenizer  # noqa: F401
from clinical_nlp.negation import DEFAULT_TRIGGERS_PATH, NegationScope, load_triggers
from clinical_nlp.pattern_files import (
    PACKAGE_DIR,
    fingerprint_paths,
    load_patterns,
    pattern_files,
    resolve_patterns_dir,
)
from clinical_nlp.tokenizer import TOKENIZER_NAME

PIPELINE_NAME = "clinic_en"
PIPELINE_VERSION = "1.0.0"
OVERLAY_KEY = "clinical_overlay"
TOPIC_KEY = "clinical_topics"
OUTPUT_KEY = "clinical"
# Code that shapes the built pipeline: a change to any of it changes the fingerprint.
_SOURCE_FILES = (
    "pattern_files.py",
    "pipeline.py",
    "negation.py",
    "resolver.py",
    "numbers.py",
    "extract.py",
    "tokenizer.py",
    "anchored_matching.py",
)

PathLike = Union[str, Path]


def build_pipeline(
    patterns_dir: Optional[PathLike] = None, triggers_path: Optional[PathLike] = None
) -> Language:
    """Builds the pipeline from pattern files (default: the packaged ``patterns/``).

    Raises :class:`clinical_nlp.pattern_files.PatternFileError` naming the file and line of a
    broken pattern, or :class:`clinical_nlp.negation.TriggerFileError` for a broken trigger file.
    """
    patterns = load_patterns(patterns_dir)
    triggers = load_triggers(triggers_path)

    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.meta["description"] = "Rule-based clinical entities for the physiotherapy assistant"
    nlp.meta["clinical_nlp"] = {
        "fingerprint": pipeline_fingerprint(patterns_dir, triggers_path),
        "patterns": len(patterns),
        "pattern_files": [p.name for p in patterns.files],
    }

    ruler = cast(
        EntityRuler,
        nlp.add_pipe(
            "entity_ruler",
            config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True, "validate": False},
        ),
    )
    ruler.add_patterns(patterns.entities)
    for name, key, layer in (
        ("overlay_ruler", OVERLAY_KEY, patterns.overlay),
        ("topic_ruler", TOPIC_KEY, patterns.topics),
    ):
        span_ruler = cast(
            SpanRuler,
            nlp.add_pipe(
                "span_ruler",
                name=name,
                config={
                    "spans_key": key,
                    "phrase_matcher_attr": "LOWER",
                    "spans_filter": None,
                    "annotate_ents": False,
                    "overwrite": True,
                    "validate": False,
                },
            ),
        )
        if layer:
            span_ruler.add_patterns(layer)
    # The triggers are set on the component (not as a path in its config) so that a saved
    # pipeline carries them and never refers back to a file on the build machine.
    scope = cast(
        NegationScope,
        nlp.add_pipe(
            "negation_scope",
            config={
                "triggers_path": None,
                "span_keys": [OVERLAY_KEY, TOPIC_KEY],
                "topic_keys": [TOPIC_KEY],
            },
        ),
    )
    scope.set_triggers(triggers)
    nlp.add_pipe(
        "clinical_resolver",
        config={"overlay_key": OVERLAY_KEY, "topic_key": TOPIC_KEY, "output_key": OUTPUT_KEY},
    )
    anchored_matching.install(nlp)
    return nlp


def save_pipeline(nlp: Language, path: PathLike) -> Path:
    """Writes the pipeline to ``path``, replacing an older copy only once the new one is written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        nlp.to_disk(staging)
        if target.exists():
            backup = target.with_name(f".{target.name}.old")
            if backup.exists():
                shutil.rmtree(backup)
            target.rename(backup)
            staging.rename(target)
            shutil.rmtree(backup)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def load_pipeline(path: PathLike) -> Language:
    """Loads a pipeline written by :func:`save_pipeline`."""
    directory = Path(path)
    if not (directory / "config.cfg").is_file():
        raise FileNotFoundError(f"{directory}: not a saved clinical_nlp pipeline (no config.cfg)")
    nlp = spacy.load(directory)
    anchored_matching.install(nlp)
    return nlp


def pipeline_fingerprint(
    patterns_dir: Optional[PathLike] = None, triggers_path: Optional[PathLike] = None
) -> str:
    """A hash over the pattern files, the trigger file and the pipeline code."""
    files = pattern_files(patterns_dir)
    triggers = DEFAULT_TRIGGERS_PATH if triggers_path is None else Path(triggers_path)
    digest = hashlib.sha256()
    digest.update(fingerprint_paths(files).encode())
    digest.update(fingerprint_paths([triggers]).encode())
    digest.update(fingerprint_paths([PACKAGE_DIR / name for name in _SOURCE_FILES]).encode())
    digest.update(spacy.__version__.encode())
    return digest.hexdigest()


__all__ = [
    "build_pipeline",
    "load_pipeline",
    "pipeline_fingerprint",
    "resolve_patterns_dir",
    "save_pipeline",
]
