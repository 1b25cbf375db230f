"""Techniques stage: predictor spans land on the right characters of the document, overlap
freely, may carry several techniques, and are widened (and counted) when they split a word."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from spacy.language import Language

from unspin.errors import ConfigError, ModelError
from unspin.pipeline._techniques.model import (
    LABELS,
    FakeTechniquePredictor,
    Found,
    MiniLMTechniquePredictor,
    decode_runs,
)
from unspin.pipeline.techniques import DEFINITIONS, TechniqueFinder, find_techniques

TEXT = ("The council met on Tuesday to discuss the budget. "
        "Critics called the plan disastrous and its authors traitors. "
        "Vote them out now!")


class _SplitsWords:
    """A predictor whose span starts in the middle of a word."""

    def predict(self, texts: Sequence[str]) -> list[list[Found]]:
        out: list[list[Found]] = []
        for text in texts:
            at = text.find("isastrous")
            out.append([Found(at, at + len("isastrous"), "Loaded_Language", 0.7)] if at >= 0
                       else [])
        return out


def _spans(nlp: Language, text: str, predictor: object) -> list[tuple[str, str]]:
    techniques, _ = find_techniques(nlp(text), predictor)  # type: ignore[arg-type]
    return [(text[t.start : t.end], t.technique) for t in techniques]


def test_spans_are_offsets_into_the_document_not_the_sentence(nlp: Language) -> None:
    assert ("disastrous", "Loaded_Language") in _spans(nlp, TEXT, FakeTechniquePredictor())


def test_one_span_may_carry_several_techniques(nlp: Language) -> None:
    found = _spans(nlp, TEXT, FakeTechniquePredictor())
    assert ("traitors", "Name_Calling,Labeling") in found
    assert ("traitors", "Loaded_Language") in found


def test_spans_may_overlap(nlp: Language) -> None:
    fake = FakeTechniquePredictor({"them out": ("Loaded_Language",)})
    found = _spans(nlp, TEXT, fake)
    assert ("them out", "Loaded_Language") in found
    assert ("Vote them out now!", "Slogans") in found


def test_the_document_goes_to_the_predictor_in_one_batch_of_sentences(nlp: Language) -> None:
    fake = FakeTechniquePredictor()
    find_techniques(nlp(TEXT), fake)
    assert len(fake.calls) == 1
    assert len(fake.calls[0]) == 3


def test_a_span_that_splits_a_word_is_widened_and_counted(nlp: Language) -> None:
    techniques, widened = find_techniques(nlp(TEXT), _SplitsWords())
    assert widened == 1
    assert [TEXT[t.start : t.end] for t in techniques] == ["disastrous"]


def test_the_component_warns_about_widened_spans(nlp: Language) -> None:
    finder = TechniqueFinder(nlp, "unspin_techniques", model=FakeTechniquePredictor.name)
    finder.predictor = _SplitsWords()
    doc = finder(nlp(TEXT))
    assert [w.code for w in doc._.unspin_warnings] == ["W401"]


def test_a_text_without_sentences_has_no_techniques(nlp: Language) -> None:
    assert find_techniques(nlp("   \n "), FakeTechniquePredictor()) == ([], 0)


def test_the_factory_fills_the_techniques_layer(nlp: Language) -> None:
    import spacy

    import unspin.pipeline.techniques  # noqa: F401  (registers the factory)

    fresh = spacy.blank("en")
    fresh.add_pipe("sentencizer")
    fresh.add_pipe("unspin_techniques", config={"model": FakeTechniquePredictor.name})
    doc = fresh("Everybody knows the answer. Nothing else.")
    assert [(doc.text[t.start : t.end], t.technique) for t in doc._.techniques] == \
        [("Everybody knows", "Bandwagon,Reductio_ad_hitlerum")]


def test_an_unknown_model_name_is_a_config_error(nlp: Language) -> None:
    with pytest.raises(ConfigError):
        TechniqueFinder(nlp, "unspin_techniques", model="unspin.techniques.nope.v0")


def test_a_missing_artifact_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        MiniLMTechniquePredictor.load(tmp_path)


def test_every_technique_has_a_definition() -> None:
    assert set(DEFINITIONS) == set(LABELS)


def test_runs_above_the_threshold_become_spans_widened_to_whole_words() -> None:
    text = "so unbelievably stupid it is"
    offsets = np.array([[0, 2], [3, 5], [5, 15], [16, 22], [23, 25], [26, 28]], np.int32)
    probs = np.array([0.1, 0.2, 0.9, 0.8, 0.1, 0.1], np.float32)
    runs = decode_runs(offsets, probs, 0.5, text)
    assert [text[s:e] for s, e, _ in runs] == ["unbelievably stupid"]
    assert runs[0][2] == pytest.approx(0.85)


def test_the_trained_model_finds_spans_inside_the_text(
        nlp: Language, require_models: Callable[[Exception], None]) -> None:
    try:
        predictor = MiniLMTechniquePredictor.load()
    except ModelError as exc:
        require_models(exc)
    text = ("These treacherous, corrupt bureaucrats are destroying our beloved country, "
            "and only a fool would trust them. Wake up, patriots!")
    techniques, _ = find_techniques(nlp(text), predictor)
    assert techniques
    for t in techniques:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start : t.end].strip() == text[t.start : t.end]
        assert t.technique in LABELS


def test_a_run_of_stop_words_alone_is_not_a_span() -> None:
    text = "and we should go"
    offsets = np.array([[0, 3], [4, 6], [7, 13], [14, 16]], np.int32)
    probs = np.array([0.1, 0.9, 0.9, 0.1], np.float32)
    assert decode_runs(offsets, probs, 0.5, text) == []


def test_pejorative_labels_are_found_as_whole_words_only() -> None:
    from unspin.pipeline._techniques.lexicon import label_spans

    text = "The dictator's warmongers met; the dictatorship and a puppeteer did not."
    assert [text[s:e] for s, e in label_spans(text)] == ["dictator", "warmongers"]
