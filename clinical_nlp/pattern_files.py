"""Reads and validates the EntityRuler pattern files (JSONL, one pattern per line).

Each line is a spaCy EntityRuler pattern: ``{"label": ..., "pattern": ..., "id": ...}`` where
``label`` is the entity type and ``id`` the code (entity value). Files are routed to one of three
layers of the pipeline:

* ``entities``: the ``entity_ruler`` (``doc.ents``, non-overlapping, longest match wins). This
  includes the ``_exclude`` label: longer non-clinical phrasings ("fell asleep", "numb to my
  jokes") that beat a shorter clinical match and are then dropped.
* ``overlay``: labels in :data:`OVERLAY_LABELS` (``body_site``, ``side``, ``test_result``,
  ``duration``) go to a span ruler whose spans may overlap the clinical entities ("pain down my
  *left* *leg*", "my back went *this morning*").
* ``topics``: ``topics.jsonl`` holds bare mentions ("my bladder", "my legs") that only count when
  negated or uncertain ("my bladder is fine" -> ``bladder_dysfunction``, role ``negated``).

A broken file raises :class:`PatternFileError` naming the file and line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED_PATTERNS_DIR = PACKAGE_DIR / "patterns"

EXCLUDE_LABEL = "_exclude"
TOPICS_FILE = "topics.jsonl"
OVERLAY_LABELS = frozenset({"body_site", "side", "test_result", "duration"})
# Labels whose value is computed (pain scores) or that are never emitted (exclusions).
LABELS_WITHOUT_ID = frozenset({"pain_score", EXCLUDE_LABEL})

_LABEL_RE = re.compile(r"^_?[a-z][a-z0-9_]*$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_ALLOWED_KEYS = frozenset({"label", "pattern", "id"})

PatternDict = Dict[str, Any]


class PatternFileError(ValueError):
    """A pattern file is missing, unreadable or contains an invalid line."""

    def __init__(self, path: Union[str, Path], line: Optional[int], message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class PatternSet:
    """Patterns loaded from a directory, split by pipeline layer."""

    entities: List[PatternDict] = field(default_factory=list)
    overlay: List[PatternDict] = field(default_factory=list)
    topics: List[PatternDict] = field(default_factory=list)
    files: Tuple[Path, ...] = ()

    def __len__(self) -> int:
        return len(self.entities) + len(self.overlay) + len(self.topics)

    def all_patterns(self) -> List[PatternDict]:
        return [*self.entities, *self.overlay, *self.topics]


def resolve_patterns_dir(patterns_dir: Optional[Union[str, Path]] = None) -> Path:
    """Returns the directory to read, defaulting to the packaged patterns."""
    return PACKAGED_PATTERNS_DIR if patterns_dir is None else Path(patterns_dir)


def pattern_files(patterns_dir: Optional[Union[str, Path]] = None) -> List[Path]:
    """The ``*.jsonl`` files of a pattern directory, sorted by name."""
    directory = resolve_patterns_dir(patterns_dir)
    if not directory.is_dir():
        raise PatternFileError(directory, None, "pattern directory does not exist")
    files = sorted(p for p in directory.glob("*.jsonl") if p.is_file())
    if not files:
        raise PatternFileError(directory, None, "no *.jsonl pattern files in directory")
    return files


_SIMPLE_ATTRS = frozenset({"LOWER", "NORM", "TEXT", "ORTH"})
_SIMPLE_OPS = frozenset({"?", "*", "+", "!"})


def _is_simple_token(token: Dict[str, Any]) -> bool:
    """The common shapes, checked without the (slow) schema: {"LOWER": "x" | {"IN": [...]}}."""
    for key, value in token.items():
        if key == "OP":
            if value not in _SIMPLE_OPS:
                return False
        elif key not in _SIMPLE_ATTRS:
            return False
        elif isinstance(value, dict):
            if len(value) != 1:
                return False
            ((predicate, argument),) = value.items()
            if predicate == "IN":
                if not (
                    isinstance(argument, list)
                    and argument
                    and all(isinstance(v, str) for v in argument)
                ):
                    return False
            elif predicate != "REGEX" or not isinstance(argument, str):
                return False
        elif not isinstance(value, str):
            return False
    return True


@cache
def _validate_token_json(token_json: str) -> Optional[str]:
    from spacy.schemas import validate_token_pattern

    errors = validate_token_pattern([json.loads(token_json)])
    return "; ".join(str(e) for e in errors[:3]) if errors else None


def _validate_token_pattern(tokens: List[Any]) -> Optional[str]:
    if not tokens:
        return "'pattern' is an empty list"
    for position, token in enumerate(tokens):
        if not isinstance(token, dict) or not token:
            return f"token {position} of 'pattern' must be a non-empty object"
        for attr_value in token.values():
            if isinstance(attr_value, dict) and "REGEX" in attr_value:
                try:
                    re.compile(attr_value["REGEX"])
                except (re.error, TypeError) as exc:
                    return f"token {position}: invalid REGEX: {exc}"
        if _is_simple_token(token):
            continue
        error = _validate_token_json(json.dumps(token, sort_keys=True))
        if error:
            return f"invalid token {position} of 'pattern': {error}"
    return None


def validate_pattern(entry: Any) -> Optional[str]:
    """Returns an error message for an invalid pattern entry, or ``None`` if it is valid."""
    if not isinstance(entry, dict):
        return "each line must be a JSON object"
    unknown = set(entry) - _ALLOWED_KEYS
    if unknown:
        return f"unknown key(s) {sorted(unknown)}; allowed: label, pattern, id"
    label = entry.get("label")
    if not isinstance(label, str) or not _LABEL_RE.match(label):
        return "'label' must be a lower-case entity type such as \"red_flag\""
    if "pattern" not in entry:
        return "missing 'pattern'"
    pattern = entry["pattern"]
    if isinstance(pattern, str):
        if not pattern.strip():
            return "'pattern' is an empty string"
    elif isinstance(pattern, list):
        error = _validate_token_pattern(pattern)
        if error:
            return error
    else:
        return "'pattern' must be a phrase (string) or a list of token objects"
    pattern_id = entry.get("id")
    if label in LABELS_WITHOUT_ID:
        if pattern_id is not None:
            return f"'{label}' patterns must not have an 'id' (the value is computed)"
    elif not isinstance(pattern_id, str) or not _ID_RE.match(pattern_id):
        return "'id' (the code) is required: lower-case letters, digits and '_'"
    return None


def read_pattern_file(path: Union[str, Path]) -> List[PatternDict]:
    """Reads one JSONL pattern file; blank lines are skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatternFileError(path, None, f"cannot read file: {exc}") from exc
    patterns: List[PatternDict] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PatternFileError(path, number, f"invalid JSON: {exc.msg}") from exc
        error = validate_pattern(entry)
        if error:
            raise PatternFileError(path, number, error)
        patterns.append(entry)
    if not patterns:
        raise PatternFileError(path, None, "file contains no patterns")
    return patterns


def load_patterns(patterns_dir: Optional[Union[str, Path]] = None) -> PatternSet:
    """Loads and validates every pattern file of a directory, split by layer."""
    files = pattern_files(patterns_dir)
    entities: List[PatternDict] = []
    overlay: List[PatternDict] = []
    topics: List[PatternDict] = []
    for path in files:
        patterns = read_pattern_file(path)
        if path.name == TOPICS_FILE:
            for number, entry in enumerate(patterns, start=1):
                if entry["label"] in LABELS_WITHOUT_ID:
                    raise PatternFileError(
                        path, number, f"label '{entry['label']}' cannot be a topic"
                    )
            topics.extend(patterns)
            continue
        for entry in patterns:
            (overlay if entry["label"] in OVERLAY_LABELS else entities).append(entry)
    if not entities:
        raise PatternFileError(resolve_patterns_dir(patterns_dir), None, "no entity patterns")
    return PatternSet(entities=entities, overlay=overlay, topics=topics, files=tuple(files))


def fingerprint_paths(paths: Iterable[Path]) -> str:
    """A SHA-256 over the names and bytes of the given files."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode("utf-8"))
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
