"""The seed article end to end: the promise of the product, on the story it started from.

Read from ../shared/seed/article.txt (third-party text, never copied into the project).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import unspin
from unspin.report import Report


@pytest.fixture(scope="module")
def report(seed_path: Path) -> Report:
    return unspin.analyze(seed_path.read_text(encoding="utf-8"), id="seed")


def actor_id(report: Report, surname: str) -> str:
    (actor,) = [a for a in report.actors if surname in a.name]
    return actor.id


def test_the_three_promo_segments_go_and_the_story_stays(report: Report) -> None:
    assert [r.reason for r in report.removed] == ["promo", "promo", "video_title"]
    assert "IN OTHER NEWS" not in report.text and "NOW WATCH" not in report.text
    assert "The security architecture in Europe has failed." in report.text


def test_every_direct_quote_is_lukashenkos_through_the_daily_beast(report: Report) -> None:
    lukashenko, beast = actor_id(report, "Lukashenko"), actor_id(report, "Daily Beast")
    direct = [q for q in report.quotes if q.kind == "direct"]
    assert len(direct) >= 5
    assert all(q.speaker == lukashenko for q in direct)
    assert all(beast in q.via for q in report.quotes)
    assert not any(q.speaker == beast for q in report.quotes)


def test_the_headlines_dictator_is_the_outlets_own_name_calling(report: Report) -> None:
    headline_end = report.text.index("\n")
    labels = [t for t in report.techniques if t.end <= headline_end
              and report.text[t.start:t.end].lower() == "dictator"]
    assert labels and labels[0].technique == "Name_Calling,Labeling"
    assert labels[0].voice is not None and labels[0].voice.kind == "outlet"


def test_the_sentences_blaming_the_west_are_in_lukashenkos_voice(report: Report) -> None:
    lukashenko = actor_id(report, "Lukashenko")
    start = report.text.index("The unwillingness of Western countries")
    inside = [t for t in report.techniques if start <= t.start < start + 300]
    assert inside and all(t.voice is not None and t.voice.actor == lukashenko for t in inside)
    voices = {v.name: v for v in report.voices}
    assert voices["Alexander Lukashenko"].quotes >= 10
