"""The HTML report: self-contained, escaped, and showing every layer the report carries."""

from __future__ import annotations

import re

import pytest

from unspin.render import render_html
from unspin.report import (
    Actor,
    Entity,
    Narrative,
    Quote,
    RemovedSegment,
    Report,
    SourceInfo,
    Span,
    Technique,
)

TEXT = ('Mayor <script>alert("x")</script> says "the bridge is safe"\n\n'
        '<img src=x onerror="alert(1)"> The council disagreed.')


def make_report(**layers: object) -> Report:
    return Report(unspin_version="test", id="r1", source=SourceInfo(kind="text"), language="en",
                  text=TEXT, raw_text=TEXT + "\nREAD MORE: elsewhere",
                  **layers)  # type: ignore[arg-type]


def test_article_markup_is_shown_as_text_never_run() -> None:
    page = render_html(make_report())
    article = page.split('<article id="article" tabindex="0">', 1)[1].split("</article>", 1)[0]
    assert "<script>" not in article and "<img" not in article
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in article
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in article
    assert page.count("<script>") == 1  # only the report's own toggle script


def test_the_page_makes_no_external_request() -> None:
    page = render_html(make_report())
    assert "default-src 'none'" in page
    assert not re.search(r'(?:src|href)\s*=\s*"(?:https?:)?//', page)
    assert "<link" not in page


def test_removed_segments_are_struck_through_where_they_stood() -> None:
    removed = [RemovedSegment(start=len(TEXT) + 1, end=len(TEXT) + 21, text="READ MORE: elsewhere",
                              reason="promo", at=len(TEXT))]
    page = render_html(make_report(removed=removed))
    assert '<del class="removed" title="removed: promo">READ MORE: elsewhere</del>' in page


def test_layers_become_highlights_with_explanations() -> None:
    start = TEXT.index("the bridge")
    report = make_report(
        entities=[Entity(start=0, end=5, label="PERSON", text="Mayor")],
        actors=[Actor(id="a1", name="Mayor", type="person", mentions=[Span(start=0, end=5)])],
        quotes=[Quote(id="q1", kind="direct", content=Span(start=start, end=start + 18),
                      speaker="a1", confidence=0.9)],
        techniques=[Technique(start=start, end=start + 10, technique="Loaded_Language", score=0.7)],
        narratives=[Narrative(label="N: x", narrative="N", subnarrative="x", score=0.6,
                              evidence=[Span(start=0, end=10)])],
    )
    page = render_html(report)
    assert 'class="ent ent-PERSON' in page
    assert "direct quote — Mayor" in page
    assert "technique: Loaded language (score 0.70)" in page
    assert 'data-ev="ev0"' in page and "ev ev0" in page
    assert "1 quote" in page


def test_a_saved_report_renders_from_its_json_dict() -> None:
    data = make_report().model_dump(mode="json")
    assert render_html(data) == render_html(make_report())


@pytest.mark.parametrize("title", ['"><script>alert(1)</script>', "<b>bold</b>"])
def test_metadata_is_escaped_too(title: str) -> None:
    report = make_report()
    report.source.title = title
    page = render_html(report)
    assert title not in page


def test_techniques_carry_their_voice_and_the_page_filters_by_it() -> None:
    from unspin.report import Voice, VoiceSummary

    outlet, mayor = Voice(kind="outlet"), Voice(kind="actor", actor="a1")
    report = make_report(
        actors=[Actor(id="a1", name="Mayor", type="person")],
        techniques=[Technique(start=0, end=5, technique="Doubt", score=0.5, voice=outlet),
                    Technique(start=30, end=40, technique="Slogans", score=0.5, voice=mayor)],
        voices=[VoiceSummary(voice=outlet, name="Daily Example", techniques={"Doubt": 1}),
                VoiceSummary(voice=mayor, name="Mayor", techniques={"Slogans": 1})],
    )
    page = render_html(report)
    assert 'data-voice="outlet"' in page and 'data-voice="actor:a1"' in page
    assert '<option value="outlet">Daily Example</option>' in page
    assert "[voice: Mayor]" in page
    assert "<h2>Voices</h2>" in page


def test_a_technique_underline_is_shaded_by_its_score() -> None:
    report = make_report(techniques=[Technique(start=0, end=5, technique="Doubt", score=0.42)])
    assert 'style="--ts:0.42"' in render_html(report)


def test_a_war_article_without_narratives_is_told_apart_from_an_off_topic_one() -> None:
    from unspin.report import NarrativeDomain

    war = render_html(make_report(narrative_domain=NarrativeDomain(
        domain="war", scores={"war": 0.9}, p_narrative=0.3)))
    assert "Ukraine war article; no narrative reached the bar (P = 0.30" in war
    off = render_html(make_report(narrative_domain=NarrativeDomain(
        domain="neither", scores={"neither": 0.95}, p_narrative=0.0)))
    assert "Off-topic" in off and "no narrative reached the bar" not in off
