"""Slots <-> triage facts: the one place that knows how the chat stores the visitor's answers."""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Mapping, Optional

from rasa_sdk import Tracker

from actions import names
from actions.answer_parsing import parse_pain_score
from triage import Assessment, Facts, Mention, TriageEngine, merge_findings

logger = logging.getLogger(__name__)

FINDING_ENTITIES = ("red_flag", "symptom")
ROLES = {None, "negated", "uncertain"}


def mentions_in(entities: Iterable[Mapping[str, Any]], known: Iterable[str]) -> List[Mention]:
    """Red-flag and symptom mentions of one message, with their negation role."""
    known_codes = set(known)
    mentions = []
    for entity in entities:
        if entity.get("entity") not in FINDING_ENTITIES:
            continue
        code, role = entity.get("value"), entity.get("role")
        if code in known_codes and role in ROLES:
            mentions.append(Mention(code=str(code), role=role))
        else:
            logger.warning("triage.mention.ignored entity=%s value=%s role=%s",
                           entity.get("entity"), code, role)
    return mentions


def updated_findings(tracker: Tracker, engine: TriageEngine,
                     extra: Iterable[Mention] = ()) -> Dict[str, str]:
    """The findings slot merged with what the latest message affirmed, denied or doubted."""
    previous = tracker.get_slot(names.FINDINGS) or {}
    entities = (tracker.latest_message or {}).get("entities") or []
    mentions = [*mentions_in(entities, engine.knowledge.finding_codes), *extra]
    merged = merge_findings(previous, mentions, known_codes=engine.knowledge.finding_codes)
    return {code: str(getattr(state, "value", state)) for code, state in sorted(merged.items())}


def plain_facts(slots: Mapping[str, Any], findings: Mapping[str, str]) -> Dict[str, Any]:
    """Slot values as the engine's plain facts (bad values are dropped, never guessed)."""
    activities = slots.get(names.LIMITED_ACTIVITIES)
    if activities is not None:
        activities = [a for a in activities if a != names.NOTHING]
    data: Dict[str, Any] = {
        "complaint": slots.get(names.COMPLAINT) or None,
        "mechanism": slots.get(names.MECHANISM),
        "duration": slots.get(names.DURATION),
        "pain_score": parse_pain_score(slots.get(names.PAIN_SCORE)),
        "limited_activities": activities,
        "findings": dict(findings),
        "screen_emergency": slots.get(names.SCREEN_EMERGENCY),
        "screen_urgent": slots.get(names.SCREEN_URGENT),
    }
    for slot in names.TEST_SLOTS:
        if slots.get(slot) is not None:
            data[slot] = slots[slot]
    return data


def facts_from_slots(engine: TriageEngine, slots: Mapping[str, Any],
                     findings: Optional[Mapping[str, str]] = None) -> Facts:
    """Facts for the engine; a value the engine rejects is logged and left out, not fatal."""
    data = plain_facts(slots, findings if findings is not None else
                       (slots.get(names.FINDINGS) or {}))
    try:
        return engine.facts(data)
    except ValueError as exc:
        logger.error("triage.facts.invalid error=%s", exc)
        # Keep every answer the engine accepts: drop the offending fields one by one.
        for key in list(data):
            if key == "findings":
                continue
            trial = {k: v for k, v in data.items() if k != key}
            try:
                return engine.facts(trial)
            except ValueError:
                continue
        return engine.facts({"findings": data.get("findings", {})})


def triage_slots(assessment: Assessment) -> Dict[str, Any]:
    """The engine's result as slot values (strain grade as a float slot)."""
    slots = assessment.to_slots()
    grade = slots.get("strain_grade")
    slots["strain_grade"] = float(grade) if grade is not None else None
    return slots
