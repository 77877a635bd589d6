"""Plain-words summary lines for the chat.

Every line says what the answers SUGGEST and who confirms it; a chat assistant never tells someone
what they have. With an emergency or urgent result only that line is shown, so nothing distracts
from getting help.
"""

from __future__ import annotations

from triage.assessment import Assessment
from triage.knowledge import Knowledge
from triage.spasm_or_strain import grade_label
from triage.texts import join_labels, render
from triage.vocabulary import Kind, Severity, Urgency


def explain(assessment: Assessment, knowledge: Knowledge) -> list[str]:
    """The summary lines, most important first."""
    texts = knowledge.model.explanations
    if assessment.urgency in (Urgency.EMERGENCY, Urgency.URGENT):
        level = assessment.urgency.value
        labels = [
            knowledge.label(code)
            for code in assessment.red_flags
            if knowledge.flag_level(code) == level
        ]
        template = texts.emergency if level == Urgency.EMERGENCY.value else texts.urgent
        return [render(template, {"signs": join_labels(labels, texts.list_and)})]
    lines = [_kind_line(assessment, knowledge)]
    if assessment.severity is not Severity.UNKNOWN:
        label = next(
            entry.label
            for entry in knowledge.model.severity.levels
            if entry.level == assessment.severity
        )
        lines.append(render(texts.severity, {"severity": label}))
    lines += [
        render(texts.differential, {"label": knowledge.label(code)})
        for code in assessment.differentials
    ]
    lines.append(texts.routine if assessment.urgency is Urgency.ROUTINE else texts.self_care)
    return [str(line) for line in lines]


def _kind_line(assessment: Assessment, knowledge: Knowledge) -> str:
    texts = knowledge.model.explanations
    if assessment.kind is Kind.STRAIN and assessment.strain_grade is not None:
        grade = assessment.strain_grade
        return render(texts.strain, {"grade": grade, "grade_label": grade_label(knowledge, grade)})
    if assessment.kind is Kind.SPASM:
        return str(texts.spasm)
    return str(texts.unclear)
