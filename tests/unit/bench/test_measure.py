"""The measuring sequence's failure handling, with stand-in processes (no Rasa)."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.conversations import STOCK_SCRIPTS, cold_start_order, total_turns
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
