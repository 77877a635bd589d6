"""How soon to get care: emergency and urgent come only from red flags, whatever else is true.

Without a red flag the result is routine (book an assessment) when any `routine_when` trigger
holds, otherwise self-care. All triggers and thresholds are in the knowledge file.
"""

from __future__ import annotations

from triage.assessment import Reason, join_sources
from triage.conditions import Context, any_holds
from triage.red_flags import RedFlagResult
from triage.vocabulary import Urgency


def decide_urgency(flags: RedFlagResult, context: Context) -> tuple[Urgency, tuple[Reason, ...]]:
    """The urgency and the reasons for it."""
    rules = context.knowledge.model.urgency
    source = join_sources(rules.source)
    forced = flags.urgency
    if forced is Urgency.EMERGENCY:
        return forced, (Reason("urgency", forced.value, rules.reason_emergency, source),)
    if forced is Urgency.URGENT:
        return forced, (Reason("urgency", forced.value, rules.reason_urgent, source),)
    matched = tuple(
        Reason("urgency", trigger.id, trigger.reason, join_sources(trigger.source))
        for trigger in rules.routine_when
        if any_holds(trigger.when, context)
    )
    if matched:
        return Urgency.ROUTINE, matched
    reason = Reason("urgency", Urgency.SELF_CARE.value, rules.reason_self_care, source)
    return Urgency.SELF_CARE, (reason,)
