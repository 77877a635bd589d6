"""Building, saving and loading the pipeline, and the build CLI used by the Makefile."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.pipeline import EntityRuler

from clinical_nlp import (
    PatternFileError,
    build_pipeline,
    extract_mentions,
    load_pipeline,
    pipeline_fingerprint,
    save_pipeline,
)
from clinical_nlp.build import main
from clinical_nlp.negation import NegationScope
from clinical_nlp.pattern_files import PACKAGED_PATTERNS_DIR

REPO = Path(__file__).resolve().parents[3]
SAMPLE = "no numbness but I can't feel when I need to wee, pain is 8/10"
EXPECTED = [
    ("symptom", "leg_numbness", "negated"),
    ("red_flag", "bladder_dysfunction", None),
    ("pain_score", "8", None),
]


def summary(nlp: Language, text: str = SAMPLE) -> list:
    return [
        (m.entity, m.value, m.role)
        for m in extract_mentions(nlp, text)
        if m.entity in {"symptom", "red_flag", "pain_score"}
    ]


def copy_patterns(tmp_path: Path) -> Path:
    target = tmp_path / "patterns"
    shutil.copytree(PACKAGED_PATTERNS_DIR, target)
    return target


def test_pipeline_layout(nlp: Language) -> None:
    assert nlp.pipe_names == [
        "entity_ruler", "overlay_ruler", "topic_ruler", "negation_scope", "clinical_resolver",
    ]  # fmt: skip
    ruler = nlp.get_pipe("entity_ruler")
    assert isinstance(ruler, EntityRuler) and ruler.phrase_matcher_attr == "LOWER"
    assert summary(nlp) == EXPECTED


def test_save_and_load_round_trip(nlp: Language, tmp_path: Path) -> None:
    path = save_pipeline(nlp, tmp_path / "clinic_en")
    loaded = load_pipeline(path)
    assert loaded.pipe_names == nlp.pipe_names
    assert summary(loaded) == EXPECTED
    assert loaded.meta["clinical_nlp"]["fingerprint"] == pipeline_fingerprint()
    # saving over an existing copy replaces it
    save_pipeline(loaded, path)
    assert summary(load_pipeline(path)) == EXPECTED


def test_saved_pipeline_keeps_its_triggers(nlp: Language, tmp_path: Path) -> None:
    path = save_pipeline(nlp, tmp_path / "clinic_en")
    assert (path / "negation_scope" / "triggers.json").is_file()
    scope = load_pipeline(path).get_pipe("negation_scope")
    assert isinstance(scope, NegationScope) and "denies" in scope.triggers.pre_negation


def test_load_refuses_a_directory_that_is_not_a_pipeline(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a saved clinical_nlp pipeline"):
        load_pipeline(tmp_path)


def test_empty_and_blank_texts(nlp: Language) -> None:
    assert extract_mentions(nlp, "") == []
    assert extract_mentions(nlp, "   \n ") == []


def test_mention_offsets_point_at_the_text(nlp: Language) -> None:
    text = "Honestly?? My LEGS feel weak... and I CAN'T feel when I need to wee!!"
    found = extract_mentions(nlp, text)
    assert found
    for mention in found:
        assert text[mention.start : mention.end] == mention.text


def test_a_broken_pattern_file_names_file_and_line(tmp_path: Path) -> None:
    patterns = copy_patterns(tmp_path)
    target = patterns / "symptoms.jsonl"
    lines = target.read_text(encoding="utf-8").splitlines()
    lines.insert(4, '{"label": "symptom", "pattern": "stiff"}')
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PatternFileError) as info:
        build_pipeline(patterns)
    assert (info.value.path, info.value.line) == (target, 5)


def test_fingerprint_changes_with_pattern_and_trigger_files(tmp_path: Path) -> None:
    patterns = copy_patterns(tmp_path)
    before = pipeline_fingerprint(patterns)
    assert before == pipeline_fingerprint(patterns)
    with (patterns / "symptoms.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"label": "symptom", "pattern": "achy breaky back", "id": "back_pain"}\n')
    after = pipeline_fingerprint(patterns)
    assert after != before
    triggers = tmp_path / "triggers.yml"
    shutil.copy(REPO / "clinical_nlp" / "triggers.yml", triggers)
    assert pipeline_fingerprint(patterns, triggers) == after
    with triggers.open("a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    assert pipeline_fingerprint(patterns, triggers) != after


def test_build_cli_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "var" / "nlp" / "clinic_en"
    assert main(["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1 and str(out) in printed
    assert summary(load_pipeline(out)) == EXPECTED


def test_build_cli_reports_a_broken_file_and_keeps_the_old_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clinic_en"
    assert main(["--out", str(out)]) == 0
    capsys.readouterr()
    patterns = copy_patterns(tmp_path)
    broken = patterns / "red_flags.jsonl"
    with broken.open("a", encoding="utf-8") as handle:
        handle.write('{"label": "red_flag", "pattern": [{"LOWR": "x"}], "id": "night_pain"}\n')
    line = len(broken.read_text(encoding="utf-8").splitlines())
    assert main(["--out", str(out), "--patterns-dir", str(patterns)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: {broken}:{line}: invalid token 0")
    assert summary(load_pipeline(out)) == EXPECTED  # the previous build is untouched


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, "-m", "clinical_nlp.build", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_build_cli_as_the_makefile_runs_it(tmp_path: Path) -> None:
    out = tmp_path / "var" / "nlp" / "clinic_en"
    result = _run_cli("--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("built clinic_en") and result.stdout.count("\n") == 1
    assert summary(load_pipeline(out)) == EXPECTED

    patterns = copy_patterns(tmp_path)
    (patterns / "sides.jsonl").write_text('{"label": "side", "pattern": "left"\n')
    result = _run_cli("--out", str(out), "--patterns-dir", str(patterns))
    assert result.returncode == 1
    assert f"error: {patterns / 'sides.jsonl'}:1: invalid JSON" in result.stderr


PHRASES = [
    "no numbness", "my bladder is fine", "both legs feel weak", "pain is 7/10", "lumbago",
    "not sure about tingling", "can't feel when I need to wee", "I threw my back out",
    "for 3 weeks", "on my left side", "but", "and", ",", ".", "maybe", "I think", "denies",
    "my son is 3", "it hurts when I bend", "wet myself", "NO", "Legs fine", "\n", "?",
]  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from(PHRASES), min_size=1, max_size=8),
    st.sampled_from([" ", "  ", ", "]),
)
def test_any_mix_of_phrases_gives_consistent_mentions(
    nlp: Language, parts: list, separator: str
) -> None:
    from tests.unit.nlp.test_pattern_files import vocabulary_table

    text = separator.join(parts)
    vocabulary = vocabulary_table()
    for mention in extract_mentions(nlp, text):
        assert text[mention.start : mention.end] == mention.text
        assert mention.role in (None, "negated", "uncertain")
        assert mention.value in vocabulary[mention.entity]
