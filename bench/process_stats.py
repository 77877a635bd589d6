"""Peak memory and CPU time of running processes, from /proc.

Peak memory is VmHWM ("high water mark" of the resident set) from /proc/<pid>/status, sampled in
a background thread so a process that dies early still has a figure (the kernel keeps VmHWM
itself; sampling only guards against losing the process). CPU time is user + system time from
/proc/<pid>/stat. A Rasa server with several Sanic workers is a parent and its forked worker
processes: the figures of a process count its descendants too (CPU summed; memory per
process, the largest, and the sum of each one's peak). The sum of peaks counts every page a
worker shares with its parent (copy-on-write after the fork) once per process: the memory the
processes hold together is their proportional set size (PSS, /proc/<pid>/smaps_rollup: each
shared page split between the processes that map it), summed at each sample; its largest
sample is given.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Dict, List, Optional

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


def _proc_mb(pid: int, file: str, key: str, proc: Path) -> Optional[float]:
    """A kB value of /proc/<pid>/<file> in MB, or None when the process is gone or the
    value unreadable."""
    try:
        text = (proc / str(pid) / file).read_text()
    except OSError:
        return None
    kb = parse_status_kb(text, key)
    return kb_to_mb(kb) if kb is not None else None


def peak_rss_mb(pid: int, proc: Path = PROC) -> Optional[float]:
    """VmHWM of `pid` in MB, or None when the process is gone or the value unreadable."""
    return _proc_mb(pid, "status", "VmHWM", proc)


def pss_mb(pid: int, proc: Path = PROC) -> Optional[float]:
    """The proportional set size of `pid` in MB, or None when the process is gone or the
    value unreadable."""
    return _proc_mb(pid, "smaps_rollup", "Pss", proc)


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


def parse_stat_ppid(text: str) -> Optional[int]:
    """The parent pid (field 4) from a /proc/<pid>/stat text, or None."""
    _, paren, rest = text.rpartition(")")
    fields = rest.split()
    if not paren or len(fields) < 2 or not fields[1].isdigit():
        return None
    return int(fields[1])


def with_descendants(pid: int, proc: Path = PROC) -> List[int]:
    """`pid` and every live process below it (a Sanic parent and its workers)."""
    children: Dict[int, List[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = parse_stat_ppid((entry / "stat").read_text())
        except OSError:
            continue
        if ppid is not None:
            children.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def _own_cpu_seconds(pid: int, proc: Path) -> Optional[float]:
    try:
        ticks = parse_stat_cpu_ticks((proc / str(pid) / "stat").read_text())
    except OSError:
        return None
    return None if ticks is None else ticks / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, proc: Path = PROC) -> Optional[float]:
    """CPU time (user + system) the process and its live descendants have used so far, or
    None when the process is gone."""
    own = _own_cpu_seconds(pid, proc)
    if own is None:
        return None
    return own + sum(_own_cpu_seconds(child, proc) or 0.0
                     for child in with_descendants(pid, proc)[1:])


class MemorySampler:
    """Samples the peak memory of named processes (and of their descendants, each on its
    own) every `interval_s` until stopped."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s
        self._pids: Dict[str, int] = {}
        self._peaks: Dict[str, float] = {}  # name -> the largest one process reached
        self._each: Dict[str, Dict[int, float]] = {}  # name -> pid -> that process's peak
        self._together: Dict[str, float] = {}  # name -> the largest PSS sum of its processes
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="memory-sampler", daemon=True)

    def watch(self, name: str, pid: int, fresh: bool = False) -> None:
        """Samples `pid` under `name` from now on. `fresh`: a restart, so the processes
        counted under `name` (and their sum) are the new ones only; the largest peak stays."""
        with self._lock:
            self._pids[name] = pid
            if fresh:
                self._each.pop(name, None)
        self.sample()

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        with self._lock:
            for name, pid in self._pids.items():
                each = self._each.setdefault(name, {})
                members = with_descendants(pid)
                for member in members:
                    value = peak_rss_mb(member)
                    if value is not None:
                        each[member] = max(value, each.get(member, 0.0))
                        self._peaks[name] = max(value, self._peaks.get(name, 0.0))
                shares = [pss_mb(member) for member in members]
                if shares and all(share is not None for share in shares):
                    together = sum(share for share in shares if share is not None)
                    self._together[name] = max(together, self._together.get(name, 0.0))

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

    def totals(self) -> Dict[str, float]:
        """Per name, the sum of each of its processes' peaks (an upper bound of the total)."""
        with self._lock:
            return {name: sum(each.values()) for name, each in self._each.items()}

    def together(self) -> Dict[str, float]:
        """Per name, the largest sum of its processes' PSS at one sample (kept over restarts):
        the memory they held together, each shared page counted once."""
        with self._lock:
            return dict(self._together)

    def process_counts(self) -> Dict[str, int]:
        with self._lock:
            return {name: len(each) for name, each in self._each.items()}
