"""The terminal summary names the article, what was removed and what each layer found."""

from __future__ import annotations

from unspin.render import render_text
from unspin.report import RemovedSegment, Report, SourceInfo


def test_the_summary_lists_removed_segments_and_warnings() -> None:
    report = Report(unspin_version="t", id="x", source=SourceInfo(kind="text"), language="en",
                    text="Headline\n\nBody.", raw_text="Headline\n\nBody.\nREAD MORE: a",
                    removed=[RemovedSegment(start=16, end=27, text="READ MORE: a", reason="promo",
                                            at=15)],
                    warnings=[{"code": "W020", "message": "stage 'x' skipped"}])  # type: ignore[list-item]
    out = render_text(report)
    assert "Headline" in out
    assert "promo" in out and "READ MORE: a" in out
    assert "W020" in out


def test_the_summary_shows_each_persons_gender_and_each_quotes_stance() -> None:
    from unspin.report import Actor, Quote, Span

    text = 'Mrs. Ana Ruiz claimed "the pier is safe".'
    report = Report(unspin_version="0.1.0", id="x", language="en", text=text, raw_text=text,
                    source=SourceInfo(kind="text"),
                    actors=[Actor(id="a1", name="Ana Ruiz", type="person", gender="female",
                                  gender_evidence=1)],
                    quotes=[Quote(id="q1", kind="direct", content=Span(start=22, end=40),
                                  speaker="a1", cue_stance="distancing", confidence=0.9)])
    out = render_text(report)
    assert "female" in out and "distancing" in out
