"""Voice: a span inside a quote is the speaker's; outside, the outlet's; indirect is 'reported'."""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

from unspin.pipeline import register_extensions
from unspin.pipeline.voice import VoiceAttributor, summarize, voice_of
from unspin.report import Actor, Evidence, Narrative, Quote, Role, Span, Technique

TEXT = ('Tyrant of the north ignores the rules\n\n'
        '"We are the only ones who tell the truth," the governor said. '
        'He claimed that foreign agents were behind the protests.')
DIRECT = Quote(id="q1", kind="direct", content=Span(start=39, end=79), speaker="a1",
               via=["a2"], confidence=0.9)
INDIRECT_START = TEXT.index("foreign agents")
INDIRECT = Quote(id="q2", kind="indirect",
                 content=Span(start=INDIRECT_START, end=len(TEXT) - 1), speaker="a1",
                 confidence=0.7)
ACTORS = [Actor(id="a1", name="the governor", type="person"),
          Actor(id="a2", name="Northern Wire", type="outlet")]


def test_the_headline_is_the_outlets_voice() -> None:
    assert voice_of(0, 6, [DIRECT, INDIRECT]).kind == "outlet"


def test_a_span_inside_a_direct_quote_is_the_speakers_through_the_chain() -> None:
    start = TEXT.index("the only ones")
    voice = voice_of(start, start + 13, [DIRECT, INDIRECT])
    assert (voice.kind, voice.actor, voice.via, voice.quote, voice.reported) == \
        ("actor", "a1", ["a2"], "q1", False)


def test_a_span_inside_an_indirect_quote_is_the_speakers_as_reported() -> None:
    voice = voice_of(INDIRECT_START, INDIRECT_START + 14, [DIRECT, INDIRECT])
    assert voice.actor == "a1" and voice.reported


def test_a_span_mostly_outside_a_quote_stays_the_outlets() -> None:
    # 5 characters inside the quote, 30 outside
    assert voice_of(DIRECT.content.start - 30, DIRECT.content.start + 5, [DIRECT]).kind == "outlet"


def test_the_stage_fills_voices_and_a_summary_per_speaker_and_outlet() -> None:
    register_extensions()
    doc = Doc(spacy.blank("en").vocab, words=TEXT.split())
    doc._.actors = ACTORS
    doc._.quotes = [DIRECT, INDIRECT]
    doc._.techniques = [
        Technique(start=0, end=6, technique="Name_Calling,Labeling", score=0.8),
        Technique(start=TEXT.index("the only ones"), end=TEXT.index("the only ones") + 13,
                  technique="Exaggeration,Minimisation", score=0.6),
    ]
    sentence = Evidence(start=39, end=79)
    doc._.narratives = [Narrative(label="X: y", narrative="X", subnarrative="y", score=0.5,
                                  evidence=[sentence])]
    doc._.roles = [Role(start=81, end=93, actor="a1", main_role="Protagonist",
                        fine_roles=["Guardian"], score=0.6)]
    VoiceAttributor()(doc)
    name_calling, exaggeration = doc._.techniques
    assert name_calling.voice.kind == "outlet"
    assert exaggeration.voice.actor == "a1"
    assert doc._.narratives[0].evidence[0].voice.actor == "a1"
    by_name = {s.name: s for s in doc._.voices}
    assert by_name["the outlet"].techniques == {"Name_Calling,Labeling": 1}
    governor = by_name["the governor"]
    assert governor.quotes == 2
    assert governor.techniques == {"Exaggeration,Minimisation": 1}
    assert governor.narratives == ["X: y"]
    assert governor.roles == ["Protagonist (Guardian)"]


def test_a_report_without_quotes_is_all_outlet() -> None:
    summaries = summarize([], [], [Technique(start=0, end=3, technique="Doubt", score=0.5)],
                          [], [], "Daily Example")
    assert [(s.name, s.techniques) for s in summaries] == [("Daily Example", {"Doubt": 1})]


def test_an_attribution_without_a_speaker_leaves_the_outlets_voice() -> None:
    anonymous = DIRECT.model_copy(update={"speaker": None})
    start = TEXT.index("the only ones")
    assert voice_of(start, start + 13, [anonymous]).kind == "outlet"
