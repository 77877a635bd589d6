"""Fixtures for the triage tests: the packaged engine, calm baseline facts, and YAML copies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from triage import Facts, Presence, TestAnswer, TriageEngine
from triage.knowledge import DEFAULT_PATH

EMERGENCY_FLAGS = (
    "bladder_dysfunction",
    "bowel_dysfunction",
    "saddle_numbness",
    "bilateral_leg_symptoms",
    "progressive_leg_weakness",
    "sexual_dysfunction",
)
URGENT_FLAGS = (
    "major_trauma",
    "fever_or_unwell",
    "cancer_history",
    "unexplained_weight_loss",
    "night_pain",
    "immunosuppression",
)
SLOTS = (
    "forward_lean",
    "side_bend_left",
    "side_bend_right",
    "rotation_left",
    "rotation_right",
    "pelvic_tilt",
)


def calm(**changes: Any) -> Facts:
    """Facts with nothing for a physio to assess: screens cleared, low pain, all tests fine.

    The packaged knowledge gives these `self_care`; each test changes one thing.
    """
    values: dict[str, Any] = {
        "complaint": "my lower back feels a bit tight",
        "mechanism": "no_clear_cause",
        "duration": "days",
        "recurrent": False,
        "pain_score": 2,
        "limited_activities": frozenset(),
        "movement_tests": dict.fromkeys(SLOTS, TestAnswer.FINE),
        "findings": {},
        "screen_emergency": Presence.ABSENT,
        "screen_urgent": Presence.ABSENT,
    }
    values.update(changes)
    return Facts(**values)


def with_findings(facts: Facts, **findings: str) -> Facts:
    """`facts` with extra findings (code=presence)."""
    merged = {**facts.findings, **{code: Presence(value) for code, value in findings.items()}}
    return Facts(**{**_fields(facts), "findings": merged})


def _fields(facts: Facts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in Facts.__dataclass_fields__}


@pytest.fixture(scope="session")
def engine() -> TriageEngine:
    return TriageEngine.from_file(DEFAULT_PATH)


@pytest.fixture
def raw_knowledge() -> dict[str, Any]:
    """The packaged knowledge file as plain data, to edit and save as a copy."""
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def write_knowledge(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Saves edited knowledge data to a temporary file and returns its path."""

    def write(data: dict[str, Any]) -> Path:
        path = tmp_path / "knowledge.yml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        return path

    return write


def entry(entries: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The list entry whose id, code or level is `key`."""
    for item in entries:
        if key in (item.get("id"), item.get("code"), item.get("level")):
            return item
    raise KeyError(key)
