from __future__ import annotations

from bench.report import comparison_table, fmt, ratio, render, run_ratios, table
from bench.results import BotFigures, LoadFigures, combine


def load(level: int, mps: float, p95: float, errors: int = 0) -> LoadFigures:
    return LoadFigures(level, 200, errors, p95 / 2, p95, mps, "HTTP 500 x1" if errors else "")


THIS = BotFigures("assistant", "this assistant", train_s=100.0, start_to_first_answer_s=18.4,
                  first_visitor_ms=40.0, tenth_visitor_ms=30.0, single=load(1, 25.0, 50.0),
                  concurrent={8: load(8, 40.0, 300.0), 32: load(32, 38.0, 900.0, errors=1)},
                  rasa_peak_mb=640.0, actions_peak_mb=90.0, actions_ready_s=2.5,
                  rasa_cpu_ms_per_turn=80.0, actions_cpu_ms_per_turn=5.0)
STOCK = BotFigures("stock", "stock bot", train_s=80.0, start_to_first_answer_s=50.0,
                   single=load(1, 15.0, 100.0), concurrent={8: load(8, 10.0, 900.0)},
                   rasa_peak_mb=1100.0, rasa_cpu_ms_per_turn=32.0)


def test_formatting_helpers() -> None:
    assert fmt(None, "ms") == "—"
    assert fmt(1234.4, "ms") == "1,234 ms"
    assert fmt(18.44, "s", 1) == "18.4 s"
    assert ratio(40.0, 10.0) == "4.00x"
    assert ratio(None, 10.0) == ratio(1.0, None) == ratio(1.0, 0.0) == "—"


def test_table_is_markdown_and_escapes_pipes() -> None:
    text = table(["a", "b"], [["1", "x|y"]])
    assert text.splitlines() == ["| a | b |", "| --- | --- |", "| 1 | x\\|y |"]


def test_comparison_table_puts_both_bots_side_by_side_with_ratios() -> None:
    lines = comparison_table(THIS, STOCK, [8, 32]).splitlines()
    row = {line.split(" | ")[0].lstrip("| "): line for line in lines}
    assert row["8 concurrent: throughput"] == \
        "| 8 concurrent: throughput | 40.0 msg/s | 10.0 msg/s | 4.00x |"
    assert row["Start to first answer"] == "| Start to first answer | 18.4 s | 50.0 s | 0.37x |"
    assert row["32 concurrent: throughput"].endswith("| 38.0 msg/s | — | — |")  # stock missing
    assert row["1 visitor: CPU per turn, Rasa process(es)"] == \
        "| 1 visitor: CPU per turn, Rasa process(es) | 80 ms | 32 ms | 2.50x |"
    assert row["Peak memory, action server"] == \
        "| Peak memory, action server | 90 MB | — | — |"
    assert row["32 concurrent: errors (of turns)"] == \
        "| 32 concurrent: errors (of turns) | 1 of 200 (HTTP 500 x1) | — | — |"


def test_render_has_machine_tables_failures_and_method() -> None:
    failing = BotFigures("stock", "stock bot", failures=["rasa init failed: boom"])
    text = render(THIS, failing, {"date": "2026-01-01 10:00 UTC", "cpu": "Xeon", "cores": "2"},
                  [8, 32], ["1 visitor: 200 turns"], notes=["a note"])
    assert text.startswith("# Benchmark")
    assert "- CPU: Xeon" in text and "- Cores: 2" in text
    assert "- a note" in text
    assert "- stock bot: rasa init failed: boom" in text
    assert "## Both bots, measured the same way" in text
    assert "## This assistant against its targets" in text
    assert "| target | required | measured | result | margin |" in text
    assert "- 1 visitor: 200 turns" in text
    assert text.index("## Failures") < text.index("## Both bots")


def test_render_without_stock_figures() -> None:
    text = render(THIS, None, {}, [8], [])
    assert "not measured" in text  # the throughput target needs the stock bot


WORKERS = BotFigures("assistant-2w", "this assistant, 2 workers", workers=2,
                     concurrent={8: load(8, 90.0, 150.0)}, rasa_peak_mb=600.0,
                     rasa_total_peak_mb=1500.0, rasa_processes=3)


def test_several_variants_of_this_assistant_each_get_a_column_and_a_ratio() -> None:
    lines = comparison_table(THIS, STOCK, [8], [WORKERS]).splitlines()
    assert lines[0] == ("| measure | this assistant | this assistant, 2 workers | stock bot "
                        "| ratio (this assistant / stock) "
                        "| ratio (this assistant, 2 workers / stock) |")
    row = {line.split(" | ")[0].lstrip("| "): line for line in lines}
    assert row["8 concurrent: throughput"] == \
        "| 8 concurrent: throughput | 40.0 msg/s | 90.0 msg/s | 10.0 msg/s | 4.00x | 9.00x |"
    assert row["Rasa processes (Sanic parent and workers)"] == \
        "| Rasa processes (Sanic parent and workers) | — | 3 | — | — | — |"
    assert row["8 concurrent: errors (of turns)"] == \
        "| 8 concurrent: errors (of turns) | 0 of 200 | 0 of 200 | 0 of 200 | — | — |"


def test_each_variant_is_held_to_the_targets() -> None:
    text = render(THIS, STOCK, {}, [8], [], more=[WORKERS])
    assert "## This assistant against its targets (this assistant)" in text
    assert "## This assistant against its targets (this assistant, 2 workers)" in text
    assert text.count("| target | required | measured | result | margin |") == 2


def test_the_summary_counts_each_configurations_targets_and_names_the_misses() -> None:
    text = render(THIS, STOCK, {}, [8], [], more=[WORKERS])
    summary = text.split("## Summary\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(summary) == 2
    # THIS: throughput 4.00x (met), start 18.4 s (met), first visitor 40 vs 30 ms (missed).
    assert summary[0] == ("- this assistant: 6 of 7 measured targets met; missed: The first "
                          "visitor's first answer no slower than the tenth's (40 ms; 10 ms over "
                          "(33%))")
    assert summary[1] == ("- this assistant, 2 workers: 3 of 3 measured targets met "
                          "(4 not measured in this configuration)")


def test_each_runs_throughput_is_set_against_the_stock_bots_of_the_same_run() -> None:
    this = BotFigures("assistant", "this assistant",
                      concurrent={8: combine([load(8, 60.0, 1), load(8, 90.0, 1)])})
    stock = BotFigures("stock", "stock bot",
                       concurrent={8: combine([load(8, 20.0, 1), load(8, 30.0, 1)])})
    assert run_ratios(this, stock, 8) == ("this assistant: throughput at 8 concurrent against "
                                          "the stock bot's, run by run: 3.00x, 3.00x")
    assert "run by run: 3.00x, 3.00x" in render(this, stock, {}, [8], [])
    one_run = BotFigures("stock", "stock bot", concurrent={8: combine([load(8, 20.0, 1)])})
    assert run_ratios(this, one_run, 8) is None  # runs not paired
    assert run_ratios(this, None, 8) is None
