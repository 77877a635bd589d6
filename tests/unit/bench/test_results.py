from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.results import BotFigures, LoadFigures, combine, load_stock, save_stock


def load(p95: float, mps: float, errors: int = 0, kinds: str = "") -> LoadFigures:
    return LoadFigures(concurrency=8, messages=100, errors=errors, p50_ms=p95 / 2, p95_ms=p95,
                       msg_per_s=mps, error_kinds=kinds)


def test_runs_combine_into_medians_and_summed_counts() -> None:
    combined = combine([load(100, 10), load(300, 30, 2, "empty reply x2"), load(200, 20)])
    assert combined.p95_ms == 200 and combined.p50_ms == 100 and combined.msg_per_s == 20
    assert combined.messages == 300 and combined.errors == 2 and combined.runs == 3
    assert combined.error_kinds == "empty reply x2"
    assert combined.msg_per_s_runs == [10, 30, 20]  # each run's, in run order
    assert combine([combined, load(100, 40)]).msg_per_s_runs == [10, 30, 20, 40]
    with pytest.raises(ValueError):
        combine([])


def figures(quick: bool = False) -> BotFigures:
    return BotFigures("stock", "stock bot", model="m.tar.gz", quick=quick, train_s=90.0,
                      single=load(80, 12), concurrent={8: load(900, 13), 32: load(3000, 12)},
                      rasa_peak_mb=1100.0, machine={"cpu": "Xeon"}, measured_at="2026-01-01")


def test_figures_survive_a_json_round_trip() -> None:
    original = figures()
    again = BotFigures.from_json(json.loads(json.dumps(original.to_json())))
    assert again == original
    assert set(again.concurrent) == {8, 32}


def test_stock_figures_are_kept_per_mode(tmp_path: Path) -> None:
    path = tmp_path / "stock.json"
    with pytest.raises(FileNotFoundError, match="without --skip-stock"):
        load_stock(False, path)
    save_stock(figures(quick=True), path)
    reused, note = load_stock(False, path)  # no full figures yet: the quick ones, said so
    assert reused.quick and note and "quick" in note
    save_stock(figures(quick=False), path)
    reused, note = load_stock(False, path)
    assert not reused.quick and note is None
    reused, note = load_stock(True, path)
    assert reused.quick and note is None
