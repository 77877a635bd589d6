"""Final clean-up of candidate mentions (spaCy factory ``clinical_resolver``).

Runs after ``negation_scope`` and writes the final mentions to ``doc.spans[output_key]``
(default ``"clinical"``), which is what :func:`clinical_nlp.extract.extract_mentions` reads:

* drops ``_exclude`` entities ("fell asleep", "numb to my jokes") from ``doc.ents`` and every
  overlay/topic span they cover;
* drops pain scores that are counts or measures ("about 8 boxes", "pain for 15 years");
* drops a duration inside a clinical entity: "every few months" is a recurrence and "sitting for
  hours" a mechanism, not how long the problem has lasted;
* keeps the longest overlay span per label where spans of one label overlap ("left leg" vs "leg"
  are different labels and both stay), and drops a ``test_result`` "fine" when the same message
  reports an affirmed pain, tension or loss of control ("a bit of tension but no pain");
* keeps a topic mention ("my bladder") only if it does not overlap a clinical entity and it is
  negated or uncertain ("my bladder is fine"); an affirmed bare topic says nothing.
"""


from typing import Dict, Iterable, List

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from clinical_nlp.numbers import is_plausible_pain_score
from clinical_nlp.pattern_files import EXCLUDE_LABEL

PAIN_SCORE_LABEL = "pain_score"
TEST_RESULT_LABEL = "test_result"
TEST_RESULT_FINE = "fine"
DURATION_LABEL = "duration"


@Language.factory(
    "clinical_resolver",
    default_config={
        "overlay_key": "clinical_overlay",
        "topic_key": "clinical_topics",
        "output_key": "clinical",
        "exclude_label": EXCLUDE_LABEL,
    },
)
def make_clinical_resolver(
    nlp: Language,
    name: str,
    overlay_key: str,
    topic_key: str,
    output_key: str,
    exclude_label: str,
) -> "ClinicalResolver":
    return ClinicalResolver(
        name,
        overlay_key=overlay_key,
        topic_key=topic_key,
        output_key=output_key,
        exclude_label=exclude_label,
    )


def _overlaps(span: Span, others: Iterable[Span]) -> bool:
    return any(span.start < other.end and other.start < span.end for other in others)


def _inside_any(span: Span, others: Iterable[Span]) -> bool:
    return any(other.start <= span.start and span.end <= other.end for other in others)


class ClinicalResolver:
    """Turns the rulers' candidates into the final, role-annotated mentions."""

    def __init__(
        self,
        name: str = "clinical_resolver",
        *,
        overlay_key: str = "clinical_overlay",
        topic_key: str = "clinical_topics",
        output_key: str = "clinical",
        exclude_label: str = EXCLUDE_LABEL,
    ) -> None:
        self.name = name
        self.overlay_key = overlay_key
        self.topic_key = topic_key
        self.output_key = output_key
        self.exclude_label = exclude_label

    def __call__(self, doc: Doc) -> Doc:
        excluded = [e for e in doc.ents if e.label_ == self.exclude_label]
        entities = [
            e
            for e in doc.ents
            if e.label_ != self.exclude_label
            and (e.label_ != PAIN_SCORE_LABEL or is_plausible_pain_score(e))
        ]
        if len(entities) != len(doc.ents):
            doc.set_ents(entities, default="outside")

        overlay: List[Span] = []
        if self.overlay_key in doc.spans:
            by_label: Dict[str, List[Span]] = {}
            for span in doc.spans[self.overlay_key]:
                if _overlaps(span, excluded):
                    continue
                if span.label_ == DURATION_LABEL and _inside_any(span, entities):
                    continue  # "every few months" (recurrent), "sitting for hours" (mechanism)
                by_label.setdefault(span.label_, []).append(span)
            for spans in by_label.values():
                overlay.extend(filter_spans(spans))
            overlay = self._drop_fine_beside_findings(overlay)

        topics: List[Span] = []
        if self.topic_key in doc.spans:
            candidates = [
                span
                for span in doc.spans[self.topic_key]
                if span._.role is not None
                and not _overlaps(span, excluded)
                and not _overlaps(span, entities)
            ]
            topics = filter_spans(candidates)

        final = sorted(
            [*entities, *overlay, *topics], key=lambda s: (s.start, s.end, s.label_)
        )
        doc.spans[self.output_key] = final
        return doc

    @staticmethod
    def _drop_fine_beside_findings(overlay: List[Span]) -> List[Span]:
        """ "a bit of tension but no pain": the finding wins over the "fine" ("no pain")."""
        results = [s for s in overlay if s.label_ == TEST_RESULT_LABEL and s._.role is None]
        if not any(s.id_ != TEST_RESULT_FINE for s in results):
            return overlay
        return [
            s
            for s in overlay
            if not (s.label_ == TEST_RESULT_LABEL and s.id_ == TEST_RESULT_FINE)
        ]

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)
