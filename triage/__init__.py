"""Clinical triage for lower back pain: pure Python, driven entirely by knowledge.yml.

No Rasa import here: the chat adapters call the engine, never the other way round.
"""

from triage.assessment import AdviceItem, Assessment, Reason, Recommendation
from triage.engine import TriageEngine
from triage.facts import Facts
from triage.findings import Mention, merge_findings
from triage.knowledge import Knowledge, KnowledgeError, default_knowledge, load_knowledge
from triage.vocabulary import Kind, Presence, Severity, TestAnswer, Urgency

__all__ = [
    "AdviceItem",
    "Assessment",
    "Facts",
    "Kind",
    "Knowledge",
    "KnowledgeError",
    "Mention",
    "Presence",
    "Reason",
    "Recommendation",
    "Severity",
    "TestAnswer",
    "TriageEngine",
    "Urgency",
    "default_knowledge",
    "load_knowledge",
    "merge_findings",
]
