"""The knowledge file: the packaged one is sound, edits change results, mistakes stop loading."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.unit.triage.conftest import calm, entry, with_findings
from triage import KnowledgeError, TriageEngine, Urgency, default_knowledge
from triage.conditions import _CHECKS
from triage.knowledge import DEFAULT_PATH, ENV_VAR
from triage.schema import Condition

REPO = Path(__file__).resolve().parents[3]
ARTICLE = Path(
    os.environ.get("CLINIC_ARTICLE", "/work/shared/clinic-article/lower-back-muscle-spasm.txt")
)
Write = Callable[[dict[str, Any]], Path]


# --- the packaged file ------------------------------------------------------------------------


def test_packaged_file_loads_and_is_the_default(engine: TriageEngine) -> None:
    assert engine.knowledge.path == DEFAULT_PATH
    assert TriageEngine.from_file().knowledge.model == engine.knowledge.model


def test_every_condition_key_has_a_check() -> None:
    assert set(Condition.__fields__) == set(_CHECKS)


@pytest.mark.skipif(not ARTICLE.exists(), reason="the clinic article is not available here")
def test_article_sources_are_exact_headings_of_the_article(raw_knowledge: dict[str, Any]) -> None:
    lines = {line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines()}
    missing = [h for h in raw_knowledge["sources"]["article_sections"] if h not in lines]
    assert missing == []


def test_vocabulary_matches_the_shared_document(engine: TriageEngine) -> None:
    """docs/vocabulary.md and knowledge.yml must declare the same codes."""
    doc = (REPO / "docs" / "vocabulary.md").read_text(encoding="utf-8")

    def row(entity: str) -> set[str]:
        match = re.search(rf"^\| `{entity}` \| (.+) \|$", doc, re.MULTILINE)
        assert match, entity
        return set(re.findall(r"`([a-z_]+)`", match.group(1)))

    knowledge = engine.knowledge
    assert row("red_flag") == set(knowledge.red_flags)
    assert row("symptom") == set(knowledge.symptoms)
    assert row("mechanism") == set(knowledge.mechanisms)
    assert row("activity") == set(knowledge.activities)
    assert row("duration") == set(knowledge.durations)
    emergency = re.search(r"emergency: (.+?); urgent", doc)
    assert emergency
    assert set(re.findall(r"`([a-z_]+)`", emergency.group(1))) == {
        code for code, flag in knowledge.red_flags.items() if flag.level == "emergency"
    }


def test_every_listed_entry_names_a_source(raw_knowledge: dict[str, Any]) -> None:
    def entries(node: Any) -> list[dict[str, Any]]:
        found = []
        if isinstance(node, dict):
            if "id" in node or "code" in node:
                found.append(node)
            for value in node.values():
                found += entries(value)
        elif isinstance(node, list):
            for value in node:
                found += entries(value)
        return found

    listed = entries(raw_knowledge)
    assert len(listed) > 80
    assert [e for e in listed if not e.get("source")] == []


# --- edits change results ---------------------------------------------------------------------


def test_changed_advice_text_is_what_the_visitor_gets(
    raw_knowledge: dict[str, Any], write_knowledge: Write
) -> None:
    entry(raw_knowledge["advice"], "use_heat")["text"] = "Try a warm shower."
    engine = TriageEngine.from_file(write_knowledge(raw_knowledge))
    heat = next(i for i in engine.assess(calm()).advice_do if i.id == "use_heat")
    assert heat.text == "Try a warm shower."


def test_changed_pain_threshold_moves_the_boundary(
    engine: TriageEngine, raw_knowledge: dict[str, Any], write_knowledge: Write
) -> None:
    trigger = entry(raw_knowledge["urgency"]["routine_when"], "pain_score")
    trigger["when"][0]["pain_at_least"] = 6
    edited = TriageEngine.from_file(write_knowledge(raw_knowledge))
    assert engine.assess(calm(pain_score=5)).urgency is Urgency.ROUTINE
    assert edited.assess(calm(pain_score=5)).urgency is Urgency.SELF_CARE
    assert edited.assess(calm(pain_score=6)).urgency is Urgency.ROUTINE


def test_changed_differential_minimum_score(
    engine: TriageEngine, raw_knowledge: dict[str, Any], write_knowledge: Write
) -> None:
    raw_knowledge["differentials"]["min_score"] = 1
    edited = TriageEngine.from_file(write_knowledge(raw_knowledge))
    facts = with_findings(calm(), worse_cold="present")
    assert engine.assess(facts).differentials == ()
    assert edited.assess(facts).differentials == ("lumbar_osteoarthritis",)


def test_changed_severity_rule(
    engine: TriageEngine, raw_knowledge: dict[str, Any], write_knowledge: Write
) -> None:
    severe = entry(raw_knowledge["severity"]["levels"], "severe")
    severe["when"][1]["min_limited_activities"] = 3
    edited = TriageEngine.from_file(write_knowledge(raw_knowledge))
    facts = calm(limited_activities=frozenset({"bending", "sitting", "walking"}))
    assert engine.assess(facts).severity.value == "moderate"
    assert edited.assess(facts).severity.value == "severe"


def test_changed_recommendation_text(raw_knowledge: dict[str, Any], write_knowledge: Write) -> None:
    raw_knowledge["recommendations"]["routine"]["text"] = "Book with us this week."
    edited = TriageEngine.from_file(write_knowledge(raw_knowledge))
    assert edited.assess(calm(pain_score=7)).recommendation.text == "Book with us this week."


def test_env_var_points_the_engine_elsewhere(
    raw_knowledge: dict[str, Any], write_knowledge: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry(raw_knowledge["advice"], "use_heat")["text"] = "A warm bath may help."
    path = write_knowledge(raw_knowledge)
    monkeypatch.setenv(ENV_VAR, str(path))
    assert TriageEngine.from_file().knowledge.path == path
    assert default_knowledge().path == path.resolve()
    heat = entry(list(default_knowledge().model.dict()["advice"]), "use_heat")
    assert heat["text"] == "A warm bath may help."


def test_default_knowledge_reloads_when_the_file_changes(
    raw_knowledge: dict[str, Any], write_knowledge: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_knowledge(raw_knowledge)
    monkeypatch.setenv(ENV_VAR, str(path))
    first = default_knowledge()
    assert default_knowledge() is first
    raw_knowledge["differentials"]["min_score"] = 3
    write_knowledge(raw_knowledge)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert default_knowledge().model.differentials.min_score == 3


# --- broken files stop loading with the entry named ----------------------------------------


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit that sets (or with value=KeyError, deletes) the key at `path`."""

    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = (
                entry(node, key) if isinstance(node, list) and isinstance(key, str) else node[key]
            )
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return edit


def _swap_questions(data: dict[str, Any]) -> None:
    questions = data["questions"]
    questions.insert(1, questions.pop(3))  # mechanism before the screens


def _duplicate_advice(data: dict[str, Any]) -> None:
    data["advice"].append(dict(entry(data["advice"], "use_heat")))


BROKEN = [
    (
        _set(["advice", "avoid_long_sitting", "text"], KeyError),
        "advice[avoid_long_sitting].text: field required",
    ),
    (_set(["advice", "use_heat", "source"], KeyError), "advice[use_heat].source: field required"),
    (_set(["advice", "use_heat", "source"], ""), "advice[use_heat].source: must name a source"),
    (_set(["advice", "use_heat", "source"], []), "advice[use_heat].source: must name at least one"),
    (
        _set(["advice", "use_heat", "source"], "Some blog post"),
        "advice[use_heat].source: 'Some blog post' is not declared under sources",
    ),
    (_set(["advice", "use_heat", "colour"], "red"), "advice[use_heat].colour: extra fields not"),
    (_set(["advice", "use_heat", "text"], "   "), "advice[use_heat].text: ensure this value has"),
    (_set(["advice", "use_heat", "kind"], "maybe"), "advice[use_heat].kind: unexpected value"),
    (
        _set(["advice", "avoid_bending", "when", 0, "activity_limited"], ["bendin"]),
        "advice[avoid_bending].when[0].activity_limited: unknown code 'bendin'",
    ),
    (
        _set(["advice", "avoid_bending", "when", 1, "finding_present"], ["tingles"]),
        "advice[avoid_bending].when[1].finding_present: unknown code 'tingles'",
    ),
    (
        _set(["advice", "avoid_bending", "when", 1, "finding_present"], []),
        "advice[avoid_bending].when[1].finding_present: an empty list would never match",
    ),
    (_set(["advice", "use_heat", "when"], [{}]), "advice[use_heat].when[0]: a condition needs"),
    (
        _set(["advice", "use_heat", "when", 0, "sometimes"], True),
        "advice[use_heat].when[0].sometimes: extra fields not permitted",
    ),
    (
        _set(["urgency", "routine_when", "pain_score", "when", 0, "pain_at_least"], 11),
        "urgency.routine_when[pain_score].when[0].pain_at_least: ensure this value is less than or"
        " equal to 10",
    ),
    (
        _set(["urgency", "routine_when", "pain_score", "when", 0, "pain_at_least"], -1),
        "urgency.routine_when[pain_score].when[0].pain_at_least: ensure this value is greater",
    ),
    (_set(["differentials", "min_score"], 0), "differentials.min_score: ensure this value is"),
    (
        _set(["differentials", "patterns", "sciatica", "clues", "leg_ache"], 1),
        "differentials.patterns[sciatica].clues.leg_ache: unknown code",
    ),
    (
        _set(["differentials", "patterns", "sciatica", "clues", "leg_pain"], 0),
        "differentials.patterns[sciatica].clues.leg_pain: ensure this value is greater",
    ),
    (
        _set(["differentials", "tie_break"], ["disc_herniation", "sciatica"]),
        "differentials.tie_break: must list every declared differential once",
    ),
    (
        _set(["vocabulary", "red_flags", "night_pain", "label"], KeyError),
        "vocabulary.red_flags[night_pain].label: field required",
    ),
    (
        _set(["vocabulary", "red_flags", "night_pain", "level"], "soon"),
        "vocabulary.red_flags[night_pain].level: unexpected value",
    ),
    (
        _set(["vocabulary", "symptoms", "leg_pain", "code"], "Leg Pain"),
        "vocabulary.symptoms[Leg Pain].code: string does not match regex",
    ),
    (
        _set(["spasm_or_strain", "strain_clues", "pain_on_movement", "grade"], 4),
        "spasm_or_strain.strain_clues[pain_on_movement].grade: ensure this value is less than",
    ),
    (
        _set(["severity", "levels", "mild", "when"], [{"kind": ["strain"]}]),
        "severity.levels[mild].when[0].kind: cannot be used here",
    ),
    (
        _set(["spasm_or_strain", "spasm_when"], [{"strain_grade_at_least": 2}]),
        "spasm_or_strain.spasm_when[0].strain_grade_at_least: cannot be used here",
    ),
    (
        _set(["severity", "levels", "mild", "level"], "unknown"),
        "severity.levels[unknown].level: unexpected value",
    ),
    (
        _set(["movement_test_rules", "positive_answers"], ["pain", "fine"]),
        "movement_test_rules.positive_answers: 'fine' can never count as positive",
    ),
    (
        _set(["movement_tests", "forward_lean", "steps"], ["a", "b", "c", "d", "e"]),
        "movement_tests[forward_lean].steps: needs 2 to 4 short steps",
    ),
    (
        _set(["movement_tests", "forward_lean", "image"], "lean.gif"),
        "movement_tests[forward_lean].image: string does not match regex",
    ),
    (
        _set(["screens", "emergency", "reason_flag"], "You mentioned {sign}."),
        "screens[emergency].reason_flag: unknown placeholder {sign} (allowed: {label})",
    ),
    (
        _set(["advice", "use_heat", "text"], "Use heat on {where}."),
        "advice[use_heat].text: unknown placeholder {where} (allowed: none)",
    ),
    (_set(["explanations", "spasm"], "Broken {"), "explanations.spasm: Single '{'"),
    (_swap_questions, "questions: the red-flag screens must come before every other question"),
    (
        _set(["questions", "test_pelvic_tilt", "id"], "test_pelvis"),
        "questions[test_pelvis]: no movement test answer key matches",
    ),
    (_duplicate_advice, "advice[use_heat]: declared more than once"),
    (_set(["version"], 2), "version: unexpected value"),
    (_set(["surprise"], {}), "surprise: extra fields not permitted"),
    (_set(["screens"], []), "screens: the emergency screen is missing"),
]


@pytest.mark.parametrize(("edit", "message"), BROKEN)
def test_broken_file_names_the_entry(
    raw_knowledge: dict[str, Any],
    write_knowledge: Write,
    edit: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    edit(raw_knowledge)
    path = write_knowledge(raw_knowledge)
    with pytest.raises(KnowledgeError) as caught:
        TriageEngine.from_file(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 1\nversion: 1\n", "duplicate key 'version'"),
        ("version: [1\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping at the top level"),
    ],
)
def test_unreadable_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "knowledge.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape(message)):
        TriageEngine.from_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="cannot read"):
        TriageEngine.from_file(tmp_path / "nowhere.yml")


def test_knowledge_error_is_a_value_error() -> None:
    assert issubclass(KnowledgeError, ValueError)
