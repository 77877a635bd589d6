"""Runs only the entity patterns that can match a message.

spaCy's token Matcher starts every one of the ~3,000 clinical token patterns at every token
of a message: two thirds of the clinical pipeline's time, and about a twelfth of the Rasa
server's CPU per turn (py-spy). Most patterns need a word the message does not contain: a
token with no `OP` (or `+`) whose `LOWER` or `NORM` must equal a word or be one of a list.
Such a pattern is filed under those words (its anchor); for a message, only the patterns
filed under its words, and the few without an anchor, are run, each group by a small Matcher
of its own. A pattern left out needs a word the message lacks, so it could not have matched:
the matches are the same set as spaCy's.

The EntityRuler then sorts the set by (length, start), which orders all matches but those
sharing a span (different labels on the same words); their order came from Python's set, so
when such a tie appears the ruler's own full match runs instead, and the entities are always
the ones spaCy would have set. A unit test compares both on the training data and on generated
messages. Applied when the pipeline is built or loaded; nothing of it is saved.
"""

from __future__ import annotations

import functools
import warnings
from collections import defaultdict
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc

Anchor = Tuple[str, str]  # (token attribute, value)
Match = Tuple[int, int, int]  # (match id, start, end)
ANCHOR_ATTRS = ("LOWER", "NORM")
REQUIRED_OPS = (None, "+", "1")


def token_anchor(token: Dict[str, Any]) -> Optional[FrozenSet[Anchor]]:
    """The values one of which a message must contain for this token to match, if any."""
    if token.get("OP") not in REQUIRED_OPS:
        return None
    for attr in ANCHOR_ATTRS:
        value = token.get(attr)
        if isinstance(value, str):
            return frozenset({(attr, value)})
        if isinstance(value, dict) and set(value) == {"IN"} and \
                all(isinstance(v, str) for v in value["IN"]):
            return frozenset((attr, v) for v in value["IN"])
    return None


def pattern_anchor(pattern: List[Dict[str, Any]]) -> Optional[FrozenSet[Anchor]]:
    """The pattern's most selective anchor (fewest values), or None if it has none."""
    anchors = [a for a in (token_anchor(token) for token in pattern) if a]
    return min(anchors, key=len) if anchors else None


def message_anchors(doc: Doc) -> Set[Anchor]:
    return {(attr, value) for token in doc
            for attr, value in (("LOWER", token.lower_), ("NORM", token.norm_))}


class AnchoredMatcher:
    """The token patterns of an EntityRuler, filed under their anchors."""

    def __init__(self, vocab: Any, keyed_patterns: Iterable[Tuple[str, List[Dict[str, Any]]]]
                 ) -> None:
        self.vocab = vocab
        # One list of predicates (`IN` sets, regexes) for all the matchers: each would keep
        # its own copies otherwise (38 MB instead of a few). A matcher refers to its
        # predicates by their place in this list and hands the list over when it runs.
        self.predicates: List[Any] = []
        self.unanchored = self.new_matcher()
        self.by_anchor: Dict[Anchor, Matcher] = {}
        grouped: Dict[Anchor, Dict[str, List[Any]]] = defaultdict(lambda: defaultdict(list))
        for key, pattern in keyed_patterns:
            anchor = pattern_anchor(pattern)
            if anchor is None:
                self.unanchored.add(key, [pattern])
                continue
            for value in anchor:
                grouped[value][key].append(pattern)
        for value, patterns in grouped.items():
            matcher = self.new_matcher()
            for key, group in patterns.items():
                matcher.add(key, group)
            self.by_anchor[value] = matcher

    def new_matcher(self) -> Matcher:
        matcher = Matcher(self.vocab)
        matcher._extra_predicates = self.predicates  # type: ignore[attr-defined]
        return matcher

    def __call__(self, doc: Doc) -> List[Match]:
        matches: List[Match] = list(self.unanchored(doc)) if len(self.unanchored) else []
        for anchor in message_anchors(doc):
            matcher = self.by_anchor.get(anchor)
            if matcher is not None:
                matches.extend(matcher(doc))
        return matches


def has_shared_spans(matches: Iterable[Match]) -> bool:
    spans: Set[Tuple[int, int]] = set()
    for _, start, end in matches:
        if (start, end) in spans:
            return True
        spans.add((start, end))
    return False


def anchored_match(ruler: EntityRuler, anchored: AnchoredMatcher, doc: Doc) -> List[Match]:
    """spaCy 3.4.4's `EntityRuler.match`, token patterns through the anchored matcher."""
    ruler._require_patterns()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="\\[W036")
        matches = anchored(doc) + list(ruler.phrase_matcher(doc))
    final_matches = {(m_id, start, end) for m_id, start, end in matches if start != end}
    if has_shared_spans(final_matches):
        return EntityRuler.match(ruler, doc)  # its order among equal spans is its own
    return sorted(final_matches, key=lambda m: (m[2] - m[1], -m[1]), reverse=True)


def install(nlp: Language) -> None:
    """Gives each EntityRuler of `nlp` the anchored match (not saved with the pipeline)."""
    for _, component in nlp.pipeline:
        if type(component) is EntityRuler:
            keyed = [(key, pattern) for key, patterns in component.token_patterns.items()
                     for pattern in patterns]
            component.match = functools.partial(  # type: ignore[method-assign]
                anchored_match, component, AnchoredMatcher(nlp.vocab, keyed))
