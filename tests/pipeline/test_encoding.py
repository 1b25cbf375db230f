"""The one encoder pass: a document goes through the encoder once, whichever model stages
read it, and not at all when none does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from spacy.language import Language

from unspin.pipeline.encoding import document_sentences, sentence_spans

TEXT = ("Minister says sanctions will hurt Europe most\n\n"
        "The minister, Anna Berg, spoke in Vienna on Monday. He said the sanctions on Russia "
        "would ruin European factories by winter... Critics called the claim absurd.")


def test_sentences_are_cut_at_line_breaks_and_sentence_final_ellipses() -> None:
    text = "A headline\nIt went on... Then it stopped."
    assert [text[a:b] for a, b in sentence_spans(text, [(0, len(text))])] == [
        "A headline", "It went on...", "Then it stopped."]


def test_every_model_stage_reads_the_same_sentences(nlp: Language) -> None:
    doc = nlp(TEXT)
    spans = document_sentences(doc)
    assert [TEXT[a:b] for a, b in spans][:2] == [
        "Minister says sanctions will hurt Europe most",
        "The minister, Anna Berg, spoke in Vienna on Monday."]
    assert all("\n" not in TEXT[a:b] for a, b in spans)


@pytest.mark.slow
def test_all_model_stages_cost_one_encoder_pass_per_document(
        monkeypatch: pytest.MonkeyPatch, require_models: Callable[[Exception], None],
        nlp: Language) -> None:
    import unspin.encoder
    from unspin.analyzer import Analyzer
    from unspin.errors import ModelError
    from unspin.options import Options

    try:
        analyzer = Analyzer(Options())
    except ModelError as exc:  # pragma: no cover - the model extra is absent
        require_models(exc)
    assert {"techniques", "narratives", "roles"} <= set(analyzer.pipeline.stages)
    calls: list[int] = []
    real = unspin.encoder.encode_texts

    def counting(texts: Any, **kwargs: Any) -> Any:
        calls.append(len(texts))
        return real(texts, **kwargs)

    monkeypatch.setattr(unspin.encoder, "encode_texts", counting)
    report = analyzer.analyze(TEXT)
    assert calls == [len(document_sentences(nlp(report.text)))]  # one pass, all sentences
    assert report.narrative_domain is not None and report.narrative_domain.domain == "war"


def test_stages_on_fake_predictors_never_load_the_encoder(nlp: Language) -> None:
    from unspin.pipeline._techniques.model import FakeTechniquePredictor
    from unspin.pipeline.narratives import FakeNarratives, find_narratives
    from unspin.pipeline.techniques import find_techniques

    doc = nlp(TEXT)
    find_techniques(doc, FakeTechniquePredictor())
    find_narratives(doc, FakeNarratives())
    assert not doc.has_extension("encoding") or doc._.encoding is None
