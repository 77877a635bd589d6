"""Severity ("How severe is the muscle spasm in my lower back?"): judged by daily function.

The article has no grading for a spasm; it judges by what the visitor can still do, and calls it
severe when even getting dressed is too painful. Without an answer about limits it is unknown.
"""

from __future__ import annotations

from triage.assessment import Reason, join_sources
from triage.conditions import Context, any_holds
from triage.texts import join_labels, render
from triage.vocabulary import Severity


def grade_severity(context: Context) -> tuple[Severity, tuple[Reason, ...]]:
    """The first level (severe, moderate, mild) whose conditions hold, else unknown."""
    knowledge = context.knowledge
    rules = knowledge.model.severity
    limited = context.facts.limited_activities
    if limited is not None:
        labels = [entry.label for code, entry in knowledge.activities.items() if code in limited]
        phrase = join_labels(labels, knowledge.model.explanations.list_and)
        for level in rules.levels:
            if any_holds(level.when, context):
                text = render(level.reason, {"activities": phrase})
                reason = Reason("severity", level.level.value, text, join_sources(level.source))
                return level.level, (reason,)
    source = join_sources(rules.source)
    unknown = Reason("severity", Severity.UNKNOWN.value, rules.reason_unknown, source)
    return Severity.UNKNOWN, (unknown,)
