"""Stage ``techniques``: persuasion-technique spans (the 14 techniques of SemEval-2020 Task 11).

The stage hands the document's sentences (as every model stage cuts them,
:func:`unspin.pipeline.encoding.document_sentences`; one batch per document, their states
read from the shared encoder pass ``doc._.encoding``) to a
:class:`~unspin.pipeline._techniques.model.TechniquePredictor` and maps the spans it finds
— character offsets into each sentence, read from the tokenizer's offset mapping — back to
offsets into the document. Spans may overlap, and one span may carry several techniques
(one :class:`~unspin.report.Technique` each).

A span whose ends fall inside a spaCy token is widened to whole tokens
(``doc.char_span(..., alignment_mode="expand")``); such spans are counted and reported in a
``W401`` warning rather than dropped.

Predictors are named in :data:`PREDICTORS` (``unspin.techniques.minilm.v1``, the trained
model shipped in ``unspin/models/techniques``; ``unspin.techniques.fake.v1``, a
deterministic stand-in for tests) and chosen with the component's ``model`` setting.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc

from unspin.pipeline._techniques.model import (
    FakeTechniquePredictor,
    MiniLMTechniquePredictor,
    TechniquePredictor,
)
from unspin.pipeline.encoding import document_encoding, document_sentences
from unspin.report import Technique, Warning_
from unspin.taxonomy import TECHNIQUES

__all__ = ["DEFINITIONS", "PREDICTORS", "TechniqueFinder", "find_techniques"]

#: Short definitions of the 14 techniques, in our own words (for legends and tooltips).
DEFINITIONS: dict[str, str] = dict(TECHNIQUES)

#: Predictors by versioned name; each entry builds one (loading its weights once).
PREDICTORS: dict[str, Callable[[str], TechniquePredictor]] = {
    MiniLMTechniquePredictor.name: lambda encoder: MiniLMTechniquePredictor.load(
        model=encoder or None),
    FakeTechniquePredictor.name: lambda encoder: FakeTechniquePredictor(),
}
DEFAULT_PREDICTOR = MiniLMTechniquePredictor.name


def find_techniques(doc: Doc, predictor: TechniquePredictor) -> tuple[list[Technique], int]:
    """The technique spans of ``doc`` (offsets into ``doc.text``, end exclusive) and the
    number of spans that had to be widened to spaCy token boundaries."""
    sents = document_sentences(doc)
    if not sents:
        return [], 0
    text = doc.text  # Doc.text joins every token: once, not once per sentence (issue 24)
    texts = [text[a:b] for a, b in sents]
    if isinstance(predictor, MiniLMTechniquePredictor):
        enc = document_encoding(doc, predictor.model)
        found = predictor.predict_encoded(texts, [(s.offsets, s.states) for s in enc.sentences])
    else:
        found = predictor.predict(texts)
    out: list[Technique] = []
    widened = 0
    for (base, _), spans in zip(sents, found, strict=True):
        for f in spans:
            start, end = base + f.start, base + f.end
            span = doc.char_span(start, end, alignment_mode="strict")
            if span is None:
                widened += 1
                span = doc.char_span(start, end, alignment_mode="expand")
                if span is None or not span.text.strip():
                    continue
            out.append(Technique(start=span.start_char, end=span.end_char,
                                 technique=f.technique, score=min(1.0, max(0.0, f.score))))
    out.sort(key=lambda t: (t.start, t.end, t.technique))
    return out, widened


class TechniqueFinder:
    """spaCy component: sets ``doc._.techniques``; the predictor loads once, here."""

    def __init__(self, nlp: Language, name: str, model: str = DEFAULT_PREDICTOR,
                 encoder: str = "") -> None:
        from unspin.errors import ConfigError

        self.name = name
        if model not in PREDICTORS:
            raise ConfigError(f"unknown techniques model {model!r}; choose from "
                              f"{', '.join(sorted(PREDICTORS))}")
        self.predictor: TechniquePredictor = PREDICTORS[model](encoder)

    def __call__(self, doc: Doc) -> Doc:
        techniques, widened = find_techniques(doc, self.predictor)
        doc._.techniques = techniques
        if widened:
            if doc._.unspin_warnings is None:
                doc._.unspin_warnings = []
            doc._.unspin_warnings.append(Warning_(
                code="W401",
                message=f"techniques: {widened} span(s) ended inside a word and were widened "
                        "to whole tokens"))
        return doc


@Language.factory(
    "unspin_techniques", requires=["doc.sents"], assigns=["doc._.techniques"],
    default_config={"model": DEFAULT_PREDICTOR, "encoder": ""},
)
def make_technique_finder(nlp: Language, name: str, model: str, encoder: str) -> TechniqueFinder:
    return TechniqueFinder(nlp, name, model, encoder)
