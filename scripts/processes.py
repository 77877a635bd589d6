"""Starting, watching and stopping a group of service processes (for `make run` and the tests)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Callable, Dict, List, Optional

from scripts.services import ROOT, Service, wait_until_healthy


def _pump(prefix: Optional[str], stream: IO[bytes], log_path: Path) -> None:
    """Copies a child's output to its log file and, when `prefix` is set, to our stdout."""
    with open(log_path, "ab") as log:
        for raw in iter(stream.readline, b""):
            log.write(raw)
            log.flush()
            if prefix is not None:
                sys.stdout.write(f"[{prefix}] {raw.decode('utf-8', 'replace')}")
                sys.stdout.flush()


class ProcessGroup:
    """Processes started in their own sessions, so Ctrl-C reaches only the supervisor."""

    def __init__(self, log_dir: Path, echo: bool = False) -> None:
        self.log_dir = log_dir
        self.echo = echo
        self.children: Dict[str, subprocess.Popen] = {}
        self.services: Dict[str, Service] = {}

    def start(self, service: Service) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        child = subprocess.Popen(
            list(service.argv), cwd=ROOT, env=dict(service.env),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log_path = self.log_dir / f"{service.name}.log"
        threading.Thread(target=_pump, daemon=True, args=(
            service.name if self.echo else None, child.stdout, log_path)).start()
        self.children[service.name] = child
        self.services[service.name] = service
        return child

    def start_and_wait(self, service: Service, timeout_s: float,
                       cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Starts `service` and polls its health; False if it died, timed out or was cancelled."""
        child = self.start(service)
        return wait_until_healthy(service, time.monotonic() + timeout_s,
                                  alive=lambda: child.poll() is None and not cancelled())

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def exited(self) -> List[str]:
        return [name for name, child in self.children.items() if child.poll() is not None]

    def stop(self, name: str, grace_s: float = 20.0, sig: int = signal.SIGTERM) -> None:
        child = self.children.pop(name, None)
        self.services.pop(name, None)
        if child is None:
            return
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, sig)
        try:
            child.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()

    def stop_all(self, grace_s: float = 20.0) -> None:
        for name in reversed(list(self.children)):
            self.stop(name, grace_s)
