"""The PolNeAR reader: BRAT standoff into attributions (an annotation file of our own)."""

from __future__ import annotations

from pathlib import Path

from unspin.corpora.polnear import parse_ann, read_split
from unspin.eval.quotes import quotes_to_attributions
from unspin.report import Quote, Span

ANN = (
    "T1\tSource 0 3\tAna\n"
    "T2\tCue 4 8\tsaid\n"
    "T3\tContent 9 20;25 30\tthe bridge ... fell\n"
    "T4\tAttribution 4 8\tsaid\n"
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    "T5\tCue 40 46\tthinks\n"
    "T6\tContent 47 55\tit works\n"
    "T7\tAttribution-no-source 40 46\tthinks\n"
    "E2\tAttribution-no-source:T7 Content:T6 Cue:T5\n"
    "T8\tDiscard 60 70\tRead more\n"
)


def test_an_event_ties_source_cue_and_discontinuous_content() -> None:
    first, second = parse_ann(ANN)
    assert first.source == ((0, 3),)
    assert first.cue == ((4, 8),)
    assert first.content == ((9, 20), (25, 30))
    assert second.source == ()


def test_an_article_annotated_twice_counts_once(tmp_path: Path) -> None:
    split = tmp_path / "data" / "dev"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    (split / "text" / "story.txt").write_text("Ana said the bridge fell.", encoding="utf-8")
    for annotator in ("aaaa", "bbbb"):
        (split / "attributions" / f"story_{annotator}.ann").write_text(ANN, encoding="utf-8")
    articles = list(read_split(tmp_path, "dev"))
    assert [a.name for a in articles] == ["story"]


def test_quotes_sharing_a_cue_are_one_attribution_and_mixed_ones_are_dropped() -> None:
    text = '"Yes," Ana said. "And no." It was a "fine" day.'
    cue = Span(start=7, end=15)  # "Ana said"
    quotes = [
        Quote(id="q1", kind="direct", content=Span(start=0, end=6), cue=cue, confidence=0.9),
        Quote(id="q2", kind="direct", content=Span(start=17, end=26), cue=cue, confidence=0.8),
        Quote(id="q3", kind="mixed", content=Span(start=36, end=42), confidence=0.3),
    ]
    (attribution,) = quotes_to_attributions(text, quotes)
    assert attribution.content == ((0, 6), (17, 26))
    assert attribution.cue == ((7, 15),)


def test_fragment_scoring_counts_each_contiguous_piece_of_content_as_its_own_span() -> None:
    from unspin.eval.quotes import fragment_spans

    text = '"Yes," Ana said. "And no." Then more.'
    # A quote split by its cue is two content spans; two fragments only a space apart are one.
    spans = fragment_spans(text, [((0, 6), (17, 26)), ((17, 26), (27, 37))])
    assert spans == [((0, 6),), ((17, 26),), ((17, 37),)]


def test_fragment_scoring_matches_a_tagger_that_finds_only_one_piece_of_a_split_quote() -> None:
    from unspin.corpora.polnear import Counts
    from unspin.eval.quotes import fragment_spans

    text = '"Yes," Ana said. "And no."'
    gold = fragment_spans(text, [((0, 6), (17, 26))])
    pred = fragment_spans(text, [((0, 6),)])
    counts = Counts()
    counts.add(pred, gold, text, "exact")
    assert counts.prf() == (1.0, 0.5, 2 / 3)
    grouped = Counts()  # the grouped score gives the same prediction nothing
    grouped.add([((0, 6),)], [((0, 6), (17, 26))], text, "exact")
    assert grouped.prf() == (0.0, 0.0, 0.0)
