"""NegEx-style negation and uncertainty scoping as a spaCy component (factory ``negation_scope``).

For every candidate mention (``doc.ents`` plus the span groups named in ``span_keys``) the
component sets ``Span._.role`` to ``None`` (affirmed), ``"negated"`` or ``"uncertain"``.

Trigger phrases come from a data file (``triggers.yml`` in this package, or ``triggers_path``) and
are matched on spaCy's ``NORM`` attribute, so "don't", "dont" (also with a curly apostrophe) and
"do not" are one phrase. The trigger set is serialised with the pipeline (``to_disk``), so a saved
pipeline keeps the triggers it was built with.

Scope rules:

* pre-triggers ("no", "denies", "not sure about") reach forward over at most ``max_pre_gap``
  non-entity words; post-triggers ("is fine", "I think") reach back to the nearest mention and
  to mentions coordinated with it ("bladder and bowels are fine"); bare post-words ("ok",
  "normal": ``post_negation_topic``) negate only bare topic mentions ("bladder ok"), never a
  reported finding ("weak legs, normal bladder");
* scopes end at sentence punctuation, terminators ("but", "apart from", "actually"), another
  trigger, ", / and" + a new clause ("no numbness, my legs are weak"), and at a comma that does
  not continue a list ("no pain, numb bum" does not negate the numbness);
* triggers inside or overlapping a clinical entity (``doc.ents``) are ignored: "can't feel when I
  need to wee" and "no control over my bladder" are affirmed findings;
* pseudo-triggers ("not only", "can't", "no longer able") are matched so they block the shorter
  trigger they contain, and then do nothing;
* if a mention is both negated and uncertain, it is uncertain (the assistant asks again).
"""


import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

import srsly
import yaml
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

NEGATED = "negated"
UNCERTAIN = "uncertain"
ROLES = (NEGATED, UNCERTAIN)

DEFAULT_TRIGGERS_PATH = Path(__file__).resolve().parent / "triggers.yml"
TRIGGERS_FILENAME = "triggers.json"

PHRASE_KINDS = (
    "pre_negation",
    "post_negation",
    "post_negation_topic",
    "pre_uncertainty",
    "post_uncertainty",
    "pseudo",
    "terminators",
)
WORD_KINDS = ("clause_starters", "clause_coordinators")
# sentence punctuation, including the ellipsis, em dash and en dash characters
_SENTENCE_END = frozenset(
    {".", "!", "?", ";", ":", "...", "\u2026", "\u2014", "\u2013", "!!", "??", "?!"}
)
_LIST_COORDINATORS = frozenset({"or", "nor", "and", "&", "/", "n", "plus"})
_CHAIN_COORDINATORS = frozenset({",", "and", "or", "nor", "&", "/", "n", "plus"})

if not Span.has_extension("role"):
    Span.set_extension("role", default=None)


class TriggerFileError(ValueError):
    """The trigger data file is missing or invalid."""


@dataclass(frozen=True)
class Triggers:
    """Trigger phrases and scope settings, as read from the data file."""

    pre_negation: Tuple[str, ...]
    post_negation: Tuple[str, ...]
    post_negation_topic: Tuple[str, ...]
    pre_uncertainty: Tuple[str, ...]
    post_uncertainty: Tuple[str, ...]
    pseudo: Tuple[str, ...]
    terminators: Tuple[str, ...]
    clause_starters: Tuple[str, ...]
    clause_coordinators: Tuple[str, ...]
    max_pre_gap: int = 5
    max_post_gap: int = 4
    uncertainty_exempt_labels: Tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> Dict[str, Any]:
        """The data-file layout (phrase lists plus a ``settings`` mapping)."""
        data = asdict(self)
        settings = {
            key: data.pop(key)
            for key in ("max_pre_gap", "max_post_gap", "uncertainty_exempt_labels")
        }
        settings["uncertainty_exempt_labels"] = list(settings["uncertainty_exempt_labels"])
        result: Dict[str, Any] = {key: list(value) for key, value in data.items()}
        result["settings"] = settings
        return result

    @classmethod
    def from_dict(cls, data: Dict[str, Any], source: str = "<triggers>") -> "Triggers":
        if not isinstance(data, dict):
            raise TriggerFileError(f"{source}: expected a mapping at the top level")
        settings = data.get("settings") or {}
        if not isinstance(settings, dict):
            raise TriggerFileError(f"{source}: 'settings' must be a mapping")
        flat = {**data, **settings}
        values: Dict[str, Any] = {}
        for key in PHRASE_KINDS + WORD_KINDS:
            items = flat.get(key)
            if not isinstance(items, list) or not items:
                raise TriggerFileError(f"{source}: '{key}' must be a non-empty list of phrases")
            cleaned: List[str] = []
            for index, item in enumerate(items):
                if not isinstance(item, str) or not item.strip():
                    raise TriggerFileError(
                        f"{source}: '{key}' item {index + 1} must be a non-empty string"
                    )
                cleaned.append(" ".join(item.lower().split()))
            values[key] = tuple(dict.fromkeys(cleaned))
        for key in ("max_pre_gap", "max_post_gap"):
            raw = flat.get(key, getattr(cls, key))
            if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= 20:
                raise TriggerFileError(f"{source}: '{key}' must be an integer from 0 to 20")
            values[key] = raw
        exempt = flat.get("uncertainty_exempt_labels", [])
        if not isinstance(exempt, list) or not all(isinstance(x, str) for x in exempt):
            raise TriggerFileError(f"{source}: 'uncertainty_exempt_labels' must be a list")
        values["uncertainty_exempt_labels"] = tuple(exempt)
        unknown = set(data) - set(PHRASE_KINDS) - set(WORD_KINDS) - {"settings"}
        if unknown:
            raise TriggerFileError(f"{source}: unknown key(s) {sorted(unknown)}")
        return cls(**values)


def load_triggers(path: Optional[Union[str, Path]] = None) -> Triggers:
    """Reads a trigger file (YAML or JSON); defaults to the packaged ``triggers.yml``."""
    path = DEFAULT_TRIGGERS_PATH if path is None else Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TriggerFileError(f"{path}: cannot read trigger file: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise TriggerFileError(f"{path}: invalid trigger file: {exc}") from exc
    return Triggers.from_dict(data, source=str(path))


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    kinds: frozenset  # of PHRASE_KINDS

    @property
    def length(self) -> int:
        return self.end - self.start


@Language.factory(
    "negation_scope",
    default_config={
        "triggers_path": None,
        "span_keys": ["clinical_overlay", "clinical_topics"],
        "topic_keys": ["clinical_topics"],
    },
)
def make_negation_scope(
    nlp: Language,
    name: str,
    triggers_path: Optional[str],
    span_keys: List[str],
    topic_keys: List[str],
) -> "NegationScope":
    return NegationScope(
        nlp, name, triggers_path=triggers_path, span_keys=span_keys, topic_keys=topic_keys
    )


class NegationScope:
    """Sets ``Span._.role`` on ``doc.ents`` and on the spans of ``span_keys``."""

    def __init__(
        self,
        nlp: Language,
        name: str = "negation_scope",
        *,
        triggers_path: Optional[str] = None,
        span_keys: Sequence[str] = ("clinical_overlay", "clinical_topics"),
        topic_keys: Sequence[str] = ("clinical_topics",),
        triggers: Optional[Triggers] = None,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.span_keys = list(span_keys)
        self.topic_keys = list(topic_keys)
        self.triggers = triggers if triggers is not None else load_triggers(triggers_path)
        self._build_matcher()

    # -- setup ----------------------------------------------------------------------------------
    def set_triggers(self, triggers: Triggers) -> None:
        """Replaces the trigger set (e.g. one read from a custom file)."""
        self.triggers = triggers
        self._build_matcher()

    def _build_matcher(self) -> None:
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        for kind in PHRASE_KINDS:
            phrases = getattr(self.triggers, kind)
            self.matcher.add(kind, [self.nlp.make_doc(p) for p in phrases])
        self._starters = self._norms(self.triggers.clause_starters)
        self._coordinators = self._norms(self.triggers.clause_coordinators)
        self._exempt = frozenset(self.triggers.uncertainty_exempt_labels)

    def _norms(self, words: Iterable[str]) -> frozenset:
        norms: Set[str] = set()
        for word in words:
            doc = self.nlp.make_doc(word)
            norms.update(t.norm_ for t in doc)
            norms.update(t.lower_ for t in doc)
        return frozenset(norms)

    # -- serialisation: the trigger set travels with the saved pipeline -------------------------
    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.json_dumps(self.triggers.to_dict()).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = tuple()) -> "NegationScope":
        self.triggers = Triggers.from_dict(srsly.json_loads(data), source="<bytes>")
        self._build_matcher()
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        directory = ensure_path(path)
        directory.mkdir(parents=True, exist_ok=True)
        srsly.write_json(directory / TRIGGERS_FILENAME, self.triggers.to_dict())

    def from_disk(
        self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()
    ) -> "NegationScope":
        file = ensure_path(path) / TRIGGERS_FILENAME
        self.triggers = Triggers.from_dict(srsly.read_json(file), source=str(file))
        self._build_matcher()
        return self

    # -- processing -----------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        candidates = self._candidates(doc)
        if not candidates:
            return doc
        entity_tokens = self._covered(doc.ents, len(doc))
        triggers = self._select_triggers(doc, entity_tokens)
        trigger_at_start = {m.start: m for m in triggers}
        trigger_at_end = {m.end - 1: m for m in triggers}
        covered = self._covered(candidates, len(doc))
        stops = self._stops(doc, triggers, entity_tokens)
        # Roles are stored per character offsets, so an overlay span covering exactly the same
        # words as a topic ("Legs" as body_site and as topic) is treated as that topic; the
        # clinical entities (doc.ents, processed last) never are.
        topic_offsets = {
            (s.start, s.end) for key in self.topic_keys if key in doc.spans for s in doc.spans[key]
        }
        first_entity = len(candidates) - len(doc.ents)
        for index, span in enumerate(candidates):
            roles = {
                self._pre_role(span, trigger_at_end, stops, covered),
                self._post_role(
                    doc,
                    span,
                    candidates,
                    trigger_at_start,
                    stops,
                    covered,
                    is_topic=index < first_entity and (span.start, span.end) in topic_offsets,
                ),
            }
            if UNCERTAIN in roles and span.label_ not in self._exempt:
                span._.role = UNCERTAIN
            elif NEGATED in roles:
                span._.role = NEGATED
            else:
                span._.role = None
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)

    def _candidates(self, doc: Doc) -> List[Span]:
        """Span groups first, ``doc.ents`` last: ``Span._.role`` is stored per character offsets,
        so where a topic and an entity cover the same characters the entity's role wins."""
        spans: List[Span] = []
        for key in reversed(self.span_keys):
            if key in doc.spans:
                spans.extend(doc.spans[key])
        spans.extend(doc.ents)
        return spans

    @staticmethod
    def _covered(spans: Iterable[Span], length: int) -> List[bool]:
        covered = [False] * length
        for span in spans:
            for i in range(span.start, span.end):
                covered[i] = True
        return covered

    def _select_triggers(self, doc: Doc, entity_tokens: List[bool]) -> List[_Match]:
        by_span: Dict[Tuple[int, int], Set[str]] = {}
        for match_id, start, end in self.matcher(doc):
            by_span.setdefault((start, end), set()).add(self.nlp.vocab.strings[match_id])
        matches = [
            _Match(start, end, frozenset(kinds))
            for (start, end), kinds in by_span.items()
            # a trigger inside or overlapping a clinical entity is part of that finding
            if not any(entity_tokens[start:end])
        ]
        matches.sort(key=lambda m: (-m.length, m.start))
        chosen: List[_Match] = []
        taken = [False] * len(doc)
        for match in matches:
            if any(taken[match.start : match.end]):
                continue
            chosen.append(match)
            for i in range(match.start, match.end):
                taken[i] = True
        return sorted(chosen, key=lambda m: m.start)

    def _stops(self, doc: Doc, triggers: List[_Match], entity_tokens: List[bool]) -> List[bool]:
        """Tokens that end a scope (outside entities)."""
        stops = [False] * len(doc)
        for match in triggers:
            if "terminators" in match.kinds:
                for i in range(match.start, match.end):
                    stops[i] = True
        for i, token in enumerate(doc):
            if entity_tokens[i]:
                continue
            sentence_end = token.text in _SENTENCE_END or (token.is_space and "\n" in token.text)
            spaced_dash = token.text == "-" and bool(token.whitespace_) and i > 0
            if sentence_end or (spaced_dash and bool(doc[i - 1].whitespace_)):
                stops[i] = True
            elif token.norm_ in self._coordinators or token.lower_ in self._coordinators:
                following = self._next_word(doc, i)
                if following is not None and (
                    following.norm_ in self._starters or following.lower_ in self._starters
                ):
                    stops[i] = True
        return stops

    @staticmethod
    def _next_word(doc: Doc, i: int) -> Optional[Any]:
        for token in doc[i + 1 :]:
            if not token.is_space:
                return token
        return None

    def _list_continues(self, doc: Doc, comma: int, limit: int, stops: List[bool]) -> bool:
        """A comma continues a scope only in a list closed by "or"/"and": "no A, B or C"."""
        for j in range(comma + 1, min(limit, len(doc))):
            if stops[j]:
                return False
            if doc[j].lower_ in _LIST_COORDINATORS:
                return True
        return False

    def _pre_role(
        self,
        span: Span,
        trigger_at_end: Dict[int, _Match],
        stops: List[bool],
        covered: List[bool],
    ) -> Optional[str]:
        doc = span.doc
        gap = 0
        j = span.start - 1
        while j >= 0:
            match = trigger_at_end.get(j)
            if match is not None:
                if "pre_uncertainty" in match.kinds:
                    return UNCERTAIN
                if "pre_negation" in match.kinds:
                    return NEGATED
                return None  # pseudo, terminator or post-trigger: the scope is closed
            if stops[j]:
                return None
            if not covered[j]:
                if doc[j].text == "," and not self._list_continues(doc, j, j + 15, stops):
                    return None
                gap += 1
                if gap > self.triggers.max_pre_gap:
                    return None
            j -= 1
        return None

    def _post_role(
        self,
        doc: Doc,
        span: Span,
        candidates: List[Span],
        trigger_at_start: Dict[int, _Match],
        stops: List[bool],
        covered: List[bool],
        is_topic: bool,
    ) -> Optional[str]:
        """Walks forward from the mention over coordinated mentions to a post-trigger."""
        gap = 0
        j = span.end
        in_list = False  # after a coordinator, before the next mention
        while j < len(doc):
            match = trigger_at_start.get(j)
            if match is not None:
                if "post_uncertainty" in match.kinds:
                    return UNCERTAIN
                if "post_negation" in match.kinds:
                    return NEGATED
                if "post_negation_topic" in match.kinds and is_topic:
                    return NEGATED  # "bladder ok": a bare word negates only a bare topic
                return None  # a pre-trigger, pseudo-trigger or terminator closes the scope
            if doc[j].text == ",":
                after = trigger_at_start.get(j + 1)
                if after is not None and "post_uncertainty" in after.kinds:
                    return UNCERTAIN  # "numb bum, I think"
                if (
                    after is not None
                    and is_topic
                    and after.kinds & {"post_negation", "post_negation_topic"}
                ):
                    return NEGATED  # "bladder and bowels, no problems"
            if stops[j]:
                return None
            if covered[j]:
                covering = [s for s in candidates if s.start <= j < s.end]
                # a span that started earlier overlaps what we walked: same mention group
                if not in_list and not any(s.start < j for s in covering):
                    return None  # a separate mention not joined by "and"/"or"/","
                j = max(s.end for s in covering)
                in_list = False
                gap = 0
                continue
            token = doc[j]
            if token.lower_ in _CHAIN_COORDINATORS:
                if token.text == "," and not self._comma_joins_subjects(doc, j, trigger_at_start):
                    return None
                in_list = True
            else:
                if in_list:
                    return None
                gap += 1
                if gap > self.triggers.max_post_gap:
                    return None
            j += 1
        return None

    @staticmethod
    def _comma_joins_subjects(doc: Doc, comma: int, trigger_at_start: Dict[int, _Match]) -> bool:
        """ "legs, bladder and bowels are fine": a list closed by and/or before the trigger."""
        for j in range(comma + 1, len(doc)):
            if j in trigger_at_start:
                return False
            if doc[j].lower_ in _LIST_COORDINATORS:
                return True
            if doc[j].text in _SENTENCE_END:
                return False
        return False

