"""`make run`'s supervisor with stand-in services: a second one says so, Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scripts.services import ROOT, port_in_use
from tests.integration.harness import free_port

FAKE_SERVICE = """
import http.server, os, sys
port = int(sys.argv[1]); Path = __import__("pathlib").Path
Path(sys.argv[2]).write_text(str(os.getpid()))
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
"""

DRIVER = """
import sys
from pathlib import Path
from scripts.run_all import run, take_run_lock
from scripts.services import Service
work = Path(sys.argv[1]); ports = [int(p) for p in sys.argv[2:]]
lock = take_run_lock(work)
if lock is None:
    sys.exit(1)
services = [Service(f"fake{i}", [sys.executable, str(work / "fake.py"), str(port),
                                 str(work / f"fake{i}.pid")], "127.0.0.1", port, "/health", {})
            for i, port in enumerate(ports)]
sys.exit(run(services, work))
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(
        f"/proc/{pid}/stat").read_text()


def wait_for(condition, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_second_supervisor_refuses_and_ctrl_c_stops_every_service(tmp_path: Path) -> None:
    (tmp_path / "fake.py").write_text(FAKE_SERVICE)
    (tmp_path / "driver.py").write_text(DRIVER)
    ports = [str(free_port()), str(free_port())]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen([sys.executable, str(tmp_path / "driver.py"), str(tmp_path),
                              *ports], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        pid_files = [tmp_path / "fake0.pid", tmp_path / "fake1.pid"]
        assert wait_for(lambda: all(port_in_use("127.0.0.1", int(p)) for p in ports))
        pids = [int(p.read_text()) for p in pid_files]
        assert all(alive(pid) for pid in pids)

        second = subprocess.run([sys.executable, str(tmp_path / "driver.py"), str(tmp_path),
                                 *ports], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=60, check=False)
        assert second.returncode == 1
        assert "already running" in second.stdout

        os.killpg(first.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        code = first.wait(timeout=60)
        output = first.stdout.read() if first.stdout else ""
        assert code == 0, output
        assert wait_for(lambda: not any(alive(pid) for pid in pids), timeout=30)
        assert "stopping" in output and "stopped" in output
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
