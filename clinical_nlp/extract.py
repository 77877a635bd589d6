"""Turns a processed document into plain :class:`Mention` records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from clinical_nlp.numbers import normalise_pain_score
from clinical_nlp.resolver import PAIN_SCORE_LABEL

OUTPUT_KEY = "clinical"


@dataclass(frozen=True)
class Mention:
    """One clinical mention: ``entity`` type, ``value`` code, character offsets and role.

    ``role`` is ``None`` when affirmed, else ``"negated"`` or ``"uncertain"``.
    """

    entity: str
    value: str
    start: int
    end: int
    text: str
    role: Optional[str] = None


def _value(span: Span) -> Optional[str]:
    if span.label_ == PAIN_SCORE_LABEL:
        return normalise_pain_score(span.text)
    return span.id_ or span.ent_id_ or None


def mentions_from_doc(doc: Doc, key: str = OUTPUT_KEY) -> List[Mention]:
    """The mentions of a document processed by the clinical pipeline."""
    spans: Iterable[Span] = doc.spans.get(key, doc.ents)
    mentions: List[Mention] = []
    seen: Set[Tuple[str, str, int, int]] = set()
    for span in spans:
        value = _value(span)
        if not value:
            continue
        identity = (span.label_, value, span.start_char, span.end_char)
        if identity in seen:
            continue
        seen.add(identity)
        mentions.append(
            Mention(
                entity=span.label_,
                value=value,
                start=span.start_char,
                end=span.end_char,
                text=span.text,
                role=span._.role,
            )
        )
    mentions.sort(key=lambda m: (m.start, m.end, m.entity, m.value))
    return mentions


def extract_mentions(nlp: Language, text: str) -> List[Mention]:
    """Runs the pipeline on ``text`` and returns its mentions in text order."""
    if not text or not text.strip():
        return []
    return mentions_from_doc(nlp(text))
