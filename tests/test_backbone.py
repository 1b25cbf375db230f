"""The backbone is spaCy's en_core_web_sm 3.8.0, refused when its files differ from the pinned hash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from unspin.backbone import (
    INSTALLED_SHA256,
    installed_digest,
    load_backbone,
    model_root,
    verify_model,
)
from unspin.errors import ModelError


def test_the_installed_model_matches_its_pinned_hash() -> None:
    assert installed_digest() == INSTALLED_SHA256
    verify_model()


def test_a_tampered_model_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(model_root(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    meta = next(copy.rglob("meta.json"))
    meta.write_text(meta.read_text().replace("3.8.0", "3.8.9", 1))
    with pytest.raises(ModelError, match="pinned hash"):
        verify_model(copy)


def test_the_backbone_is_loaded_once() -> None:
    nlp = load_backbone()
    assert load_backbone() is nlp
    assert {"parser", "ner", "tagger"} <= set(nlp.pipe_names)


def test_a_blank_line_or_a_paragraph_break_starts_a_sentence() -> None:
    nlp = load_backbone()
    doc = nlp("Ministers clash over budget\n\nThe finance minister said on Monday that cuts "
              "were needed.\nCritics disagreed.")
    assert [s.text.strip() for s in doc.sents] == [
        "Ministers clash over budget", "The finance minister said on Monday that cuts were needed.",
        "Critics disagreed."]


def test_a_line_wrapped_mid_sentence_stays_one_sentence() -> None:
    doc = load_backbone()("The committee will meet again\nnext week to decide on the plan.")
    assert len(list(doc.sents)) == 1
