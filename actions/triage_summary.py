"""The structured triage summary handed to the front desk (shape: docs/contracts.md)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from actions import names
from actions.answer_parsing import parse_pain_score
from triage import TriageEngine


def _label(engine: TriageEngine, code: str) -> str:
    try:
        return engine.knowledge.label(code)
    except KeyError:
        return code.replace("_", " ")


def build_summary(engine: TriageEngine, slots: Mapping[str, Any],
                  contact: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Everything the visitor told the bot, structured and as plain lines for staff."""
    findings = dict(slots.get(names.FINDINGS) or {})
    tests = {slot[len("test_"):]: slots[slot] for slot in names.TEST_SLOTS
             if slots.get(slot) is not None}
    activities = [a for a in (slots.get(names.LIMITED_ACTIVITIES) or []) if a != names.NOTHING]
    red_flags = list(slots.get(names.RED_FLAGS) or [])
    urgency = slots.get(names.URGENCY)
    summary: Dict[str, Any] = {
        "complaint": slots.get(names.COMPLAINT),
        "mechanism": slots.get(names.MECHANISM),
        "duration": slots.get(names.DURATION),
        "pain_score": parse_pain_score(slots.get(names.PAIN_SCORE)),
        "limited_activities": activities,
        "movement_tests": tests,
        "findings": findings,
        "red_flags": red_flags,
        "urgency": urgency,
        "assessment": slots.get(names.ASSESSMENT),
        "strain_grade": int(slots[names.STRAIN_GRADE]) if slots.get(names.STRAIN_GRADE) else None,
        "severity": slots.get(names.SEVERITY),
        "differentials": list(slots.get(names.DIFFERENTIALS) or []),
        "contact": contact or {},
    }
    lines: List[str] = []
    if urgency:
        flag_text = ", ".join(_label(engine, code) for code in red_flags)
        lines.append(f"Urgency: {urgency.upper()}" + (f" ({flag_text})" if flag_text else ""))
    if summary["complaint"]:
        lines.append(f"Complaint: {summary['complaint']}")
    if summary["mechanism"]:
        lines.append(f"Started with: {_label(engine, summary['mechanism'])}")
    if summary["pain_score"] is not None:
        lines.append(f"Pain now: {summary['pain_score']}/10")
    if activities:
        lines.append("Limits: " + ", ".join(_label(engine, a) for a in activities))
    if tests:
        lines.append("Self-tests: " + ", ".join(f"{t} {r}" for t, r in tests.items()))
    present = [c for c, state in findings.items() if state == "present"]
    absent = [c for c, state in findings.items() if state == "absent"]
    unsure = [c for c, state in findings.items() if state == "unsure"]
    for title, codes in (("Reports", present), ("Denies", absent), ("Unsure about", unsure)):
        if codes:
            lines.append(f"{title}: " + ", ".join(_label(engine, c) for c in codes))
    if summary["assessment"]:
        grade = f" grade {summary['strain_grade']}" if summary["strain_grade"] else ""
        lines.append(f"Answers suggest: {summary['assessment']}{grade}; "
                     f"severity {summary['severity'] or 'unknown'}")
    if summary["differentials"]:
        lines.append("Also consider: " + ", ".join(
            _label(engine, d) for d in summary["differentials"]))
    if contact:
        lines.append("Contact: " + ", ".join(f"{k} {v}" for k, v in contact.items() if v))
    summary["lines"] = lines
    return summary
