"""Spasm, strain or unclear, and the strain grade (article: "What is the difference between a
muscle spasm and a muscle strain?", "Grading of a muscle strain:", "Pushed to the limit").

A strain clue from the visitor's description sets the grade (the highest clue wins), but a
description alone is weak evidence: a strain also needs support from the rules in `strain_when`
(an overload event or a positive self-test). Support without any strain clue, per `spasm_when`,
fits a protective spasm. Anything else is left unclear for the physiotherapist.
"""

from __future__ import annotations

from triage.assessment import Reason, join_sources
from triage.conditions import Context, any_holds
from triage.facts import Facts
from triage.knowledge import Knowledge
from triage.texts import render
from triage.vocabulary import Kind


def classify(context: Context) -> tuple[Kind, int | None, tuple[Reason, ...]]:
    """The kind, the strain grade (strains only) and the reason."""
    knowledge = context.knowledge
    rules = knowledge.model.spasm_or_strain
    source = join_sources(rules.source)
    clues = [clue for clue in rules.strain_clues if context.present(clue.code)]
    if clues:
        top = max(clues, key=lambda clue: clue.grade)
        label = knowledge.label(top.code)
        if any_holds(rules.strain_when, context):
            values = {"clue": label, "grade": top.grade, "grade_label": top.label}
            text = render(rules.reason_strain, values)
            return Kind.STRAIN, top.grade, (Reason("kind", Kind.STRAIN.value, text, source),)
        text = render(rules.reason_strain_unsupported, {"clue": label})
        return Kind.UNCLEAR, None, (Reason("kind", Kind.UNCLEAR.value, text, source),)
    if any_holds(rules.spasm_when, context):
        return Kind.SPASM, None, (Reason("kind", Kind.SPASM.value, rules.reason_spasm, source),)
    return Kind.UNCLEAR, None, (Reason("kind", Kind.UNCLEAR.value, rules.reason_unclear, source),)


def grade_label(knowledge: Knowledge, grade: int) -> str:
    """The article's plain description of a strain grade."""
    for clue in knowledge.model.spasm_or_strain.strain_clues:
        if clue.grade == grade:
            return str(clue.label)
    raise KeyError(grade)


def mechanism_reasons(facts: Facts, knowledge: Knowledge) -> tuple[Reason, ...]:
    """What the article says about how the visitor's back trouble started, if they said."""
    if facts.mechanism is None:
        return ()
    entry = knowledge.mechanisms[facts.mechanism]
    return (Reason("mechanism", entry.code, entry.note, join_sources(entry.source)),)
