"""This assistant's targets, and by how much each is met or missed (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from bench.results import BotFigures

ONE_VISITOR_P95_MS = 60.0
THROUGHPUT_FACTOR_AT_8 = 3.0
START_TO_FIRST_ANSWER_S = 20.0
RASA_PEAK_MB = 700.0
TRAINING_S = 180.0
THROUGHPUT_LEVEL = 8


@dataclass(frozen=True)
class TargetResult:
    target: str
    required: str
    measured: str
    met: Optional[bool]  # None: not measured
    margin: str

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "not measured"}[self.met]


def _num(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def at_most(measured: float, limit: float, unit: str, digits: int = 0) -> Tuple[bool, str]:
    """(met, margin text) for a `measured <= limit` target."""
    gap = limit - measured
    share = f" ({abs(gap) / limit:.0%})" if limit else ""
    if gap >= 0:
        return True, f"{_num(gap, digits)} {unit} under{share}"
    return False, f"{_num(-gap, digits)} {unit} over{share}"


def at_least(measured: float, limit: float, unit: str, digits: int = 1) -> Tuple[bool, str]:
    """(met, margin text) for a `measured >= limit` target."""
    gap = measured - limit
    share = f" ({abs(gap) / limit:.0%})" if limit else ""
    if gap >= 0:
        return True, f"{_num(gap, digits)}{unit} above{share}"
    return False, f"{_num(-gap, digits)}{unit} short{share}"


def _missing(target: str, required: str, why: str = "not measured") -> TargetResult:
    return TargetResult(target, required, why, None, "—")


def evaluate(this: BotFigures, stock: Optional[BotFigures]) -> List[TargetResult]:
    """One row per target, in the order of the issue."""
    rows: List[TargetResult] = []

    target = "One visitor: 95th percentile of a whole turn (action server calls included)"
    required = f"≤ {ONE_VISITOR_P95_MS:.0f} ms"
    p95 = this.single.p95_ms if this.single else None
    if p95 is None:
        rows.append(_missing(target, required))
    else:
        met, margin = at_most(p95, ONE_VISITOR_P95_MS, "ms")
        rows.append(TargetResult(target, required, f"{p95:.0f} ms", met, margin))

    level = THROUGHPUT_LEVEL
    target = f"Throughput at {level} concurrent conversations, against the stock bot's"
    required = f"≥ {THROUGHPUT_FACTOR_AT_8:.0f}x the stock bot's"
    ours = this.concurrent.get(level)
    theirs = stock.concurrent.get(level) if stock else None
    if not ours or not theirs or not ours.msg_per_s or not theirs.msg_per_s:
        rows.append(_missing(target, required))
    else:
        ratio = ours.msg_per_s / theirs.msg_per_s
        met, margin = at_least(ratio, THROUGHPUT_FACTOR_AT_8, "x", digits=2)
        rows.append(TargetResult(
            target, required,
            f"{ratio:.2f}x ({ours.msg_per_s:.1f} vs {theirs.msg_per_s:.1f} msg/s)", met, margin))

    target = f"No error at {level} concurrent conversations"
    if not ours:
        rows.append(_missing(target, "0 errors"))
    else:
        met = ours.errors == 0
        margin = "none" if met else f"{ours.errors} of {ours.messages} turns ({ours.error_kinds})"
        rows.append(TargetResult(target, "0 errors", f"{ours.errors} errors", met, margin))

    target = "Start to first answer (Rasa process start to a REST reply)"
    required = f"≤ {START_TO_FIRST_ANSWER_S:.0f} s"
    if this.start_to_first_answer_s is None:
        rows.append(_missing(target, required))
    else:
        met, margin = at_most(this.start_to_first_answer_s, START_TO_FIRST_ANSWER_S, "s", 1)
        rows.append(TargetResult(target, required, f"{this.start_to_first_answer_s:.1f} s",
                                 met, margin))

    target = "The first visitor's first answer no slower than the tenth's"
    if this.first_visitor_ms is None or this.tenth_visitor_ms is None:
        rows.append(_missing(target, "≤ the tenth's"))
    else:
        met, margin = at_most(this.first_visitor_ms, this.tenth_visitor_ms, "ms")
        rows.append(TargetResult(target, f"≤ the tenth's ({this.tenth_visitor_ms:.0f} ms)",
                                 f"{this.first_visitor_ms:.0f} ms", met, margin))

    target = "Peak memory of the Rasa process (VmHWM)"
    required = f"≤ {RASA_PEAK_MB:.0f} MB"
    if this.rasa_peak_mb is None:
        rows.append(_missing(target, required))
    else:
        met, margin = at_most(this.rasa_peak_mb, RASA_PEAK_MB, "MB")
        rows.append(TargetResult(target, required, f"{this.rasa_peak_mb:.0f} MB", met, margin))

    target = "Training from scratch"
    required = f"≤ {TRAINING_S / 60:.0f} min"
    if this.train_s is None:
        rows.append(_missing(target, required))
    else:
        met, margin = at_most(this.train_s, TRAINING_S, "s")
        rows.append(TargetResult(target, required, f"{this.train_s:.0f} s", met, margin))
    return rows
