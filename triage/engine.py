"""The triage engine: facts in, assessment out. Deterministic and pure.

Rules run in a fixed order (red flags, self-tests, severity, differentials, spasm or strain,
urgency, advice) and iterate over the knowledge file, never over the visitor's dicts, so the same
answers always give the same result however they were collected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from triage.advice import recommend, select_advice
from triage.assessment import Assessment
from triage.conditions import Context
from triage.differential import rank_differentials
from triage.explanations import explain
from triage.facts import Facts, check_codes
from triage.knowledge import Knowledge, load_knowledge
from triage.movement_tests import movement_reasons, positive_tests, skip_movement_tests
from triage.questions import open_questions, question_text
from triage.red_flags import find_red_flags
from triage.severity import grade_severity
from triage.spasm_or_strain import classify, mechanism_reasons
from triage.urgency import decide_urgency


class TriageEngine:
    """Applies one knowledge file to the visitor's facts."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge

    @classmethod
    def from_file(cls, path: Path | str | None = None) -> TriageEngine:
        """An engine for `path`, else $TRIAGE_KNOWLEDGE_FILE, else the packaged knowledge.yml.

        Raises KnowledgeError naming the broken entry.
        """
        return cls(load_knowledge(path))

    @property
    def knowledge(self) -> Knowledge:
        """The validated knowledge: labels, movement tests, questions and rules for the chat."""
        return self._knowledge

    def facts(self, data: Mapping[str, Any]) -> Facts:
        """Facts from chat-slot values, checked against this engine's vocabulary."""
        return Facts.from_plain(data, self._knowledge)

    def assess(self, facts: Facts) -> Assessment:
        """The assessment; raises ValueError if the facts use an undeclared code."""
        return self._run(facts)[0]

    def next_questions(self, facts: Facts) -> tuple[str, ...]:
        """The guided questions still open, in order; empty once the result is urgent or worse."""
        assessment, context = self._run(facts)
        skip = skip_movement_tests(context)
        return open_questions(facts, self._knowledge, assessment.urgency, skip)

    def question_text(self, question_id: str) -> str:
        """What to ask for a question id (screen questions list their warning signs)."""
        return question_text(self._knowledge, question_id)

    def explain(self, assessment: Assessment) -> list[str]:
        """Short summary lines: what the answers suggest and who confirms it."""
        return explain(assessment, self._knowledge)

    def _run(self, facts: Facts) -> tuple[Assessment, Context]:
        knowledge = self._knowledge
        check_codes(facts, knowledge)
        flags = find_red_flags(facts, knowledge)
        positives = positive_tests(facts, knowledge)
        context = Context(facts, knowledge, positives, flags.unsure_levels)
        severity, severity_reasons = grade_severity(context)
        context = replace(context, severity=severity)
        differentials, differential_reasons = rank_differentials(facts, knowledge)
        context = replace(context, differentials=differentials)
        kind, grade, kind_reasons = classify(context)
        context = replace(context, kind=kind, strain_grade=grade)
        urgency, urgency_reasons = decide_urgency(flags, context)
        advice_do, advice_dont = select_advice(context, urgency)
        reasons = (
            flags.reasons
            + urgency_reasons
            + movement_reasons(facts, knowledge, positives)
            + kind_reasons
            + mechanism_reasons(facts, knowledge)
            + severity_reasons
            + differential_reasons
        )
        assessment = Assessment(
            red_flags=flags.flags,
            urgency=urgency,
            kind=kind,
            strain_grade=grade,
            severity=severity,
            differentials=differentials,
            mechanism=facts.mechanism,
            advice_do=advice_do,
            advice_dont=advice_dont,
            recommendation=recommend(urgency, knowledge),
            reasons=reasons,
        )
        return assessment, context
