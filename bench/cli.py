"""`python -m bench`: train, start and measure a stock `rasa init` bot and this assistant on
this machine, print both side by side with the targets, and write bench/results.md."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from bench import stock_bot, this_bot
from bench.conversations import SCRIPTS, Script
from bench.machine import describe, load_average
from bench.measure import Runner, Workload, interleave
from bench.procs import StepFailed, run_timed
from bench.report import render
from bench.results import RESULTS_MD, STOCK_JSON, BotFigures, load_stock, save_stock
from scripts.services import ROOT, port_in_use
from tests.integration.harness import free_port

TRAIN_TIMEOUT_S = 3600.0


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark this assistant against a stock `rasa init` bot, on this machine.")
    parser.add_argument("--quick", action="store_true",
                        help="fewer messages: a smoke run, not figures to keep")
    parser.add_argument("--skip-stock", action="store_true",
                        help=f"reuse the stock bot's last figures from {STOCK_JSON.name}")
    parser.add_argument("--runs", type=int, default=1, metavar="N",
                        help="repeat the load measurements N times and report medians")
    parser.add_argument("--out", type=Path, default=RESULTS_MD,
                        help="where to write the Markdown results (default: %(default)s)")
    parser.add_argument("--keep-temp", action="store_true",
                        help="keep the temporary folder (logs, models, databases)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="also measure this assistant with N Sanic workers over the Redis "
                             "lock store (default: one per core when Redis answers; 1: only "
                             "the one-worker run)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def redis_address(env: Mapping[str, str]) -> Tuple[str, int]:
    return (env.get("BENCH_REDIS_HOST") or env.get("REDIS_HOST") or "127.0.0.1",
            int(env.get("BENCH_REDIS_PORT") or env.get("REDIS_PORT") or 6379))


def worker_plan(requested: Optional[int], cores: int, redis_up: bool) -> Tuple[int, str]:
    """How many Sanic workers the extra run uses (1: no extra run), and why."""
    if requested is None:
        if cores < 2:
            return 1, "one core: no run with several workers"
        if not redis_up:
            return 1, "Redis does not answer: no run with several workers (it needs the lock store)"
        return cores, f"{cores} workers, one per core, over the Redis lock store"
    if requested > 1 and not redis_up:
        return 1, f"--workers {requested} asked, but Redis does not answer: not measured"
    return requested, (f"{requested} workers over the Redis lock store" if requested > 1
                       else "--workers 1: only the one-worker run")


def process_env() -> Dict[str, str]:
    """The environment of every process started, the same for both bots."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TQDM_DISABLE", "1")
    return env


def timed_training(figures: BotFigures, argv: List[str], cwd: Path, env: Mapping[str, str],
                   folder: Path) -> bool:
    """Trains from scratch (`--force`, an empty Rasa cache); records the seconds or the failure."""
    print(f"[{figures.name}] training from scratch ...", flush=True)
    try:
        figures.train_s = run_timed(
            f"training {figures.label}", argv, cwd=cwd,
            env={**env, "RASA_CACHE_DIRECTORY": str(folder / f"{figures.name}-cache")},
            log_path=folder / "log" / f"{figures.name}-train.log", timeout_s=TRAIN_TIMEOUT_S)
    except StepFailed as exc:
        figures.failures.append(str(exc))
        print(f"[{figures.name}] FAILED: {exc}", flush=True)
        return False
    print(f"[{figures.name}] trained in {figures.train_s:.0f} s", flush=True)
    return True


def prepare_stock(workload: Workload, folder: Path, env: Mapping[str, str]
                  ) -> Tuple[BotFigures, Optional[Runner]]:
    """The stock bot made and trained from scratch; its runner (None when that failed)."""
    figures = BotFigures("stock", "stock rasa init bot", quick=workload.quick)
    try:
        print("[stock] rasa init --no-prompt (it trains a first model too) ...", flush=True)
        project = stock_bot.create(folder, env, folder / "log")
    except (StepFailed, OSError) as exc:
        figures.failures.append(f"rasa init failed: {exc}")
        return figures, None
    stock_bot.use_sql_tracker_store(project, folder / "stock-tracker.db")
    out = folder / "stock-model"
    if not timed_training(figures, stock_bot.training_argv(project, out), project, env, folder):
        return figures, None
    figures.model = next((p.name for p in out.glob("*.tar.gz")), "")
    service = stock_bot.service(project, out, free_port(), secrets.token_urlsafe(16), env)
    return figures, Runner(figures, [service], SCRIPTS["stock"], workload,
                           folder / "log" / "stock")


def prepare_this(workload: Workload, folder: Path, env: Mapping[str, str],
                 model: Path, workers: int = 1, redis: Optional[Tuple[str, int]] = None
                 ) -> Tuple[BotFigures, Optional[Runner]]:
    """This assistant with one Sanic worker (trained from scratch first, for the training
    time), or with several over the Redis lock store (not trained again); its runner."""
    name, label = (("assistant", "this assistant") if workers == 1 else
                   (f"assistant-{workers}w", f"this assistant, {workers} workers"))
    figures = BotFigures(name, label, model=model.name, quick=workload.quick, workers=workers)
    if workers == 1:
        timed_training(figures, this_bot.training_argv(folder / "assistant-model"), ROOT, env,
                       folder)
    workdir = folder / name
    workdir.mkdir()
    return figures, Runner(figures, this_bot.services(workdir, env, workers, redis),
                           SCRIPTS["assistant"], workload, folder / "log" / name)


def method(workload: Workload, scripts: Mapping[str, Sequence[Script]]) -> List[str]:
    levels = ", ".join(f"{n} conversations {level} at a time" for level, n in
                       workload.levels.items())
    mode = "quick (smoke run: few messages, figures not to keep)" if workload.quick else "full"
    lines = [
        f"Mode: {mode}; runs: {workload.runs} (figures are medians over runs; error counts "
        "are sums).",
        "Both bots run `rasa run` (REST channel, HTTP API enabled, one Sanic worker, in-memory "
        "lock store) with an SQL tracker store on SQLite in a temporary folder; this assistant "
        "with its action server (`python -m actions.server`), started as the integration tests "
        "start it. The load generator (aiohttp) runs on the same machine; each conversation "
        "is a client of its own, on its own kept-alive connection.",
        "Several workers (when measured): the same, with `SANIC_WORKERS=N` and the Redis lock "
        "store (serving/lock_store.py, as in production; Rasa refuses several workers over "
        "its in-memory lock store); the tracker store stays the same SQLite file, shared by "
        "the workers. Not trained again. CPU per turn sums the Sanic parent and its workers; "
        "memory is given for the largest process, as the sum of each one's peak (shared "
        "pages counted in each) and as the memory they hold together (PSS).",
        "Training from scratch: `rasa train --force` into a temporary folder with an empty Rasa "
        "cache (`RASA_CACHE_DIRECTORY`); the stock bot from `rasa init --no-prompt` with its "
        "default config.",
        f"Runs: each of the {workload.runs} run(s) starts a bot's Rasa server, measures it "
        "and stops it (the action servers stay up); the bots' runs alternate, in reversed "
        "order every other run (stock, this, then this, stock ...), so the machine's drift "
        "over minutes falls on both alike.",
        "Start to first answer: from starting the Rasa process (the action server already "
        "healthy) to the first non-empty reply to `hi` on `POST /webhooks/rest/webhook`, "
        "polled every 0.1 s; once per run, the median is given.",
        f"Visitors 1 and 10: at each start, {workload.cold_visitors} whole conversations one "
        f"after the other, each beginning {workload.cold_gap_s:g} s after the previous one (the "
        "first after the start-up probe's answer) ended: a turn right after another is faster "
        "than one after a pause on any server, so every visitor gets the same pause; the "
        f"latency of the first turn of the 1st and the {workload.cold_visitors}th (same "
        "script); medians over the starts.",
        "1 visitor: after one warm-up conversation (each run), whole conversations one after "
        f"the other until at least {workload.single_messages} turns; latency of each turn (the "
        "REST call, so action server calls included).",
        f"Concurrent: {levels}; each conversation its own sender id, its turns sent one after "
        "the other; throughput = turns answered without error / wall time. An error is a "
        "non-200 status, a failed or timed-out request, or an empty reply.",
        "CPU per turn: user + system time of the process (/proc/<pid>/stat) during the "
        "1-visitor measurement, divided by its turns.",
        "Peak memory: VmHWM of the process from /proc/<pid>/status, sampled every 0.5 s "
        "(MB = 10^6 bytes). Memory held together: at each sample, the sum of the processes' "
        "proportional set sizes (Pss in /proc/<pid>/smaps_rollup: a page that several "
        "processes share counts once in all, split between them); the largest sample.",
    ]
    for name, group in scripts.items():
        described = "; ".join(f"{s.name} ({len(s)} turns)" for s in group)
        lines.append(f"Scripts of the {'stock bot' if name == 'stock' else 'assistant'}: "
                     f"{described}.")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    workload = Workload.make(args.quick, args.runs)

    def on_term(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, on_term)  # so `finally` stops the processes
    machine = describe()
    env = process_env()
    folder = Path(tempfile.mkdtemp(prefix="rasa-bench-"))
    started = time.monotonic()
    notes: List[str] = []
    if workload.quick:
        notes.append("Quick smoke run (`--quick`): few messages; not figures to keep.")
    try:
        try:
            model = this_bot.ensure_model(env, folder / "log")
        except (StepFailed, FileNotFoundError) as exc:
            print(f"bench: no model of this assistant: {exc}", flush=True)
            return 2
        stock: Optional[BotFigures]
        runners: List[Optional[Runner]] = []
        if args.skip_stock:
            try:
                stock, note = load_stock(args.quick)
            except (FileNotFoundError, ValueError, TypeError) as exc:
                print(f"bench: --skip-stock: {exc}", flush=True)
                return 2
            notes.append(f"Stock figures reused from {STOCK_JSON.name} (measured "
                         f"{stock.measured_at} on {stock.machine.get('cpu', 'unknown CPU')}, "
                         f"{stock.machine.get('cores', '?')} cores)"
                         + (f"; {note}" if note else "") + ".")
        else:
            stock, runner = prepare_stock(workload, folder, env)
            stock.measured_at, stock.machine = machine["date"], dict(machine)
            runners.append(runner)
        this, runner = prepare_this(workload, folder, env, model)
        this.measured_at = machine["date"]
        runners.append(runner)
        redis = redis_address(env)
        workers, why = worker_plan(args.workers, os.cpu_count() or 1,
                                   port_in_use(*redis))
        notes.append(f"Several Sanic workers: {why}.")
        more: List[BotFigures] = []
        if workers > 1:
            bot, runner = prepare_this(workload, folder, env, model, workers, redis)
            bot.measured_at = machine["date"]
            more.append(bot)
            runners.append(runner)
        interleave([r for r in runners if r is not None], workload.runs)
        machine["load_at_end"] = load_average()
        notes.append(f"Model of this assistant: models/{this.model}; the whole run took "
                     f"{(time.monotonic() - started) / 60:.1f} min.")
        text = render(this, stock, machine, list(workload.levels), method(workload, SCRIPTS),
                      notes, more)
        print("\n" + text, flush=True)
        args.out.write_text(text)
        print(f"written to {args.out}", flush=True)
        if not args.skip_stock and stock is not None and not stock.failures:
            save_stock(stock)
        failed = (this.failures or any(b.failures for b in more)
                  or (stock.failures if stock else []))
        return 1 if failed else 0
    except KeyboardInterrupt:
        print("\nbench: interrupted; every process it started was stopped", flush=True)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if args.keep_temp:
            print(f"temporary folder kept: {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
