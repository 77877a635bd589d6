"""The pattern files: valid, one file per entity type, and only codes from docs/vocabulary.md."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from spacy.language import Language
from spacy.pipeline import EntityRuler

from clinical_nlp.pattern_files import (
    EXCLUDE_LABEL,
    PACKAGED_PATTERNS_DIR,
    PatternFileError,
    load_patterns,
    read_pattern_file,
)

REPO = Path(__file__).resolve().parents[3]
VOCABULARY = REPO / "docs" / "vocabulary.md"

# The packaged files and the one label each holds (topics/exclusions are cross-cutting).
FILE_LABELS = {
    "red_flags.jsonl": "red_flag",
    "symptoms.jsonl": "symptom",
    "mechanisms.jsonl": "mechanism",
    "activities.jsonl": "activity",
    "body_sites.jsonl": "body_site",
    "sides.jsonl": "side",
    "pain_scores.jsonl": "pain_score",
    "test_results.jsonl": "test_result",
    "durations.jsonl": "duration",
    "exclusions.jsonl": EXCLUDE_LABEL,
}


def vocabulary_table(path: Path = VOCABULARY) -> Dict[str, Set[str]]:
    """Parses the "entity | values" table of docs/vocabulary.md into {entity: {codes}}."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^\|\s*entity\s*\|\s*values", line))
    table: Dict[str, Set[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        entity = cells[0].strip("`")
        codes = set(re.findall(r"`([^`]+)`", cells[1]))
        numeric = re.search(r"`(\d+)`\s*\.\.\s*`(\d+)`", cells[1])
        if numeric:
            low, high = int(numeric.group(1)), int(numeric.group(2))
            codes = {str(n) for n in range(low, high + 1)}
        table[entity] = codes
    return table


def all_patterns() -> List[Tuple[str, int, dict]]:
    rows = []
    for path in sorted(PACKAGED_PATTERNS_DIR.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                rows.append((path.name, number, json.loads(line)))
    return rows


def test_vocabulary_table_is_parsed() -> None:
    table = vocabulary_table()
    assert set(table) == {
        "red_flag", "symptom", "mechanism", "activity", "body_site", "side", "pain_score",
        "test_result", "duration",
    }  # fmt: skip
    assert "bladder_dysfunction" in table["red_flag"] and len(table["red_flag"]) == 12
    assert table["pain_score"] == {str(n) for n in range(11)}


def test_every_pattern_id_is_a_vocabulary_value_for_its_label() -> None:
    table = vocabulary_table()
    problems = []
    for name, number, row in all_patterns():
        label = row["label"]
        if label == EXCLUDE_LABEL:
            continue
        if label not in table:
            problems.append(f"{name}:{number}: unknown label {label!r}")
        elif label == "pain_score":
            if "id" in row:
                problems.append(f"{name}:{number}: pain_score patterns take no id")
        elif row.get("id") not in table[label]:
            problems.append(f"{name}:{number}: {label} id {row.get('id')!r} not in vocabulary")
    assert not problems, "\n".join(problems[:20])


def test_every_vocabulary_value_has_a_pattern() -> None:
    table = vocabulary_table()
    found: Dict[str, Set[str]] = defaultdict(set)
    for name, _, row in all_patterns():
        if name != "topics.jsonl" and "id" in row:
            found[row["label"]].add(row["id"])
    for label, codes in table.items():
        if label == "pain_score":
            continue
        assert codes - found[label] == set(), f"{label} codes without a pattern"


def test_one_file_per_entity_type() -> None:
    names = {p.name for p in PACKAGED_PATTERNS_DIR.glob("*.jsonl")}
    assert names == {*FILE_LABELS, "topics.jsonl"}
    for name, number, row in all_patterns():
        if name in FILE_LABELS:
            assert row["label"] == FILE_LABELS[name], f"{name}:{number}"


def test_packaged_patterns_load() -> None:
    patterns = load_patterns()
    assert len(patterns) == len(all_patterns())
    overlay_labels = {p["label"] for p in patterns.overlay}
    assert overlay_labels == {"body_site", "side", "test_result", "duration"}
    assert patterns.topics and all(p["label"] in {"red_flag", "symptom"} for p in patterns.topics)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('["a list"]', "must be a JSON object"),
        ('{"label": "red_flag", "pattern": "wet myself"}', "'id' (the code) is required"),
        ('{"label": "Red Flag", "pattern": "x", "id": "a"}', "'label' must be"),
        ('{"label": "red_flag", "pattern": "", "id": "a"}', "empty string"),
        ('{"label": "red_flag", "pattern": [{"LOWR": "x"}], "id": "a"}', "invalid token 0"),
        ('{"label": "red_flag", "pattern": [{"LOWER": {"REGEX": "("}}], "id": "a"}', "REGEX"),
        ('{"label": "red_flag", "pattern": "x", "id": "a", "extra": 1}', "unknown key"),
        ('{"label": "pain_score", "pattern": "x", "id": "7"}', "must not have an 'id'"),
        ('{"label": "red_flag", "pattern": 3, "id": "a"}', "phrase (string) or a list"),
    ],
)
def test_a_broken_line_is_reported_with_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "red_flags.jsonl"
    path.write_text('{"label": "red_flag", "pattern": "wet myself", "id": "x"}\n\n' + line + "\n")
    with pytest.raises(PatternFileError) as info:
        read_pattern_file(path)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: ")
    assert message in str(info.value)


def test_missing_or_empty_pattern_directories_are_reported(tmp_path: Path) -> None:
    with pytest.raises(PatternFileError, match="does not exist"):
        load_patterns(tmp_path / "nope")
    with pytest.raises(PatternFileError, match=r"no \*\.jsonl pattern files"):
        load_patterns(tmp_path)


def _raw_matches(nlp: Language, text: str) -> List[Tuple[int, int, str]]:
    """Every (start, end, "label||id") the entity ruler finds, before overlap filtering."""
    ruler = nlp.get_pipe("entity_ruler")
    assert isinstance(ruler, EntityRuler)
    doc = nlp.make_doc(text)
    return [(start, end, nlp.vocab.strings[key]) for key, start, end in ruler.match(doc)]


def test_no_two_codes_compete_for_the_same_words(nlp: Language) -> None:
    """Two different codes matching exactly the same span would be resolved arbitrarily."""
    from tests.unit.nlp import test_entities, test_negation, test_red_flags

    texts = [
        case[0]
        for module in (test_red_flags, test_entities, test_negation)
        for name in dir(module)
        if name.isupper()
        for case in getattr(module, name)
        if isinstance(case, tuple)
    ]
    assert len(texts) > 150
    clashes = []
    for text in texts:
        spans: Dict[Tuple[int, int], Set[str]] = defaultdict(set)
        for start, end, key in _raw_matches(nlp, text):
            spans[(start, end)].add(key)
        for (start, end), codes in spans.items():
            if len(codes) > 1:
                clashes.append(f"{text!r} [{start}:{end}] {sorted(codes)}")
    assert not clashes, "\n".join(clashes)
