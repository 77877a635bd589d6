"""Server processes for the browser tests: the web server (`web.server`) and the fake Rasa.

Each runs as a child process in its own session, is polled until healthy, and can be stopped
and started again on the same port (what a server restart looks like to the widget).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_json(method: str, url: str, body: Optional[Dict[str, Any]] = None,
              timeout: float = 10.0) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read().decode() or "null")


@dataclass
class ServerProcess:
    """One child process, its log file, and the URL that says it is ready."""

    name: str
    argv: Sequence[str]
    health_url: str
    log_path: Path
    env: Mapping[str, str] = field(default_factory=dict)
    child: Optional[subprocess.Popen] = None

    def start(self, timeout_s: float = START_TIMEOUT_S) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed by the child's exit)
        self.child = subprocess.Popen(
            list(self.argv), cwd=ROOT, env={**os.environ, **self.env},
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.child.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            with contextlib.suppress(OSError, urllib.error.URLError), \
                    urllib.request.urlopen(self.health_url, timeout=2) as reply:
                if reply.status == 200:
                    return
            time.sleep(0.1)  # polling for readiness, not waiting on the widget
        self.stop()
        raise RuntimeError(f"{self.name} was not healthy in {timeout_s}s:\n{self.log_tail()}")

    def stop(self, grace_s: float = 5.0) -> None:
        child, self.child = self.child, None
        if child is None or child.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    @property
    def running(self) -> bool:
        return self.child is not None and self.child.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class WebServer:
    """`python -m web.server` on a free port, configured for one Rasa URL."""

    process: ServerProcess
    base_url: str
    rasa_url: str

    @classmethod
    def start(cls, rasa_url: str, log_dir: Path) -> WebServer:
        port = free_port()
        process = ServerProcess(
            name="web", argv=[sys.executable, "-m", "web.server"],
            health_url=f"http://127.0.0.1:{port}/health", log_path=log_dir / f"web-{port}.log",
            env={"WEB_HOST": "127.0.0.1", "WEB_PORT": str(port), "RASA_PUBLIC_URL": rasa_url},
        )
        process.start()
        return cls(process, f"http://127.0.0.1:{port}", rasa_url)

    def stop(self) -> None:
        self.process.stop()


@dataclass
class FakeRasa:
    """`tests.browser.fake_rasa` on a fixed port, restartable on that port."""

    process: ServerProcess
    url: str

    @classmethod
    def create(cls, port: int, images_base: str, cors_origin: str, log_dir: Path) -> FakeRasa:
        process = ServerProcess(
            name="fake_rasa",
            argv=[sys.executable, "-m", "tests.browser.fake_rasa", "--port", str(port),
                  "--images-base", images_base, "--cors-origin", cors_origin],
            health_url=f"http://127.0.0.1:{port}/", log_path=log_dir / f"fake-rasa-{port}.log",
            env={"RASA_TELEMETRY_ENABLED": "false", "PYTHONWARNINGS": "ignore"},
        )
        return cls(process, f"http://127.0.0.1:{port}")

    def start(self) -> None:
        self.process.start()

    def stop(self) -> None:
        self.process.stop()

    def events(self) -> List[Dict[str, Any]]:
        """What the server received since it (last) started, in order."""
        return list(http_json("GET", f"{self.url}/_test/events"))

    def messages(self) -> List[str]:
        return [e["data"].get("message") for e in self.events() if e["event"] == "user_uttered"]

    def session_requests(self) -> List[Optional[str]]:
        return [e["data"].get("session_id") for e in self.events()
                if e["event"] == "session_request"]

    def push(self, session_id: str, custom: Dict[str, Any]) -> None:
        """A custom payload to a conversation, as the front-desk console's reply arrives."""
        http_json("POST", f"{self.url}/_test/push", {"session_id": session_id, "custom": custom})

    def release(self) -> None:
        """Lets the held answer to "wait for me" go out."""
        http_json("POST", f"{self.url}/_test/release", {})


class StaticSite:
    """Another website on its own loopback origin, serving pages a test writes into `pages`.

    A real server rather than a routed page: Chromium's local-network-access check blocks a
    page of unknown address space (a routed one) from reaching servers on 127.0.0.1.
    """

    def __init__(self) -> None:
        self.pages: Dict[str, str] = {}
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
