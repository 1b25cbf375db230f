"""Narratives: the story an article tells, with the sentences that carry it; none off-topic."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from spacy.language import Language

from unspin.errors import ModelError
from unspin.pipeline.encoding import sentence_spans
from unspin.pipeline.narratives import (
    MODEL_DIR,
    DocNarratives,
    DomainHead,
    FakeNarratives,
    NarrativeModel,
    Thresholds,
    decode,
    find_narratives,
)


def _head(narratives: list[str], subnarratives: list[str]) -> DomainHead:
    """A head whose arrays are never read: decoding works on probabilities alone."""
    empty = np.zeros(0)
    return DomainHead(narratives, subnarratives, np.zeros((0, 384), np.float32), empty, empty,
                      empty, 0.0, empty, empty, empty, empty)


def test_decoding_reports_narratives_over_their_threshold_and_their_best_children() -> None:
    head = _head(["A", "B"], ["A: a1", "A: a2", "B: b1"])
    out = decode(head, 0.9, np.array([0.7, 0.2]), np.array([0.6, 0.1, 0.3]),
                 Thresholds(has=0.5, narrative=0.5, subnarrative=0.5))
    assert out == [(0, 0, pytest.approx(0.54))]


def test_a_confident_subnarrative_lifts_its_narrative_over_the_narrative_threshold() -> None:
    head = _head(["A", "B"], ["A: a1", "B: b1", "B: b2"])
    p_nar, p_sub = np.array([0.7, 0.3]), np.array([0.6, 0.8, 0.1])
    off = Thresholds(has=0.5, narrative=0.5, subnarrative=0.5)
    on = Thresholds(has=0.5, narrative=0.5, subnarrative=0.5, lift=0.75)
    assert [(i, j) for i, j, _ in decode(head, 0.9, p_nar, p_sub, off)] == [(0, 0)]
    assert [(i, j) for i, j, _ in decode(head, 0.9, p_nar, p_sub, on)] == [(0, 0), (1, 1)]


def test_below_the_narrative_present_threshold_nothing_is_reported() -> None:
    head = _head(["A"], ["A: a1"])
    assert decode(head, 0.2, np.array([0.9]), np.array([0.9]),
                  Thresholds(has=0.5, lift=0.5)) == []


# Our own texts (not from any corpus).
WAR_TEXT = (
    "Minister says sanctions will hurt Europe most\n\n"
    "The minister spoke in Moscow on Tuesday about the war in Ukraine. "
    "He said the sanctions on Russia would ruin European factories by winter. "
    "The talks in Geneva ended without an agreement."
)
COOKING_TEXT = (
    "A weeknight risotto that forgives you\n\n"
    "Start with a wide pan and warm the stock in a second pot so it never cools the rice. "
    "Toast the arborio in butter until the edges turn translucent, then add a splash of "
    "white wine and stir until it disappears. Ladle in the stock a little at a time, "
    "stirring often; after about eighteen minutes the grains should be creamy but still "
    "have a bite. Finish with grated parmesan, a knob of cold butter and a squeeze of lemon. "
    "Leftovers make excellent fried rice cakes the next morning."
)
FOOTBALL_TEXT = (
    "Late header sends the visitors top of the table\n\n"
    "The home side dominated possession for most of the afternoon but could not find a way "
    "past the visiting goalkeeper, who made six saves. In the ninetieth minute a corner "
    "was flicked on at the near post and the substitute striker headed in at the far post. "
    "The manager praised his players' patience and said the squad would rest before "
    "Wednesday's cup tie. Supporters sang long after the final whistle."
)


def test_the_fake_finds_the_sanctions_narrative_with_its_sentence_as_evidence(
    nlp: Language,
) -> None:
    doc = nlp(WAR_TEXT)
    (nar,), domain = find_narratives(doc, FakeNarratives())
    assert domain is not None and domain.domain == "war"
    assert nar.label == ("URW: Negative Consequences for the West: "
                         "Sanctions imposed by Western countries will backfire")
    assert nar.narrative == "URW: Negative Consequences for the West"
    evidence = [WAR_TEXT[e.start:e.end] for e in nar.evidence]
    assert evidence == ["Minister says sanctions will hurt Europe most",
                        "He said the sanctions on Russia would ruin European factories by winter."]


def test_evidence_spans_are_whole_sentences_never_across_a_line_break(nlp: Language) -> None:
    doc = nlp(WAR_TEXT)
    sentences = set(sentence_spans(doc.text, [(s.start_char, s.end_char) for s in doc.sents]))
    for nar in find_narratives(doc, FakeNarratives())[0]:
        for e in nar.evidence:
            assert (e.start, e.end) in sentences
            assert "\n" not in WAR_TEXT[e.start:e.end]


def test_a_headline_without_a_full_stop_is_its_own_sentence() -> None:
    text = "Headline here\n\nFirst sentence. Second one."
    assert sentence_spans(text, [(0, 31), (31, len(text))]) == [(0, 13), (15, 30), (31, 42)]


def test_the_fake_gives_an_off_topic_article_nothing_and_says_it_is_off_topic(
        nlp: Language) -> None:
    narratives, domain = find_narratives(nlp(COOKING_TEXT), FakeNarratives())
    assert narratives == []
    assert domain is not None and domain.domain == "neither"


def test_a_document_without_narratives_reads_as_the_tasks_other() -> None:
    empty = DocNarratives(domain="URW")
    assert (empty.labels, empty.narratives) == (["Other"], ["Other"])


def test_a_missing_artifact_is_a_model_error_that_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="unspin train narratives"):
        NarrativeModel.load(tmp_path)


def test_the_shipped_artifact_loads_without_pickle() -> None:
    with np.load(MODEL_DIR / "model.npz", allow_pickle=False) as z:
        assert all(z[k].dtype == np.float32 for k in z.files)
    model = NarrativeModel.load()
    assert set(model.heads) == {"URW", "CC"}
    assert model.meta["data"]["sha256"]


# --- the trained model (encoder from the pinned package) --------------------------------

@pytest.fixture(scope="module")
def trained(require_models: Callable[[Exception], None]) -> object:
    from unspin.pipeline.narratives import TrainedNarratives

    try:
        return TrainedNarratives()
    except ModelError as exc:  # pragma: no cover - the encoder extra is absent
        require_models(exc)


@pytest.mark.parametrize("text", [COOKING_TEXT, FOOTBALL_TEXT], ids=["cooking", "football"])
def test_an_article_on_neither_war_nor_climate_gets_no_narratives(
    nlp: Language, trained: FakeNarratives, text: str
) -> None:
    doc = nlp(text)
    narratives, domain = find_narratives(doc, trained)
    assert narratives == []
    assert domain is not None and domain.domain == "neither"
    (pred,) = trained.predict([[s.text for s in doc.sents]])
    assert pred.domain == "none"


@pytest.fixture(scope="module")
def seed_report(seed_path: Path) -> object:
    import unspin
    from unspin.options import Options

    options = Options(stages=("actors", "quotes", "narratives", "voice"))
    return unspin.analyze(seed_path.read_text(encoding="utf-8"), options)


def test_the_seed_tells_of_the_west_provoking_the_war_and_of_sanctions_backfiring(
    seed_report: object,
) -> None:
    from unspin.report import Report

    assert isinstance(seed_report, Report)
    labels = {n.label for n in seed_report.narratives}
    assert ("URW: Blaming the war on others rather than the invader: "
            "The West are the aggressors") in labels
    assert ("URW: Negative Consequences for the West: "
            "Sanctions imposed by Western countries will backfire") in labels


def test_the_seed_is_read_as_a_war_article(seed_report: object) -> None:
    from unspin.report import Report

    assert isinstance(seed_report, Report)
    assert seed_report.narratives
    assert all(n.narrative.startswith("URW: ") for n in seed_report.narratives)


def test_the_seeds_narratives_rest_on_lukashenkos_sentences(seed_report: object) -> None:
    from unspin.report import Report

    assert isinstance(seed_report, Report)
    names = {a.id: a.name for a in seed_report.actors}
    assert seed_report.narratives
    for nar in seed_report.narratives:
        speakers = {names.get(e.voice.actor or "") for e in nar.evidence if e.voice}
        assert "Alexander Lukashenko" in speakers, nar


def test_an_ellipsis_before_a_capital_ends_a_sentence() -> None:
    text = "We never started a war… The sanctions hurt Europe most... \u201cThey will see,\u201d he said."
    spans = sentence_spans(text, [(0, len(text))])
    assert [text[a:b] for a, b in spans] == [
        "We never started a war…", "The sanctions hurt Europe most...", "\u201cThey will see,\u201d he said."]


def test_an_ellipsis_inside_a_sentence_does_not_cut_it() -> None:
    text = "He spoke of provocations… and of mercenaries, then left."
    assert sentence_spans(text, [(0, len(text))]) == [(0, len(text))]
