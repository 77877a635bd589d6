"""The measuring sequence's failure handling, with stand-in processes (no Rasa)."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.conversations import STOCK_SCRIPTS
from bench.measure import Runner, Workload
from bench.results import BotFigures
from scripts.services import Service


def test_a_server_that_dies_at_start_is_reported_and_nothing_is_left_running(
        tmp_path: Path) -> None:
    dying = Service("rasa", [sys.executable, "-c", "print('model broken'); raise SystemExit(3)"],
                    "127.0.0.1", 9, "/status")
    figures = BotFigures("stock", "stock")
    runner = Runner(figures, [dying], STOCK_SCRIPTS, Workload(quick=True, start_timeout_s=30),
                    tmp_path)
    runner.run()
    assert len(figures.failures) == 1
    assert "exited before its first answer" in figures.failures[0]
    assert "model broken" in figures.failures[0]  # the log tail says why
    assert figures.start_to_first_answer_s is None and figures.single is None
    assert runner.group.children == {}


def test_a_helper_that_never_gets_healthy_stops_the_measurement(tmp_path: Path) -> None:
    helper = Service("actions", [sys.executable, "-c", "raise SystemExit(1)"], "127.0.0.1", 9,
                     "/health")
    rasa = Service("rasa", [sys.executable, "-c", "import time; time.sleep(60)"], "127.0.0.1",
                   9, "/status")
    figures = BotFigures("assistant", "this")
    runner = Runner(figures, [helper, rasa], STOCK_SCRIPTS,
                    Workload(quick=True, start_timeout_s=30), tmp_path)
    runner.run()
    assert figures.failures and "actions did not become healthy" in figures.failures[0]
    assert "rasa" not in runner.group.children  # never started
    assert runner.group.children == {}
