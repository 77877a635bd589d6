"""The measuring sequence's failure handling, with stand-in processes (no Rasa)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.conversations import STOCK_SCRIPTS, cold_start_order, total_turns
from bench.measure import Runner, Workload, interleave
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


STAND_IN = """
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

with open(sys.argv[2], "a") as starts:
    starts.write("started\\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps([{"recipient_id": "x", "text": "ok"}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_each_run_starts_the_server_again_for_its_first_visitors(tmp_path: Path) -> None:
    from tests.integration.harness import free_port

    port, starts = free_port(), tmp_path / "starts.txt"
    rasa = Service("rasa", [sys.executable, "-c", STAND_IN, str(port), str(starts)],
                   "127.0.0.1", port, "/")
    figures = BotFigures("stock", "stock")
    workload = Workload(quick=True, runs=3, single_messages=10, levels={2: 2},
                        cold_visitors=3, cold_gap_s=0.01, start_timeout_s=30)
    runner = Runner(figures, [rasa], STOCK_SCRIPTS, workload, tmp_path)
    runner.run()
    assert figures.failures == []
    assert starts.read_text().count("started") == 3
    assert len(runner.start_seconds) == 3
    assert figures.first_visitors is not None and figures.first_visitors.runs == 3
    assert figures.first_visitors.messages == 3 * total_turns(cold_start_order(STOCK_SCRIPTS, 3))
    assert figures.first_visitor_ms is not None and figures.tenth_visitor_ms is not None
    assert figures.rasa_processes == 1  # the processes of the last start only
    assert runner.group.children == {}


class Recorder(Runner):
    """A runner that only records the order of its calls into a shared list."""

    def __init__(self, name: str, calls: list) -> None:
        super().__init__(BotFigures(name, name), [Service("rasa", ["true"], "127.0.0.1", 9, "/")],
                         STOCK_SCRIPTS, Workload(quick=True), Path("."))
        self.name, self.calls = name, calls

    def open(self) -> None:
        self.calls.append(("open", self.name))

    def one_run(self, run: int) -> None:
        self.calls.append((run, self.name))

    def close(self) -> None:
        self.calls.append(("close", self.name))


def test_runs_of_several_bots_alternate_in_reversed_order_every_other_run() -> None:
    calls: list = []
    interleave([Recorder("stock", calls), Recorder("this", calls)], 3)
    assert calls == [("open", "stock"), ("open", "this"),
                     (1, "stock"), (1, "this"), (2, "this"), (2, "stock"),
                     (3, "stock"), (3, "this"),
                     ("close", "stock"), ("close", "this")]


def test_every_runner_is_closed_when_a_run_is_interrupted() -> None:
    calls: list = []

    class Interrupted(Recorder):
        def one_run(self, run: int) -> None:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interleave([Recorder("stock", calls), Interrupted("this", calls)], 2)
    assert ("close", "stock") in calls and ("close", "this") in calls


def test_two_stand_in_bots_interleaved_each_start_once_per_run(tmp_path: Path) -> None:
    from tests.integration.harness import free_port

    workload = Workload(quick=True, runs=2, single_messages=6, levels={2: 2},
                        cold_visitors=2, cold_gap_s=0.01, start_timeout_s=30)
    runners, starts = [], []
    for name in ("stock", "this"):
        port, started = free_port(), tmp_path / f"{name}-starts.txt"
        rasa = Service("rasa", [sys.executable, "-c", STAND_IN, str(port), str(started)],
                       "127.0.0.1", port, "/")
        runners.append(Runner(BotFigures(name, name), [rasa], STOCK_SCRIPTS, workload,
                              tmp_path / name))
        starts.append(started)
    interleave(runners, workload.runs)
    for runner, started in zip(runners, starts, strict=True):
        assert runner.figures.failures == []
        assert started.read_text().count("started") == 2
        level = runner.figures.concurrent[2]
        assert len(level.msg_per_s_runs) == 2 and level.msg_per_s == pytest.approx(
            sorted(level.msg_per_s_runs)[0] / 2 + sorted(level.msg_per_s_runs)[1] / 2)
        assert runner.group.children == {}
