"""unspin.analyzer (and unspin.analyze): one article in, a report out whose every span indexes its own text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import unspin
from unspin.analyzer import Analyzer
from unspin.options import Options
from unspin.report import Report

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "examples" / "sample.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def foundation() -> Analyzer:
    """The backbone alone: no model-backed stage, so these tests are about the driver."""
    return Analyzer(Options(stages=()))


@pytest.fixture(scope="module")
def sample_report(foundation: Analyzer) -> Report:
    return foundation.analyze(SAMPLE, id="sample")


def test_the_report_carries_the_cleaned_text_and_what_was_removed(sample_report: Report) -> None:
    assert "READ MORE" not in sample_report.text
    assert [r.reason for r in sample_report.removed] == ["promo", "signup", "promo", "video_title"]
    for seg in sample_report.removed:
        assert sample_report.raw_text[seg.start:seg.end] == seg.text
        assert 0 <= seg.at <= len(sample_report.text)


def test_sentences_and_entities_index_the_text(sample_report: Report) -> None:
    text = sample_report.text
    assert len(sample_report.sentences) >= 8
    for ent in sample_report.entities:
        assert text[ent.start:ent.end] == ent.text
    assert any(e.text == "Pavel Orlov" and e.label == "PERSON" for e in sample_report.entities)
    for sent in sample_report.sentences:
        assert 0 <= sent.start < sent.end <= len(text)


def test_timings_name_each_stage_in_milliseconds(sample_report: Report) -> None:
    assert {"clean", "language", "backbone"} <= set(sample_report.timings)
    assert all(v >= 0 for v in sample_report.timings.values())


def test_the_shared_encoder_pass_is_timed_apart_from_the_stage_that_asked_first(
        require_models: Any) -> None:
    from unspin.errors import ModelError

    try:
        report = Analyzer(Options(stages=("actors", "quotes", "techniques"))).analyze(SAMPLE)
    except ModelError as exc:  # pragma: no cover - depends on the install
        require_models(exc)
        raise
    assert "encoding" in report.timings  # once, under its own name
    assert all(v >= 0 for v in report.timings.values())
    backbone_only = Analyzer(Options(stages=())).analyze(SAMPLE)
    assert "encoding" not in backbone_only.timings


def test_the_seed_loses_exactly_its_three_promo_segments(foundation: Analyzer, seed_path: Path) -> None:
    report = foundation.analyze(seed_path.read_text(encoding="utf-8"), id="seed")
    assert [r.reason for r in report.removed] == ["promo", "promo", "video_title"]
    assert report.removed[0].text.startswith("IN OTHER NEWS")
    assert report.removed[1].text.startswith("NOW WATCH")
    assert report.language == "en"


def test_non_english_text_is_reported_not_parsed(foundation: Analyzer) -> None:
    report = foundation.analyze(
        "Le gouvernement a annoncé mardi que les retraites seraient revalorisées en janvier, "
        "mais les syndicats ont jugé la hausse insuffisante et appellent à manifester.")
    assert report.language == "fr"
    assert report.sentences == [] and report.quotes == [] and report.techniques == []
    assert [w.code for w in report.warnings] == ["W010"]


def test_html_strings_are_extracted_first(foundation: Analyzer) -> None:
    page = ("<html><head><title>Ferry strike ends</title></head><body><article>"
            "<p>The ferry strike ended on Sunday after the union accepted a new pay offer "
            "from the operator, which had cancelled dozens of crossings.</p>"
            "<p>Services will resume on Monday morning, the company said.</p></article></body></html>")
    report = foundation.analyze(page)
    assert report.source.kind == "html"
    assert "<p>" not in report.text and "ferry strike ended" in report.text


def test_the_top_level_function_reuses_its_analyzer() -> None:
    options = Options(stages=())
    first = unspin.analyze("The mayor opened the new library on Saturday.", options)
    second = unspin.analyze("The mayor opened the new library on Saturday.", options)
    assert first.text == second.text and first.id == second.id
