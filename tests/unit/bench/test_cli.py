"""The command line, with the measuring replaced by stand-ins (no Rasa is started)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import cli, results
from bench.results import BotFigures, LoadFigures


def test_runs_must_be_positive() -> None:
    with pytest.raises(SystemExit):
        cli.parse_args(["--runs", "0"])
    args = cli.parse_args(["--quick", "--skip-stock", "--runs", "3"])
    assert args.quick and args.skip_stock and args.runs == 3


def test_skip_stock_without_stored_figures_says_what_to_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(cli.this_bot, "ensure_model", lambda env, log: tmp_path / "m.tar.gz")
    monkeypatch.setattr(cli, "load_stock", lambda quick: results.load_stock(
        quick, tmp_path / "missing.json"))
    assert cli.main(["--skip-stock", "--out", str(tmp_path / "r.md")]) == 2
    assert "without --skip-stock" in capsys.readouterr().out
    assert not (tmp_path / "r.md").exists()


def test_skip_stock_reuses_the_stored_figures_and_writes_the_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = tmp_path / "stock.json"
    stock = BotFigures("stock", "stock rasa init bot", quick=True, measured_at="2026-01-01",
                       machine={"cpu": "Old CPU", "cores": "2"},
                       concurrent={8: LoadFigures(8, 80, 0, 100.0, 200.0, 10.0)})
    results.save_stock(stock, stored)

    def fake_prepare(workload: Any, folder: Path, env: Any, model: Path, workers: int = 1,
                     redis: Any = None) -> Any:
        assert folder.exists()
        assert workers == 1  # --workers 1: no run with several workers
        return BotFigures("assistant", "this assistant", model=model.name,
                          concurrent={8: LoadFigures(8, 80, 0, 30.0, 60.0, 35.0)}), "runner"

    interleaved: list = []

    monkeypatch.setattr(cli.this_bot, "ensure_model", lambda env, log: tmp_path / "m.tar.gz")
    monkeypatch.setattr(cli, "load_stock", lambda quick: results.load_stock(quick, stored))
    monkeypatch.setattr(cli, "prepare_this", fake_prepare)
    monkeypatch.setattr(cli, "interleave", lambda runners, runs: interleaved.append(
        (runners, runs)))
    monkeypatch.setattr(cli, "save_stock", lambda figures: pytest.fail("stock not measured"))
    out = tmp_path / "results.md"
    assert cli.main(["--quick", "--skip-stock", "--workers", "1", "--out", str(out)]) == 0
    text = out.read_text()
    assert "Stock figures reused from stock_results.json (measured 2026-01-01 on Old CPU" in text
    assert "Quick smoke run" in text
    assert "| 8 concurrent: throughput | 35.0 msg/s | 10.0 msg/s | 3.50x |" in text
    assert interleaved == [(["runner"], 1)]  # only this assistant is run, once


def test_main_restores_the_sigterm_handler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    import signal

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(cli.this_bot, "ensure_model", lambda env, log: tmp_path / "m.tar.gz")
    monkeypatch.setattr(cli, "load_stock", lambda quick: results.load_stock(
        quick, tmp_path / "missing.json"))
    cli.main(["--skip-stock", "--out", str(tmp_path / "r.md")])
    assert signal.getsignal(signal.SIGTERM) == before


@pytest.mark.parametrize(("requested", "cores", "redis_up", "workers"), [
    (None, 2, True, 2), (None, 1, True, 1), (None, 4, False, 1), (3, 2, True, 3),
    (3, 2, False, 1), (1, 8, True, 1)])
def test_the_worker_plan(requested: Any, cores: int, redis_up: bool, workers: int) -> None:
    planned, why = cli.worker_plan(requested, cores, redis_up)
    assert planned == workers and why


def test_workers_must_be_positive() -> None:
    with pytest.raises(SystemExit):
        cli.parse_args(["--workers", "0"])
