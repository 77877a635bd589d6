"""The results as Markdown: both bots side by side with ratios, then the targets (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

from bench.results import BotFigures, LoadFigures
from bench.targets import THROUGHPUT_LEVEL, evaluate

DASH = "—"


def fmt(value: Optional[float], unit: str, digits: int = 0) -> str:
    if value is None:
        return DASH
    return f"{value:,.{digits}f} {unit}".rstrip()


def ratio(ours: Optional[float], theirs: Optional[float]) -> str:
    if ours is None or theirs is None or theirs == 0:
        return DASH
    return f"{ours / theirs:.2f}x"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    return "\n".join([line(header), line(["---"] * len(header)), *(line(r) for r in rows)])


@dataclass(frozen=True)
class Row:
    label: str
    value: Callable[[BotFigures], Optional[float]]
    unit: str
    digits: int = 0
    with_ratio: bool = True


FIRST_VISITORS = 0  # a pseudo level: the conversations right after start


def _load(level: Optional[int]) -> Callable[[BotFigures], Optional[LoadFigures]]:
    def pick(bot: BotFigures) -> Optional[LoadFigures]:
        if level == FIRST_VISITORS:
            return bot.first_visitors
        return bot.single if level is None else bot.concurrent.get(level)
    return pick


def _field(level: Optional[int], name: str) -> Callable[[BotFigures], Optional[float]]:
    pick = _load(level)

    def value(bot: BotFigures) -> Optional[float]:
        load = pick(bot)
        return None if load is None else getattr(load, name)
    return value


def _errors(level: Optional[int], bot: BotFigures) -> str:
    load = _load(level)(bot)
    if load is None:
        return DASH
    text = f"{load.errors} of {load.messages}"
    return text + (f" ({load.error_kinds})" if load.errors and load.error_kinds else "")


def _processes(bot: BotFigures) -> Optional[float]:
    return None if bot.rasa_processes is None else float(bot.rasa_processes)


def rows_for(levels: Sequence[int]) -> List[Row]:
    rows = [
        Row("Training from scratch", lambda b: b.train_s, "s"),
        Row("Start to first answer", lambda b: b.start_to_first_answer_s, "s", 1),
        Row("First answer of visitor 1 after start", lambda b: b.first_visitor_ms, "ms"),
        Row("First answer of visitor 10 after start", lambda b: b.tenth_visitor_ms, "ms"),
        Row("1 visitor: median turn", _field(None, "p50_ms"), "ms"),
        Row("1 visitor: 95th percentile", _field(None, "p95_ms"), "ms"),
    ]
    for level in levels:
        rows += [
            Row(f"{level} concurrent: throughput", _field(level, "msg_per_s"), "msg/s", 1),
            Row(f"{level} concurrent: median turn", _field(level, "p50_ms"), "ms"),
            Row(f"{level} concurrent: 95th percentile", _field(level, "p95_ms"), "ms"),
        ]
    rows += [
        Row("1 visitor: CPU per turn, Rasa process(es)", lambda b: b.rasa_cpu_ms_per_turn,
            "ms"),
        Row("1 visitor: CPU per turn, action server", lambda b: b.actions_cpu_ms_per_turn, "ms",
            with_ratio=False),
        Row("Peak memory, Rasa process (the largest)", lambda b: b.rasa_peak_mb, "MB"),
        Row("Rasa processes (Sanic parent and workers)", _processes, "", with_ratio=False),
        Row("Peak memory, Rasa processes together", lambda b: b.rasa_total_peak_mb, "MB"),
        Row("Memory held by the Rasa processes together (PSS, largest sample)",
            lambda b: b.rasa_together_mb, "MB"),
        Row("Peak memory, action server", lambda b: b.actions_peak_mb, "MB", with_ratio=False),
        Row("Action server start to healthy", lambda b: b.actions_ready_s, "s", 1,
            with_ratio=False),
    ]
    return rows


def comparison_table(this: BotFigures, stock: Optional[BotFigures],
                     levels: Sequence[int], more: Sequence[BotFigures] = ()) -> str:
    """One column per variant of this assistant (`this`, then `more`), then the stock bot,
    then the ratio of each variant to the stock bot."""
    ours = [this, *more]
    rows: List[List[str]] = []
    for row in rows_for(levels):
        theirs = row.value(stock) if stock else None
        rows.append([row.label, *(fmt(row.value(b), row.unit, row.digits) for b in ours),
                     fmt(theirs, row.unit, row.digits),
                     *(ratio(row.value(b), theirs) if row.with_ratio else DASH for b in ours)])
    labelled = [(FIRST_VISITORS, "First visitors after start"), (None, "1 visitor"),
                *((lv, f"{lv} concurrent") for lv in levels)]
    for level, label in labelled:
        rows.append([f"{label}: errors (of turns)", *(_errors(level, b) for b in ours),
                     _errors(level, stock) if stock else DASH, *(DASH for _ in ours)])
    ratios = (["ratio (this / stock)"] if not more else
              [f"ratio ({b.label} / stock)" for b in ours])
    return table(["measure", *(b.label for b in ours), stock.label if stock else "stock bot",
                  *ratios], rows)


def targets_table(this: BotFigures, stock: Optional[BotFigures]) -> str:
    rows = [[r.target, r.required, r.measured, r.verdict, r.margin]
            for r in evaluate(this, stock)]
    return table(["target", "required", "measured", "result", "margin"], rows)


def summary_line(bot: BotFigures, stock: Optional[BotFigures]) -> str:
    """How many targets a configuration met, and what it missed, by how much."""
    results = evaluate(bot, stock)
    measured = [r for r in results if r.met is not None]
    missed = [f"{r.target} ({r.measured}; {r.margin})" for r in measured if not r.met]
    line = f"{bot.label}: {len(measured) - len(missed)} of {len(measured)} measured targets met"
    if len(measured) < len(results):
        line += f" ({len(results) - len(measured)} not measured in this configuration)"
    return line + (f"; missed: {'; '.join(missed)}" if missed else "")


def run_ratios(bot: BotFigures, stock: Optional[BotFigures], level: int) -> Optional[str]:
    """Each run's throughput against the stock bot's in the same run (the runs alternate, so a
    pair was measured minutes apart), when both have every run."""
    ours = bot.concurrent.get(level)
    theirs = stock.concurrent.get(level) if stock else None
    if (not ours or not theirs or len(ours.msg_per_s_runs) < 2
            or len(ours.msg_per_s_runs) != len(theirs.msg_per_s_runs)):
        return None
    pairs = [f"{a / b:.2f}x" for a, b in
             zip(ours.msg_per_s_runs, theirs.msg_per_s_runs, strict=True) if b]
    return (f"{bot.label}: throughput at {level} concurrent against the stock bot's, run by "
            f"run: {', '.join(pairs)}")


def machine_lines(machine: Dict[str, str]) -> List[str]:
    names = [("date", "Date"), ("cpu", "CPU"), ("cores", "Cores"), ("memory", "Memory"),
             ("os", "OS"), ("python", "Python"), ("rasa", "Rasa"), ("rasa_sdk", "Rasa SDK"),
             ("env", "Thread settings"), ("load_at_start", "Load average at start (1/5/15 min)"),
             ("load_at_end", "Load average at end")]
    return [f"- {label}: {machine[key]}" for key, label in names if machine.get(key)]


def render(this: BotFigures, stock: Optional[BotFigures], machine: Dict[str, str],
           levels: Sequence[int], method: Sequence[str], notes: Sequence[str] = (),
           more: Sequence[BotFigures] = ()) -> str:
    """The whole results.md."""
    parts = [
        "# Benchmark: this assistant against a stock `rasa init` bot",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand.",
        "",
        "## Machine",
        "",
        *machine_lines(machine),
        "",
    ]
    if notes:
        parts += ["## Notes", "", *(f"- {n}" for n in notes), ""]
    by_run = [line for bot in (this, *more)
              for line in [run_ratios(bot, stock, THROUGHPUT_LEVEL)] if line]
    parts += ["## Summary", "", *(f"- {summary_line(bot, stock)}" for bot in (this, *more)),
              *(f"- {line}" for line in by_run), ""]
    failures = [f"{bot.label}: {f}" for bot in (this, *more, stock) if bot
                for f in bot.failures]
    if failures:
        parts += ["## Failures", "", *(f"- {f}" for f in failures), ""]
    parts += [
        "## Both bots, measured the same way",
        "",
        comparison_table(this, stock, levels, more),
        "",
        f"## This assistant against its targets ({this.label})",
        "",
        targets_table(this, stock),
        "",
        *(line for bot in more for line in [
            f"## This assistant against its targets ({bot.label})", "",
            targets_table(bot, stock), ""]),
        "## How it was measured",
        "",
        *(f"- {m}" for m in method),
        "",
    ]
    return "\n".join(parts)
