"""Loads knowledge.yml, checks it completely and indexes it for the rules.

A clinician edits the YAML, not the code, so every mistake must stop loading with a message that
names the entry (`advice[avoid_long_sitting].text: field required`) instead of silently changing
what patients are told.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from triage.schema import (
    Entry,
    KnowledgeModel,
    Mechanism,
    MovementTest,
    Question,
    RedFlag,
    Screen,
    Symptom,
)
from triage.validation import cross_check, entry_key
from triage.vocabulary import LEVELS, TEST_QUESTION_PREFIX, Level

ENV_VAR = "TRIAGE_KNOWLEDGE_FILE"
DEFAULT_PATH = Path(__file__).resolve().with_name("knowledge.yml")


class KnowledgeError(ValueError):
    """The knowledge file is missing or invalid; the message names the entry."""


@dataclass(frozen=True, eq=False)
class Knowledge:
    """The validated knowledge file, indexed by code for the rules and the chat."""

    model: KnowledgeModel
    path: Path
    red_flags: Mapping[str, RedFlag]  # emergency flags first, then urgent; file order within
    screens: Mapping[Level, Screen]
    symptoms: Mapping[str, Symptom]
    symptom_groups: Mapping[str, tuple[str, ...]]
    mechanisms: Mapping[str, Mechanism]
    activities: Mapping[str, Entry]
    durations: Mapping[str, Entry]
    differentials: Mapping[str, Entry]
    movement_tests: tuple[MovementTest, ...]
    movement_slots: Mapping[str, MovementTest]  # answer key -> its test, in question order
    questions: tuple[Question, ...]

    @property
    def finding_codes(self) -> frozenset[str]:
        """Every code a finding may use: red flags and symptoms."""
        return frozenset(self.red_flags) | frozenset(self.symptoms)

    def label(self, code: str) -> str:
        """The plain-words label of any declared finding, activity, mechanism or differential."""
        for table in (
            self.red_flags,
            self.symptoms,
            self.activities,
            self.mechanisms,
            self.durations,
            self.differentials,
        ):
            entry = table.get(code)
            if entry is not None:
                return str(entry.label)
        for screen in self.screens.values():
            if screen.flag == code:
                return str(screen.label)
        raise KeyError(code)

    def flag_level(self, code: str) -> Level:
        """The level of a red flag or screen flag code."""
        if code in self.red_flags:
            return self.red_flags[code].level
        for level, screen in self.screens.items():
            if screen.flag == code:
                return level
        raise KeyError(code)


def knowledge_path(path: Path | str | None = None) -> Path:
    """`path`, else $TRIAGE_KNOWLEDGE_FILE, else the packaged knowledge.yml."""
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)


def load_knowledge(path: Path | str | None = None) -> Knowledge:
    """Reads, validates and indexes a knowledge file; raises KnowledgeError naming the entry."""
    target = knowledge_path(path)
    raw = _read_yaml(target)
    try:
        model = KnowledgeModel(**raw)
    except ValidationError as exc:
        problems = [_describe(err, raw) for err in exc.errors()]
        raise KnowledgeError(f"knowledge file {target}: {'; '.join(problems)}") from exc
    problems = cross_check(model)
    if problems:
        raise KnowledgeError(f"knowledge file {target}: {'; '.join(problems)}")
    return _index(model, target)


def default_knowledge() -> Knowledge:
    """The knowledge in use (env var or packaged file), re-read only when the file changes."""
    target = knowledge_path().resolve()
    try:
        stamp = target.stat().st_mtime_ns
    except OSError as exc:
        raise KnowledgeError(f"knowledge file {target}: cannot read ({exc.strerror})") from exc
    return _cached(str(target), stamp)


@lru_cache(maxsize=4)
def _cached(path: str, stamp: int) -> Knowledge:
    """One load per file version: `stamp` (the file's mtime) is only part of the cache key."""
    del stamp
    return load_knowledge(path)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys, which PyYAML would silently overwrite."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(target: Path) -> dict[str, Any]:
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeError(f"knowledge file {target}: cannot read ({exc.strerror})") from exc
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"knowledge file {target}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise KnowledgeError(f"knowledge file {target}: expected a mapping at the top level")
    return raw


def _describe(error: Mapping[str, Any], raw: Any) -> str:
    """A pydantic error as `section[entry].field: message`, naming list entries by id."""
    path = ""
    node = raw
    for part in error["loc"]:
        if part == "__root__":
            continue
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            path += f"[{entry_key(item, part)}]"
            node = item
        else:
            path += f".{part}" if path else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return f"{path or 'top level'}: {error['msg']}"


def _index(model: KnowledgeModel, path: Path) -> Knowledge:
    vocab = model.vocabulary
    flags = sorted(vocab.red_flags, key=lambda flag: LEVELS.index(flag.level))
    groups: dict[str, list[str]] = {}
    for symptom in vocab.symptoms:
        groups.setdefault(symptom.group, []).append(symptom.code)
    slots: dict[str, MovementTest] = {}
    for question in model.questions:
        slot = question.id[len(TEST_QUESTION_PREFIX) :]
        for test in model.movement_tests:
            if question.id.startswith(TEST_QUESTION_PREFIX) and slot in test.slots:
                slots[slot] = test

    def by_code(entries: Any) -> Mapping[str, Any]:
        return MappingProxyType({entry.code: entry for entry in entries})

    return Knowledge(
        model=model,
        path=path,
        red_flags=by_code(flags),
        screens=MappingProxyType({screen.level: screen for screen in model.screens}),
        symptoms=by_code(vocab.symptoms),
        symptom_groups=MappingProxyType({k: tuple(v) for k, v in groups.items()}),
        mechanisms=by_code(vocab.mechanisms),
        activities=by_code(vocab.activities),
        durations=by_code(vocab.durations),
        differentials=by_code(vocab.differentials),
        movement_tests=model.movement_tests,
        movement_slots=MappingProxyType(slots),
        questions=model.questions,
    )
