"""The backbone is spaCy's en_core_web_sm 3.8.0, refused when its files differ from the pinned hash."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from unspin.backbone import (
    INSTALLED_SHA256,
    installed_digest,
    load_backbone,
    model_root,
    parse_in_parts,
    part_bounds,
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


# --------------------------------------------------------------------------- long texts

_PARAGRAPH = ("The harbour board met on Tuesday. \"The pier will reopen in May,\" said Mayor "
              "Ilse Brandt. Traders welcomed the plan.")


@pytest.mark.parametrize("text", [
    "\n\n".join([_PARAGRAPH] * 12),                       # paragraphs
    "\n".join([_PARAGRAPH] * 12),                         # one paragraph a line
    " ".join([_PARAGRAPH] * 12),                          # one paragraph: sentence ends
    " ".join(["word"] * 300),                             # one run-on sentence: spaces
    "x" * 1000,                                           # one "word": cut at the limit
])
def test_parts_cover_the_text_in_order_each_within_the_limit(text: str) -> None:
    bounds = part_bounds(text, 250)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(a == b for (_, a), (b, _) in itertools.pairwise(bounds))
    assert all(0 < end - start <= 250 for start, end in bounds)


def test_a_part_ends_after_a_blank_line_where_there_is_one() -> None:
    text = "\n\n".join([_PARAGRAPH] * 12)
    for start, end in part_bounds(text, 250)[:-1]:
        assert text[start:end].endswith(_PARAGRAPH + "\n\n")


def test_a_part_ends_after_a_sentence_and_its_closing_quote() -> None:
    text = " ".join(['"The pier will reopen in May." Traders welcomed the plan.'] * 20)
    for start, end in part_bounds(text, 200)[:-1]:
        assert text[start:end].rstrip().endswith(("May.\"", "plan."))


def test_a_text_within_the_limit_is_parsed_in_one_part() -> None:
    nlp = load_backbone()
    text = "\n\n".join([_PARAGRAPH] * 3)
    doc = parse_in_parts(nlp.make_doc, [p for _, p in nlp.pipeline], text)
    assert [t.text for t in doc] == [t.text for t in nlp(text)]


def test_a_long_text_is_parsed_in_parts_joined_over_the_one_text() -> None:
    nlp = load_backbone()
    text = "\n\n".join([_PARAGRAPH] * 12)
    whole = nlp(text)
    doc = parse_in_parts(nlp.make_doc, [p for _, p in nlp.pipeline], text, limit=250)
    assert doc.text == text
    assert [s.text for s in doc.sents] == [s.text for s in whole.sents]
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
        (e.start_char, e.end_char, e.label_) for e in whole.ents]
    assert [t.head.i for t in doc] == [t.head.i for t in whole]  # heads stay in their part


def test_a_text_over_spacys_own_limit_no_longer_raises_e088() -> None:
    nlp = load_backbone()
    text = "\n\n".join([_PARAGRAPH] * 12)
    saved = nlp.max_length
    nlp.max_length = 300  # stands in for 1,000,000: a real 1 MB parse takes minutes here
    try:
        with pytest.raises(ValueError, match="E088"):
            nlp(text)
        doc = parse_in_parts(nlp.make_doc, [p for _, p in nlp.pipeline], text, limit=250)
    finally:
        nlp.max_length = saved
    assert doc.text == text
