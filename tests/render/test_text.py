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
