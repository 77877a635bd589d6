"""Running one command to completion with a time limit (rasa init, rasa train)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Mapping, Sequence


class StepFailed(RuntimeError):
    """A step of the benchmark failed; the message says which and why."""


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def run_timed(name: str, argv: Sequence[str], cwd: Path, env: Mapping[str, str],
              log_path: Path, timeout_s: float) -> float:
    """Runs `argv` to completion, output to `log_path`; returns the seconds it took.

    Raises StepFailed on a non-zero exit or after `timeout_s` (the whole process group is
    killed, also when this is interrupted).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        started = time.monotonic()
        # argv is built by the benchmark itself (rasa init / rasa train / make train)
        child = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdout=log,  # noqa: S603
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
        try:
            code = child.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise StepFailed(f"{name} did not finish within {timeout_s:.0f} s "
                             f"(log: {log_path})") from None
        finally:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        elapsed = time.monotonic() - started
    if code != 0:
        raise StepFailed(f"{name} exited with {code}:\n{tail(log_path)}")
    return elapsed
