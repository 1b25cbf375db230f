"""The attribution tagger's decoding and grouping (no model needed: label sequences and
spans of our own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from unspin.pipeline._attribution.tagger import (
    LABELS,
    Chunk,
    PieceFeatures,
    chunks,
    decode,
    group,
    labels_for,
)


def _features(text: str, sent: list[int] | None = None) -> PieceFeatures:
    """One piece per whitespace-separated word (offsets into ``text``)."""
    offs, pos = [], 0
    for word in text.split(" "):
        offs.append((pos, pos + len(word)))
        pos += len(word) + 1
    n = len(offs)
    return PieceFeatures(np.asarray(offs, np.int32), np.zeros((n, 4), np.float32),
                         np.zeros((n, 3), np.int64), np.zeros((n, 4), np.float32),
                         np.asarray(sent if sent is not None else [0] * n, np.int64))


def test_decoding_never_opens_a_span_with_an_inside_label() -> None:
    # per-piece argmax would give O, I-content, I-content: not a valid BIO sequence
    logp = np.log(np.full((3, len(LABELS)), 0.01, np.float32))
    logp[0, 0] = np.log(0.9)
    logp[1:, LABELS.index("I-content")] = np.log(0.6)
    logp[1:, LABELS.index("B-content")] = np.log(0.3)
    tags = [LABELS[t] for t in decode(logp)]
    assert tags == ["O", "B-content", "I-content"]


def test_gold_labels_open_each_fragment_with_a_b() -> None:
    f = _features("Mara said the vote was fair")
    y = labels_for(f.offsets, [("source", ((0, 4),)), ("cue", ((5, 9),)), ("content", ((10, 27),))])
    assert [LABELS[t] for t in y] == ["B-source", "B-cue", "B-content", "I-content", "I-content", "I-content"]


def test_a_span_edge_inside_a_word_moves_to_the_word_edge() -> None:
    text = "Officials insisted everything"
    # pieces "Offic" + "ials", a tagger that stops after the first piece
    f = PieceFeatures(np.asarray([(0, 5), (5, 9), (10, 18), (19, 29)], np.int32),
                      np.zeros((4, 4), np.float32), np.zeros((4, 3), np.int64),
                      np.zeros((4, 4), np.float32), np.zeros(4, np.int64))
    tags = np.asarray([LABELS.index("B-source"), 0, LABELS.index("B-cue"), LABELS.index("B-content")])
    probs = np.full((4, len(LABELS)), 1 / len(LABELS), np.float32)
    found = chunks(text, f, tags, probs)
    assert [(c.role, text[c.start:c.end]) for c in found] == [
        ("source", "Officials"), ("cue", "insisted"), ("content", "everything")]


def test_each_source_and_content_goes_to_the_nearest_cue_of_its_sentence() -> None:
    found = [Chunk("source", 0, 4, 0, 0.9), Chunk("cue", 5, 9, 0, 0.9), Chunk("content", 10, 20, 0, 0.9),
             Chunk("source", 30, 33, 1, 0.9), Chunk("cue", 34, 40, 1, 0.9), Chunk("content", 41, 50, 1, 0.9),
             Chunk("content", 52, 60, 1, 0.9)]
    attrs = group(found)
    assert [(a.source, a.cue, a.content) for a in attrs] == [
        (((0, 4),), ((5, 9),), ((10, 20),)),
        (((30, 33),), ((34, 40),), ((41, 50), (52, 60))),
    ]


def test_content_with_no_cue_near_it_is_an_attribution_without_cue_or_source() -> None:
    attrs = group([Chunk("content", 0, 12, 0, 0.8), Chunk("cue", 40, 44, 5, 0.8)])
    assert [(a.content, a.cue, a.source) for a in attrs] == [(((0, 12),), (), ())]


def test_content_may_sit_in_the_sentence_after_its_cue() -> None:
    attrs = group([Chunk("source", 0, 3, 0, 0.9), Chunk("cue", 4, 9, 0, 0.9),
                   Chunk("content", 12, 40, 1, 0.9)])
    assert attrs[0].cue == ((4, 9),) and attrs[0].content == ((12, 40),)


def test_a_broken_tagger_artifact_is_a_coded_model_error(tmp_path: Path,
                                                          require_models: Callable[[Exception], None]) -> None:
    from unspin.errors import ModelError
    from unspin.pipeline._attribution.tagger import MODEL_DIR, Tagger

    if not (MODEL_DIR / "meta.json").is_file():
        pytest.skip("no shipped tagger to copy the meta of")
    (tmp_path / "meta.json").write_text((MODEL_DIR / "meta.json").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    (tmp_path / "tagger.safetensors").write_bytes(b"not a safetensors file")
    try:
        with pytest.raises(ModelError, match="could not read the attribution tagger"):
            Tagger(tmp_path)
    except ImportError as exc:  # pragma: no cover - the models extra is absent
        require_models(exc)
