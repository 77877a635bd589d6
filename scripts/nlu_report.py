"""Summarises `rasa test nlu --cross-validation` output: intent and response-selector F1.

    python -m scripts.nlu_report results/nlu
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Dict

TARGETS = {"intent": 0.95, "response selector": 0.90}


def figures(results: Path) -> Dict[str, Dict[str, float]]:
    found = {}
    for label, name in (("intent", "intent_report.json"),
                        ("response selector", "response_selection_report.json")):
        report = json.loads((results / name).read_text())
        found[label] = {"macro F1": report["macro avg"]["f1-score"],
                        "weighted F1": report["weighted avg"]["f1-score"],
                        "accuracy": report.get("accuracy", float("nan"))}
    return found


def main(argv: list[str]) -> int:
    results = Path(argv[1] if len(argv) > 1 else "results/nlu")
    found = figures(results)
    print(f"NLU cross-validation (5 folds), {date.today().isoformat()}")
    print("| | macro F1 | weighted F1 | accuracy | target (macro F1) |")
    print("|---|---|---|---|---|")
    ok = True
    for label, values in found.items():
        target = TARGETS[label]
        ok &= values["macro F1"] >= target
        print(f"| {label} | {values['macro F1']:.3f} | {values['weighted F1']:.3f} | "
              f"{values['accuracy']:.3f} | {target:.2f} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
