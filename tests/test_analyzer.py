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
    # The report says which model made it, pinned by hashes; without a learned stage, none.
    assert report.model is not None and report.model.model == "small"
    assert report.model.encoder == "sentence-transformers/all-MiniLM-L6-v2"
    assert len(report.model.weights_sha256 or "") == 64
    assert len(report.model.adapter_sha256 or "") == 64
    assert backbone_only.model is None


def test_the_model_is_an_option_checked_when_the_options_are_built() -> None:
    from unspin.errors import ConfigError

    assert Options(model="BASE ").model == "base"
    assert Options().model is None  # resolved when the pipeline is built ($UNSPIN_MODEL)
    assert Analyzer(model="base").options.model == "base"
    with pytest.raises(ConfigError, match="choose one of small, base"):
        Options(model="large")


def test_a_report_made_with_small_because_the_default_base_is_not_installed_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import unspin.encoder as enc
    from unspin.encoder import MODEL_ENV

    monkeypatch.delenv(MODEL_ENV, raising=False)
    monkeypatch.setattr(enc, "base_installed", lambda: False)
    unchosen = Analyzer(Options(stages=("actors",))).analyze(SAMPLE)
    w021 = [w.message for w in unchosen.warnings if w.code == "W021"]
    assert len(w021) == 1 and "small was used" in w021[0] and "make base-model" in w021[0]
    chosen = Analyzer(Options(stages=("actors",)), model="small").analyze(SAMPLE)
    assert "W021" not in [w.code for w in chosen.warnings]


def test_base_stages_without_a_head_or_weights_are_skipped_with_the_command_that_fixes_it(
        require_models: Any) -> None:
    """``model="base"`` never falls back to small's heads (one encoder pass): a stage whose
    base head is not shipped, or the base weights when they are not installed, shows as a
    W020 warning naming the command; quotes fall back to their rules (W302)."""
    from unspin.encoder import base_weights_path
    from unspin.errors import ModelError

    try:
        base_weights_path()
    except ModelError:
        installed = False
    else:
        installed = True
    report = Analyzer(model="base").analyze(SAMPLE)
    warned = " ".join(w.message for w in report.warnings)
    if not installed:
        assert "make base-model" in warned
        assert report.model is None and not report.techniques
    for stage in ("narratives", "roles", "attribution"):
        from unspin.encoder import spec

        if not (spec("base").artifact(stage) / "meta.json").is_file():
            assert f"unspin train {stage} --model base" in warned
    assert report.quotes  # the rules still attribute the sample's quotes


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


_LONG = ("Harbour plan divides the town\n\n"
         "Mayor Ilse Brandt opened the meeting on Tuesday. \"The pier will reopen in May,\" "
         "she said.\n\n"
         + "\n\n".join(f"Traders on street {n} asked for a temporary walkway. The board "
                       "discussed the cost." for n in range(8))
         + "\n\n\"We will pay for the walkway,\" Brandt told the board.")


def test_a_text_longer_than_a_part_is_parsed_in_parts_into_the_report_of_one_parse(
        foundation: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = foundation.analyze(_LONG, id="long")
    monkeypatch.setattr("unspin.backbone.PART_CHARS", 200)  # 1 MB texts take minutes here
    parts = foundation.analyze(_LONG, id="long")
    assert parts.text == _LONG
    assert parts.sentences == whole.sentences and len(parts.sentences) > 10
    assert parts.entities == whole.entities


def test_quotes_and_actors_are_joined_across_parts(nlp: Any) -> None:
    from unspin.backbone import parse_in_parts
    from unspin.pipeline.actors import find_actors
    from unspin.pipeline.quotes import rule_quotes

    doc = parse_in_parts(nlp.make_doc, [p for _, p in nlp.pipeline], _LONG, limit=200)
    actors = find_actors(doc)
    quotes, _ = rule_quotes(doc, actors)
    whole = nlp(_LONG)
    assert quotes == rule_quotes(whole, find_actors(whole))[0]
    last = max(quotes, key=lambda q: q.content.start)
    assert "We will pay for the walkway" in _LONG[last.content.start:last.content.end]
    # "Brandt", 900 characters and several parts after "Mayor Ilse Brandt", is her
    brandt = [a for a in actors if a.name.endswith("Brandt")]
    assert len(brandt) == 1 and last.speaker == brandt[0].id
