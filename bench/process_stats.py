"""Peak memory and CPU time of running processes, from /proc.

Peak memory is VmHWM ("high water mark" of the resident set) from /proc/<pid>/status, sampled in
a background thread so a process that dies early still has a figure (the kernel keeps VmHWM
itself; sampling only guards against losing the process). CPU time is user + system time from
/proc/<pid>/stat.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Dict, Optional

PROC = Path("/proc")
BYTES_PER_MB = 1_000_000  # MB here means 10^6 bytes


def parse_status_kb(text: str, key: str) -> Optional[int]:
    """The value of `key` (e.g. VmHWM) in kB from a /proc/<pid>/status text, or None."""
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name == key:
            fields = rest.split()
            if fields and fields[0].isdigit():
                return int(fields[0])
    return None


def kb_to_mb(kb: int) -> float:
    return kb * 1024 / BYTES_PER_MB


def peak_rss_mb(pid: int, proc: Path = PROC) -> Optional[float]:
    """VmHWM of `pid` in MB, or None when the process is gone or the value unreadable."""
    try:
        text = (proc / str(pid) / "status").read_text()
    except OSError:
        return None
    kb = parse_status_kb(text, "VmHWM")
    return kb_to_mb(kb) if kb is not None else None


def parse_stat_cpu_ticks(text: str) -> Optional[int]:
    """utime + stime (clock ticks) from a /proc/<pid>/stat text, or None.

    The command name (field 2) is in parentheses and may hold spaces, so fields are counted
    after its closing parenthesis: utime and stime are fields 14 and 15 of the line.
    """
    _, paren, rest = text.rpartition(")")
    fields = rest.split()
    if not paren or len(fields) < 13:
        return None
    try:
        return int(fields[11]) + int(fields[12])
    except ValueError:
        return None


def cpu_seconds(pid: int, proc: Path = PROC) -> Optional[float]:
    """CPU time (user + system) the process has used so far, or None when it is gone."""
    try:
        ticks = parse_stat_cpu_ticks((proc / str(pid) / "stat").read_text())
    except OSError:
        return None
    return None if ticks is None else ticks / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """Samples the peak memory of named processes every `interval_s` until stopped."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s
        self._pids: Dict[str, int] = {}
        self._peaks: Dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="memory-sampler", daemon=True)

    def watch(self, name: str, pid: int) -> None:
        with self._lock:
            self._pids[name] = pid
        self.sample()

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        with self._lock:
            for name, pid in self._pids.items():
                value = peak_rss_mb(pid)
                if value is not None:
                    self._peaks[name] = max(value, self._peaks.get(name, 0.0))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def stop(self) -> Dict[str, float]:
        """Takes a last sample, stops the thread and returns the peak MB by name."""
        self.sample()
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        with self._lock:
            return dict(self._peaks)

    def peaks(self) -> Dict[str, float]:
        with self._lock:
            return dict(self._peaks)
