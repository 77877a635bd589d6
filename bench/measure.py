"""Measuring one running bot: start to first answer, the first visitors after start, one
visitor at a time, concurrent conversations, peak memory. Every process started here is
stopped before `Runner.run` (or `interleave`) returns, whatever happens."""

from __future__ import annotations

import subprocess
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import requests

from bench.conversations import Script, cold_start_order, cycle, for_messages, total_turns
from bench.load import REST_PATH, LoadResult, new_sender, run_load_sync, run_spaced_sync
from bench.process_stats import MemorySampler, cpu_seconds
from bench.procs import StepFailed
from bench.results import BotFigures, LoadFigures, combine
from bench.stats import median_or_none
from scripts.processes import ProcessGroup
from scripts.services import Service, wait_until_healthy

PROBE_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Workload:
    """How much to send; the same for both bots."""

    quick: bool = False
    single_messages: int = 220
    levels: Dict[int, int] = field(default_factory=lambda: {8: 32, 32: 64})  # conversations
    runs: int = 1
    cold_visitors: int = 10
    # The first visitors after start arrive this far apart (and the first this long after the
    # start-up probe's answer): a turn right after another is 10 ms on these machines, after
    # half a second of quiet 16 ms; the same pause before each compares start-up, not pauses.
    cold_gap_s: float = 0.5
    request_timeout_s: float = 60.0
    start_timeout_s: float = 360.0

    @classmethod
    def make(cls, quick: bool, runs: int) -> Workload:
        if quick:
            return cls(quick=True, single_messages=40, levels={8: 8, 32: 32}, runs=runs)
        return cls(runs=runs)

    def phase_deadline_s(self, messages: int) -> float:
        """A whole phase is given up after this long (each request also has its timeout)."""
        return 300.0 + 3.0 * messages


def load_figures(result: LoadResult) -> LoadFigures:
    return LoadFigures(
        concurrency=result.concurrency, messages=len(result.turns),
        errors=len(result.errors), p50_ms=result.percentile_ms(50),
        p95_ms=result.percentile_ms(95), msg_per_s=result.messages_per_s,
        error_kinds=result.error_summary())


def running(child: subprocess.Popen) -> Callable[[], bool]:
    return lambda: child.poll() is None


def wait_first_answer(base_url: str, text: str, started: float, deadline: float,
                      alive: Callable[[], bool], describe_death: Callable[[], str]) -> float:
    """Polls a tiny REST message until a non-empty reply; the seconds since `started`."""
    url = base_url + REST_PATH
    sender = new_sender("bench-probe", 0)
    while True:
        if not alive():
            raise StepFailed(f"the Rasa server exited before its first answer:\n"
                             f"{describe_death()}")
        if time.monotonic() > deadline:
            raise StepFailed(f"no answer within {deadline - started:.0f} s of the start")
        try:
            reply = requests.post(url, json={"sender": sender, "message": text}, timeout=30)
            if reply.status_code == 200 and reply.json():
                return time.monotonic() - started
        except (requests.RequestException, ValueError):
            pass
        time.sleep(PROBE_INTERVAL_S)


class Runner:
    """Starts a bot's services and measures it, filling a BotFigures as it goes."""

    def __init__(self, figures: BotFigures, services: Sequence[Service],
                 scripts: Sequence[Script], workload: Workload, log_dir: Path,
                 probe_text: str = "hi") -> None:
        if not services:
            raise ValueError("no services to measure")
        self.figures = figures
        self.services = list(services)
        self.rasa = self.services[-1]  # helpers (the action server) first, Rasa last
        self.scripts = scripts
        self.workload = workload
        self.group = ProcessGroup(log_dir)
        self.sampler = MemorySampler()
        self.probe_text = probe_text
        self.start_seconds: List[float] = []
        self._firsts: List[Optional[float]] = []
        self._tenths: List[Optional[float]] = []
        self._colds: List[LoadFigures] = []
        self._singles: List[LoadFigures] = []
        self._cpu: Dict[str, List[Optional[float]]] = {}
        self._levels: Dict[int, List[LoadFigures]] = {}

    @property
    def base_url(self) -> str:
        return f"http://{self.rasa.host}:{self.rasa.port}"

    def say(self, message: str) -> None:
        print(f"[{self.figures.name}] {message}", flush=True)

    def check_alive(self) -> None:
        for name in self.group.exited():
            raise StepFailed(f"{name} exited during the measurement:\n"
                             f"{self.group.log_tail(name)}")

    def _phase(self, phase: str, scripts: Sequence[Script],
               send: Callable[[str, float], LoadResult]) -> LoadResult:
        """Runs `send(sender_prefix, deadline_s)` for a phase: given up past its deadline, and
        a failed service reported."""
        messages = total_turns(scripts)
        deadline_s = self.workload.phase_deadline_s(messages)
        try:
            result = send(f"bench-{self.figures.name}-{phase}", deadline_s)
        except TimeoutError:
            raise StepFailed(f"{phase}: {messages} turns did not finish within "
                             f"{deadline_s:.0f} s") from None
        self.check_alive()
        return result

    @staticmethod
    def _errors(result: LoadResult) -> str:
        return f"{len(result.errors)} errors" + (
            f" ({result.error_summary()})" if result.errors else "")

    def load(self, phase: str, scripts: Sequence[Script], concurrency: int) -> LoadResult:
        result = self._phase(phase, scripts, lambda prefix, deadline_s: run_load_sync(
            self.base_url, scripts, concurrency, prefix, self.workload.request_timeout_s,
            deadline_s))
        mps = result.messages_per_s or 0.0
        p95 = result.percentile_ms(95)
        self.say(f"{phase}: {total_turns(scripts)} turns, {concurrency} at a time, "
                 f"{mps:.1f} msg/s, p95 {p95 or 0:.0f} ms, {self._errors(result)}")
        return result

    def spaced(self, phase: str, scripts: Sequence[Script]) -> LoadResult:
        """The conversations one at a time, `cold_gap_s` apart (run_spaced_sync)."""
        gap_s = self.workload.cold_gap_s
        result = self._phase(phase, scripts, lambda prefix, deadline_s: run_spaced_sync(
            self.base_url, scripts, gap_s, prefix, self.workload.request_timeout_s,
            deadline_s))
        firsts = [result.first_turn_ms(i) for i in range(len(scripts))]
        self.say(f"{phase}: {len(scripts)} conversations {gap_s:g} s apart, first turns "
                 f"{' '.join(f'{ms:.0f}' if ms else '-' for ms in firsts)} ms, "
                 f"{self._errors(result)}")
        return result

    def cpu_seconds(self) -> Dict[str, Optional[float]]:
        return {name: cpu_seconds(child.pid) for name, child in self.group.children.items()}

    def cpu_ms_per_turn(self, before: Dict[str, Optional[float]],
                        turns: int) -> Dict[str, Optional[float]]:
        """CPU milliseconds per turn of each process since `before`."""
        used: Dict[str, Optional[float]] = {}
        for name, now in self.cpu_seconds().items():
            then = before.get(name)
            used[name] = (None if now is None or then is None or not turns
                          else (now - then) * 1000 / turns)
        return used

    def start_helpers(self) -> None:
        for service in self.services[:-1]:
            started = time.monotonic()
            child = self.group.start(service)
            self.sampler.watch(service.name, child.pid)
            if not wait_until_healthy(service, started + self.workload.start_timeout_s,
                                      alive=running(child)):
                raise StepFailed(f"{service.name} did not become healthy:\n"
                                 f"{self.group.log_tail(service.name)}")
            self.figures.actions_ready_s = time.monotonic() - started
            self.say(f"{service.name} healthy after {self.figures.actions_ready_s:.1f} s")

    def start_rasa(self) -> float:
        """Starts the Rasa server; the seconds to its first answer."""
        started = time.monotonic()
        child = self.group.start(self.rasa)
        self.sampler.watch(self.rasa.name, child.pid, fresh=True)
        seconds = wait_first_answer(
            self.base_url, self.probe_text, started,
            started + self.workload.start_timeout_s, alive=running(child),
            describe_death=lambda: self.group.log_tail(self.rasa.name))
        self.say(f"first answer {seconds:.1f} s after start")
        self.start_seconds.append(seconds)
        self.figures.start_to_first_answer_s = median_or_none(self.start_seconds)
        return seconds

    def _guarded(self, step: Callable[[], None]) -> None:
        """Runs a step; a failure is recorded in figures.failures and ends this bot's runs."""
        if self.figures.failures:
            return
        try:
            step()
        except StepFailed as exc:
            self.figures.failures.append(str(exc))
            self.say(f"FAILED: {exc}")
        except Exception as exc:  # noqa: BLE001 - reported in the results, not hidden
            self.figures.failures.append(f"unexpected {type(exc).__name__}: {exc}\n"
                                         f"{traceback.format_exc(limit=5)}")
            self.say(f"FAILED: {traceback.format_exc()}")

    def open(self) -> None:
        """Starts the sampler and the helpers (the action server); the Rasa server is started
        by each run."""
        self.sampler.start()
        self._guarded(self.start_helpers)

    def one_run(self, run: int) -> None:
        """Run `run` of `runs`: start the Rasa server, the first visitors after start (one
        after the other), a warm-up conversation, one visitor, then each concurrency level;
        the Rasa server is stopped at the end, so runs of several bots can alternate."""
        self._guarded(lambda: self._measure_run(run))
        self.sampler.sample()  # the last peak of this start, before its processes go
        self.group.stop(self.rasa.name)

    def _measure_run(self, run: int) -> None:
        w = self.workload
        tag = f"run {run}/{w.runs} " if w.runs > 1 else ""
        self.start_rasa()
        cold = self.spaced(f"{tag}first-visitors",
                           cold_start_order(self.scripts, w.cold_visitors))
        self._firsts.append(cold.first_turn_ms(0))
        self._tenths.append(cold.first_turn_ms(w.cold_visitors - 1))
        self._colds.append(load_figures(cold))
        self.figures.first_visitor_ms = median_or_none(self._firsts)
        self.figures.tenth_visitor_ms = median_or_none(self._tenths)
        self.figures.first_visitors = combine(self._colds)
        self.load(f"{tag}warm-up", self.scripts[:1], 1)
        before = self.cpu_seconds()
        single = self.load(f"{tag}1 visitor", for_messages(self.scripts, w.single_messages), 1)
        for name, used in self.cpu_ms_per_turn(before, len(single.turns)).items():
            self._cpu.setdefault(name, []).append(used)
        self._singles.append(load_figures(single))
        self.figures.single = combine(self._singles)
        self.figures.rasa_cpu_ms_per_turn = median_or_none(self._cpu[self.rasa.name])
        self.figures.actions_cpu_ms_per_turn = median_or_none(
            [v for s in self.services[:-1] for v in self._cpu.get(s.name, [])])
        for level, conversations in w.levels.items():
            self._levels.setdefault(level, []).append(load_figures(self.load(
                f"{tag}{level} concurrent", cycle(self.scripts, conversations), level)))
            self.figures.concurrent[level] = combine(self._levels[level])

    def close(self) -> None:
        """Stops every process and records the memory figures."""
        peaks = self.sampler.stop()  # before stopping: /proc/<pid> goes with the process
        self.group.stop_all()
        self.figures.rasa_peak_mb = peaks.get(self.rasa.name)
        self.figures.rasa_total_peak_mb = self.sampler.totals().get(self.rasa.name)
        self.figures.rasa_together_mb = self.sampler.together().get(self.rasa.name)
        self.figures.rasa_processes = self.sampler.process_counts().get(self.rasa.name)
        helpers = [peaks[s.name] for s in self.services[:-1] if s.name in peaks]
        self.figures.actions_peak_mb = max(helpers) if helpers else None

    def run(self) -> None:
        """All runs of this bot alone: open, each run, close, whatever happens."""
        interleave([self], self.workload.runs)


def interleave(runners: Sequence[Runner], runs: int) -> None:
    """The runs of several bots alternated, the order reversed every other run (A B, B A,
    A B ...): the machine's speed drifts within minutes, and measuring one bot's runs all
    before the other's puts that drift into their ratio. Every runner is closed at the end."""
    try:
        for runner in runners:
            runner.open()
        for run in range(1, runs + 1):
            for runner in (runners if run % 2 else list(reversed(runners))):
                runner.one_run(run)
    finally:
        for runner in runners:
            runner.close()
