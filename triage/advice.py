"""What to do and avoid, and whether to book ("What NOT to do", "What you SHOULD do", "Making
your lower back muscle spasm worse", "1st Phase: Protection and initial healing", "Healing time").

With an emergency or urgent result the visitor gets only that instruction: no self-care tips,
self-tests or exercise that could delay getting help.
"""

from __future__ import annotations

from triage.assessment import AdviceItem, Recommendation, join_sources
from triage.conditions import Context, any_holds
from triage.knowledge import Knowledge
from triage.vocabulary import Urgency


def select_advice(
    context: Context, urgency: Urgency
) -> tuple[tuple[AdviceItem, ...], tuple[AdviceItem, ...]]:
    """The do and don't items that apply, in the file's order."""
    rules = context.knowledge.model.urgency
    if urgency in (Urgency.EMERGENCY, Urgency.URGENT):
        emergency = urgency is Urgency.EMERGENCY
        instruction = rules.emergency_instruction if emergency else rules.urgent_instruction
        item = AdviceItem(instruction.id, "do", instruction.text, join_sources(instruction.source))
        return (item,), ()
    chosen = [
        AdviceItem(entry.id, entry.kind, entry.text, join_sources(entry.source))
        for entry in context.knowledge.model.advice
        if any_holds(entry.when, context)
    ]
    do = tuple(item for item in chosen if item.kind == "do")
    dont = tuple(item for item in chosen if item.kind == "dont")
    return do, dont


def recommend(urgency: Urgency, knowledge: Knowledge) -> Recommendation:
    """Whether to book now, with the text for this urgency (incl. the usual session plan)."""
    entry = getattr(knowledge.model.recommendations, urgency.value)
    return Recommendation(bool(entry.book), str(entry.text), join_sources(entry.source))
