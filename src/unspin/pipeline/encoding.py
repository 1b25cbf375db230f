"""The one encoder pass of a document, shared by the model stages (techniques, narratives,
roles).

Not a stage of its own: the first model stage that runs on a Doc calls
:func:`document_encoding`, which cuts the document into sentences (:func:`sentence_spans`),
sends them through the encoder once (:func:`unspin.encoder.encode_document`, batched
across the document) and leaves the :class:`~unspin.encoder.Encoding` on the Doc as
``doc._.encoding``; every later stage reads that same object. So a document costs one
pass whichever model stages run, and a run without them loads no encoder at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from spacy.tokens import Doc

if TYPE_CHECKING:
    from unspin.encoder import Encoding

__all__ = ["document_encoding", "document_sentences", "sentence_spans"]

#: An ellipsis that ends a sentence: "…" or "..." then space and a capital (or an opening
#: quote and a capital). The small parser glues such sentences together, and a glued
#: sentence reads as neither of its halves to the encoder (on our own check, a sentence
#: about sanctions went from cosine 0.67 with the sanctions subnarrative's wording to 0.46
#: once glued to the one before it).
_ELLIPSIS_END = re.compile(r"(?:…|\.\.\.)(?=\s+[\"“‘']?[A-Z])")


def sentence_spans(text: str, raw: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences as ``[start, end)``: the parser's, also cut at line breaks (a headline
    without a full stop is not glued to the first sentence) and after an ellipsis followed
    by a capital (see :data:`_ELLIPSIS_END`), whitespace trimmed, and without the pieces
    that hold no letter or digit."""
    cuts: list[tuple[int, int]] = []
    for start, end in raw:
        pos = start
        for piece in text[start:end].split("\n"):
            a, b = pos, pos + len(piece)
            pos = b + 1
            for m in _ELLIPSIS_END.finditer(text, a, b):
                cuts.append((a, m.end()))
                a = m.end()
            cuts.append((a, b))
    out: list[tuple[int, int]] = []
    for a, b in cuts:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and any(ch.isalnum() for ch in text[a:b]):
            out.append((a, b))
    return out


def document_sentences(doc: Doc) -> list[tuple[int, int]]:
    """Sentence spans of ``doc`` (see :func:`sentence_spans`), the unit every model stage reads."""
    return sentence_spans(doc.text, [(s.start_char, s.end_char) for s in doc.sents])


def document_encoding(doc: Doc, model: str | None = None) -> Encoding:
    """``doc._.encoding`` by ``model``'s encoder (small or base, see
    :func:`unspin.encoder.spec`), computed on first use (see the module doc). Every stage of
    one pipeline reads the same encoder: a Doc encoded by another is a :class:`ModelError`."""
    from unspin.encoder import spec
    from unspin.errors import ModelError
    from unspin.pipeline import register_extensions

    register_extensions()
    key = spec(model).key
    enc: Encoding | None = doc._.encoding
    if enc is None:
        import time

        from unspin.encoder import encode_document

        t = time.perf_counter()
        enc = encode_document(doc.text, document_sentences(doc), model=key)
        doc._.encoding = enc
        # The Analyzer reports the pass as its own timing, not as the stage that asked first.
        doc._.encoding_ms = (time.perf_counter() - t) * 1000
    elif enc.model != key:
        raise ModelError(f"this document was encoded by the {enc.model} encoder, and a stage "
                         f"built for the {key} encoder read it; build every stage with one "
                         "model (Options(model=...))")
    return enc
