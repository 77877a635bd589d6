"""The figures of one bot, how several runs combine, and the stock figures kept as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bench.stats import median_or_none

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_MD = BENCH_DIR / "results.md"
STOCK_JSON = BENCH_DIR / "stock_results.json"


@dataclass
class LoadFigures:
    """One load measurement (or the median of several runs of it)."""

    concurrency: int
    messages: int
    errors: int
    p50_ms: Optional[float]
    p95_ms: Optional[float]
    msg_per_s: Optional[float]
    error_kinds: str = ""
    runs: int = 1
    msg_per_s_runs: List[float] = field(default_factory=list)  # each run's, in run order


def combine(runs: Sequence[LoadFigures]) -> LoadFigures:
    """Several runs of the same measurement: medians of the figures, sums of the counts."""
    if not runs:
        raise ValueError("no runs to combine")
    kinds = "; ".join(dict.fromkeys(r.error_kinds for r in runs if r.error_kinds))
    return LoadFigures(
        concurrency=runs[0].concurrency,
        messages=sum(r.messages for r in runs),
        errors=sum(r.errors for r in runs),
        p50_ms=median_or_none([r.p50_ms for r in runs]),
        p95_ms=median_or_none([r.p95_ms for r in runs]),
        msg_per_s=median_or_none([r.msg_per_s for r in runs]),
        error_kinds=kinds,
        runs=sum(r.runs for r in runs),
        msg_per_s_runs=[v for r in runs for v in (
            r.msg_per_s_runs or ([r.msg_per_s] if r.msg_per_s is not None else []))],
    )


@dataclass
class BotFigures:
    """Everything measured for one bot; None where a measurement failed or was not made."""

    name: str  # "assistant" or "stock"
    label: str
    model: str = ""
    quick: bool = False
    measured_at: str = ""
    train_s: Optional[float] = None
    start_to_first_answer_s: Optional[float] = None
    actions_ready_s: Optional[float] = None
    first_visitor_ms: Optional[float] = None
    tenth_visitor_ms: Optional[float] = None
    first_visitors: Optional[LoadFigures] = None
    single: Optional[LoadFigures] = None
    concurrent: Dict[int, LoadFigures] = field(default_factory=dict)
    rasa_cpu_ms_per_turn: Optional[float] = None  # one visitor at a time
    actions_cpu_ms_per_turn: Optional[float] = None
    rasa_peak_mb: Optional[float] = None  # the largest Rasa process
    rasa_total_peak_mb: Optional[float] = None  # each Rasa process's peak, summed
    rasa_together_mb: Optional[float] = None  # the largest PSS sum of the Rasa processes
    rasa_processes: Optional[int] = None  # 1, or a Sanic parent and its workers
    workers: int = 1
    actions_peak_mb: Optional[float] = None
    failures: List[str] = field(default_factory=list)
    machine: Dict[str, str] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        data = asdict(self)
        data["concurrent"] = {str(k): v for k, v in data["concurrent"].items()}
        return data

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> BotFigures:
        data = dict(data)
        single = data.pop("single", None)
        first = data.pop("first_visitors", None)
        concurrent = data.pop("concurrent", {}) or {}
        known = set(cls.__dataclass_fields__)
        figures = cls(**{k: v for k, v in data.items() if k in known})
        figures.single = LoadFigures(**single) if single else None
        figures.first_visitors = LoadFigures(**first) if first else None
        figures.concurrent = {int(k): LoadFigures(**v) for k, v in concurrent.items()}
        return figures


def save_stock(figures: BotFigures, path: Path = STOCK_JSON) -> None:
    """Keeps the stock figures for `--skip-stock`, one entry per mode (quick or full)."""
    stored: Dict[str, Any] = {}
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except ValueError:
            stored = {}
    stored["quick" if figures.quick else "full"] = figures.to_json()
    path.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")


def load_stock(quick: bool, path: Path = STOCK_JSON) -> Tuple[BotFigures, Optional[str]]:
    """The stored stock figures of the same mode, else of the other mode (with a note why).

    Raises FileNotFoundError with a clear message when there are none.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run the benchmark once without "
                                "--skip-stock to measure the stock bot")
    stored = json.loads(path.read_text())
    wanted, other = ("quick", "full") if quick else ("full", "quick")
    if wanted in stored:
        return BotFigures.from_json(stored[wanted]), None
    if other in stored:
        return (BotFigures.from_json(stored[other]),
                f"no stored {wanted} stock figures: using the {other} ones")
    raise FileNotFoundError(f"{path} holds no stock figures")
