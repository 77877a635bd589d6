from __future__ import annotations

import os
import time
from pathlib import Path

from bench.process_stats import (
    MemorySampler,
    cpu_seconds,
    kb_to_mb,
    parse_stat_cpu_ticks,
    parse_status_kb,
    peak_rss_mb,
    pss_mb,
    with_descendants,
)

STATUS = """Name:\tpython
VmPeak:\t 3282012 kB
VmHWM:\t 1092540 kB
VmRSS:\t 1000000 kB
Threads:\t40
"""


def test_parse_status_reads_kb_values() -> None:
    assert parse_status_kb(STATUS, "VmHWM") == 1092540
    assert parse_status_kb(STATUS, "VmRSS") == 1000000
    assert parse_status_kb(STATUS, "VmSwap") is None
    assert parse_status_kb("VmHWM:\tgarbage\n", "VmHWM") is None


def test_mb_means_a_million_bytes() -> None:
    assert kb_to_mb(1_000_000) == 1024.0


def test_peak_of_a_fake_and_a_missing_process(tmp_path: Path) -> None:
    (tmp_path / "123").mkdir()
    (tmp_path / "123" / "status").write_text(STATUS)
    assert peak_rss_mb(123, proc=tmp_path) == kb_to_mb(1092540)
    assert peak_rss_mb(456, proc=tmp_path) is None


def test_the_sampler_keeps_the_peak_of_a_live_process() -> None:
    sampler = MemorySampler(interval_s=0.01).start()
    sampler.watch("me", os.getpid())
    sampler.watch("gone", 2**22 + 12345)  # no such process: no figure, no crash
    time.sleep(0.05)
    peaks = sampler.stop()
    assert peaks["me"] > 1
    assert "gone" not in peaks


def test_cpu_ticks_are_counted_after_the_command_name() -> None:
    # the command name may hold spaces and parentheses; utime=700, stime=45
    stat = ("4242 (rasa (run) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 700 45 0 0 20 0 40 0 "
            "100 3282012 273135 18446744073709551615")
    assert parse_stat_cpu_ticks(stat) == 745
    assert parse_stat_cpu_ticks("garbage") is None
    assert parse_stat_cpu_ticks("1 (x) S 1 2") is None


def test_cpu_seconds_of_this_process_and_of_a_missing_one() -> None:
    sum(i * i for i in range(200_000))  # use some CPU
    used = cpu_seconds(os.getpid())
    assert used is not None and used > 0
    assert cpu_seconds(2**22 + 12345) is None


def fake_process(proc: Path, pid: int, ppid: int, utime: int, hwm_kb: int) -> None:
    (proc / str(pid)).mkdir()
    (proc / str(pid) / "stat").write_text(
        f"{pid} (python x) S {ppid} {pid} {pid} 0 -1 0 0 0 0 0 {utime} 0 0 0 20 0 1 0")
    (proc / str(pid) / "status").write_text(f"Name:\tpython\nVmHWM:\t{hwm_kb} kB\n")


def test_a_sanic_parent_counts_its_workers(tmp_path: Path) -> None:
    from bench.process_stats import parse_stat_ppid, with_descendants

    fake_process(tmp_path, 100, 1, 10, 500_000)  # the parent
    fake_process(tmp_path, 101, 100, 200, 600_000)  # two workers
    fake_process(tmp_path, 102, 100, 300, 650_000)
    fake_process(tmp_path, 200, 1, 999, 1)  # someone else
    (tmp_path / "self").mkdir()  # not a pid
    assert parse_stat_ppid("101 (a) b) S 100 101") == 100
    assert sorted(with_descendants(100, tmp_path)) == [100, 101, 102]
    ticks = os.sysconf("SC_CLK_TCK")
    assert cpu_seconds(100, proc=tmp_path) == (10 + 200 + 300) / ticks
    assert cpu_seconds(300, proc=tmp_path) is None


def test_the_sampler_keeps_each_process_of_a_tree() -> None:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        sampler = MemorySampler(interval_s=0.01).start()
        sampler.watch("tree", os.getpid())
        time.sleep(0.05)
        sampler.stop()
        assert sampler.process_counts()["tree"] >= 2  # this process and the child
        assert sampler.totals()["tree"] > sampler.peaks()["tree"]
    finally:
        child.kill()
        child.wait()


def test_a_restarted_process_is_counted_afresh_and_the_peak_is_kept() -> None:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        sampler = MemorySampler(interval_s=0.01).start()
        sampler.watch("rasa", os.getpid())
        first_peak = sampler.peaks()["rasa"]
        sampler.watch("rasa", child.pid, fresh=True)  # the server started again
        sampler.stop()
        assert sampler.process_counts()["rasa"] == 1  # the new process only
        assert sampler.peaks()["rasa"] >= first_peak
        assert sampler.totals()["rasa"] < first_peak  # the small new process, not the sum
    finally:
        child.kill()
        child.wait()


def test_pss_of_a_fake_and_a_missing_process(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "smaps_rollup").write_text(
        "55d0c5a4e000-7ffd1c3f2000 ---p 00000000 00:00 0    [rollup]\n"
        "Rss:              651508 kB\nPss:              636462 kB\nPss_Anon:  372440 kB\n")
    assert pss_mb(42, proc=tmp_path) == 636462 * 1024 / 1_000_000
    assert pss_mb(43, proc=tmp_path) is None


def test_processes_that_share_pages_hold_less_together_than_their_peaks_summed() -> None:
    import subprocess
    import sys

    # A forked child shares the interpreter's pages with its parent until it writes them.
    child = subprocess.Popen([sys.executable, "-c",
                              "import os, time\nif os.fork() == 0:\n    time.sleep(5)\n"
                              "else:\n    time.sleep(5)"])
    try:
        deadline = time.monotonic() + 10
        while len(with_descendants(child.pid)) < 2:
            assert time.monotonic() < deadline, "the forked process did not appear"
            time.sleep(0.01)
        sampler = MemorySampler(interval_s=0.01).start()
        sampler.watch("tree", child.pid)
        sampler.stop()
        assert sampler.process_counts()["tree"] == 2
        assert 0 < sampler.together()["tree"] < sampler.totals()["tree"]
    finally:
        child.kill()
        child.wait()
