"""A case-folding wrapper around spaCy's English tokenizer.

spaCy's contraction exceptions are case-sensitive: "can't" splits into "ca" + "n't" (normalised
to "can" + "not") but "CAN'T" and "CANT" stay one token, so shouted messages ("I CAN'T FEEL WHEN I
NEED TO WEE") would slip past the patterns and the negation triggers. This tokenizer finds token
boundaries and norms on a lower-cased copy of the text and builds the ``Doc`` from the original
characters, so offsets and ``token.text`` are unchanged.
"""

from pathlib import Path
from typing import Any, Callable, Iterable, Union

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import registry

TOKENIZER_NAME = "clinical_nlp.CaseFoldingTokenizer.v1"


def fold_case(text: str) -> str:
    """Lower-cases character by character, keeping the length (and so every offset)."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class CaseFoldingTokenizer:
    """Tokenizes the case-folded text; the returned ``Doc`` keeps the original characters."""

    def __init__(self, inner: Tokenizer) -> None:
        self.inner = inner
        self.vocab = inner.vocab

    def __call__(self, text: str) -> Doc:
        folded_doc = self.inner(fold_case(text))
        if folded_doc.text == text:
            return folded_doc
        words = [text[t.idx : t.idx + len(t.text)] for t in folded_doc]
        spaces = [bool(t.whitespace_) for t in folded_doc]
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for token, folded in zip(doc, folded_doc, strict=True):
            if token.norm_ != folded.norm_:
                token.norm_ = folded.norm_
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable[Doc]:
        for text in texts:
            yield self(text)

    # serialisation delegates to the wrapped tokenizer
    def to_bytes(self, **kwargs: Any) -> bytes:
        return self.inner.to_bytes(**kwargs)

    def from_bytes(self, data: bytes, **kwargs: Any) -> "CaseFoldingTokenizer":
        self.inner.from_bytes(data, **kwargs)
        return self

    def to_disk(self, path: Union[str, Path], **kwargs: Any) -> None:
        self.inner.to_disk(path, **kwargs)

    def from_disk(self, path: Union[str, Path], **kwargs: Any) -> "CaseFoldingTokenizer":
        self.inner.from_disk(path, **kwargs)
        return self


@registry.tokenizers(TOKENIZER_NAME)
def create_case_folding_tokenizer() -> Callable[[Language], CaseFoldingTokenizer]:
    make_default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def create(nlp: Language) -> CaseFoldingTokenizer:
        return CaseFoldingTokenizer(make_default(nlp))

    return create
