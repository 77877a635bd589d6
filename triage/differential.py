"""Other problems the spasm may be guarding ("What else could it be?").

Each pattern adds up the weights of its clues that are present. A pattern needs the minimum score,
so one vague clue never raises it; patterns are ranked by score, ties in the file's fixed order.
"""

from __future__ import annotations

from triage.assessment import Reason, join_sources
from triage.facts import Facts
from triage.knowledge import Knowledge
from triage.texts import join_labels, render
from triage.vocabulary import Presence


def rank_differentials(
    facts: Facts, knowledge: Knowledge
) -> tuple[tuple[str, ...], tuple[Reason, ...]]:
    """The differential codes reaching the minimum score, most supported first."""
    rules = knowledge.model.differentials
    scored = []
    for pattern in rules.patterns:
        present = [code for code in pattern.clues if facts.presence(code) is Presence.PRESENT]
        score = sum(pattern.clues[code] for code in present)
        if score >= rules.min_score:
            scored.append((score, rules.tie_break.index(pattern.code), pattern, present))
    scored.sort(key=lambda item: (-item[0], item[1]))
    list_and = knowledge.model.explanations.list_and
    reasons = tuple(
        Reason(
            "differential",
            pattern.code,
            render(
                pattern.reason,
                {
                    "clues": join_labels((knowledge.label(code) for code in present), list_and),
                    "label": knowledge.label(pattern.code),
                },
            ),
            join_sources(pattern.source),
        )
        for _, _, pattern, present in scored
    )
    return tuple(pattern.code for _, _, pattern, _ in scored), reasons
