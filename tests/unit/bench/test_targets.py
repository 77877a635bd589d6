from __future__ import annotations

from typing import Dict, Optional

from bench.results import BotFigures, LoadFigures
from bench.targets import at_least, at_most, evaluate


def load(mps: float, p95: float = 50.0, errors: int = 0) -> LoadFigures:
    return LoadFigures(8, 100, errors, p95 / 2, p95, mps, "empty reply x1" if errors else "")


def bot(p95: float = 45.0, mps8: float = 40.0, errors: int = 0, start: float = 15.0,
        first: float = 30.0, tenth: float = 35.0, peak: float = 650.0,
        train: Optional[float] = 120.0) -> BotFigures:
    return BotFigures("assistant", "this", single=load(30, p95), concurrent={8: load(mps8, 90,
                      errors)}, start_to_first_answer_s=start, first_visitor_ms=first,
                      tenth_visitor_ms=tenth, rasa_peak_mb=peak, train_s=train)


STOCK = BotFigures("stock", "stock", concurrent={8: load(10.0)})


def by_target(this: BotFigures, stock: Optional[BotFigures] = STOCK) -> Dict[str, tuple]:
    return {r.target.split(" (")[0].split(":")[0]: (r.met, r.margin, r.measured)
            for r in evaluate(this, stock)}


def test_margins_say_by_how_much_a_limit_is_met_or_missed() -> None:
    assert at_most(45, 60, "ms") == (True, "15 ms under (25%)")
    assert at_most(75, 60, "ms") == (False, "15 ms over (25%)")
    assert at_most(60, 60, "ms") == (True, "0 ms under (0%)")
    assert at_least(4.5, 3.0, "x", 2) == (True, "1.50x above (50%)")
    assert at_least(1.5, 3.0, "x", 2) == (False, "1.50x short (50%)")


def test_an_assistant_meeting_every_target() -> None:
    results = evaluate(bot(), STOCK)
    assert len(results) == 7
    assert all(r.met for r in results), [r for r in results if not r.met]
    rows = by_target(bot())
    assert rows["Throughput at 8 concurrent conversations, against the stock bot's"][2] \
        == "4.00x (40.0 vs 10.0 msg/s)"


def test_each_target_can_be_missed() -> None:
    rows = by_target(bot(p95=75, mps8=20, errors=2, start=25, first=80, tenth=35, peak=1100,
                         train=200))
    assert not any(met for met, _, _ in rows.values())
    assert rows["One visitor"][1] == "15 ms over (25%)"
    assert rows["No error at 8 concurrent conversations"][1] \
        == "2 of 100 turns (empty reply x1)"
    assert rows["Start to first answer"][1] == "5.0 s over (25%)"
    assert rows["The first visitor's first answer no slower than the tenth's"][1] \
        == "45 ms over (129%)"
    assert rows["Peak memory of the Rasa process"][2] == "1100 MB"
    assert rows["Training from scratch"][1] == "20 s over (11%)"


def test_missing_figures_are_not_measured_rather_than_met() -> None:
    rows = evaluate(bot(train=None), None)
    verdicts = {r.target.split(" (")[0].split(",")[0]: r.verdict for r in rows}
    assert verdicts["Training from scratch"] == "not measured"
    assert verdicts["Throughput at 8 concurrent conversations"] == "not measured"  # no stock
    assert verdicts["Start to first answer"] == "met"
