"""The booking's reason, pre-filled from what the assessment found."""

from __future__ import annotations

from typing import Any, Mapping

from actions.triage_summary import build_summary
from triage import TriageEngine

MAX_REASON = 300


def booking_reason(engine: TriageEngine, slots: Mapping[str, Any]) -> str:
    summary = build_summary(engine, slots)
    parts = []
    if summary.get("complaint"):
        parts.append(str(summary["complaint"]))
    if summary.get("assessment"):
        grade = f" grade {summary['strain_grade']}" if summary.get("strain_grade") else ""
        parts.append(f"answers suggest {summary['assessment']}{grade}")
    reason = "; ".join(parts) or "lower back assessment"
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
