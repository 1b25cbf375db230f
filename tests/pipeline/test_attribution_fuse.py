"""Rules and tagger fused (``_attribution.fuse``): the tagger's spans, the rules' speaker,
addressee and chain. Tagged attributions are written by hand here, so these tests need no
model; the texts are our own."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from unspin.pipeline._attribution.fuse import fuse, nest
from unspin.pipeline._attribution.tagger import TaggedAttribution
from unspin.pipeline.actors import find_actors
from unspin.pipeline.quotes import rule_quotes
from unspin.report import Actor, Quote, Span


def _at(text: str, piece: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    return (start, start + len(piece))


def _parsed(nlp: Language, text: str) -> tuple[Doc, list[Actor], list[Quote]]:
    """The parse of ``text``, its actors and the rules' quotes."""
    doc = nlp(text)
    actors = find_actors(doc)
    return doc, actors, rule_quotes(doc, actors)[0]


def _numbered(quotes: list[Quote]) -> list[Quote]:
    return nest([q.model_copy(update={"id": f"q{n}"}) for n, q in enumerate(quotes, start=1)])


def test_as_shipped_a_match_keeps_the_rules_content_and_takes_the_taggers_cue(nlp: Language) -> None:
    text = "Mayor Ilse Brandt told the council on Monday that the bridge would reopen in May."
    doc, actors, rules = _parsed(nlp, text)
    tagged = [TaggedAttribution(content=(_at(text, "the bridge would reopen"),),
                                cue=(_at(text, "told the council"),), source=(_at(text, "Mayor Ilse Brandt"),),
                                score=0.9)]
    fused = fuse(doc, actors, rules, tagged)
    assert [(text[q.content.start:q.content.end], q.content) for q in fused] == [
        (text[q.content.start:q.content.end], q.content) for q in rules]
    assert [text[q.cue.start:q.cue.end] for q in fused if q.cue] == ["told the council"]
    assert fused[0].found_by == ["rules", "tagger"]


def test_a_match_can_take_the_taggers_spans_and_keep_the_rules_speaker(nlp: Language) -> None:
    text = "Mayor Ilse Brandt told the council on Monday that the bridge would reopen in May."
    doc, actors, rules = _parsed(nlp, text)
    assert rules, "the rules find this attribution"
    tagged = [TaggedAttribution(content=(_at(text, "the bridge would reopen in May"),),
                                cue=(_at(text, "told"),), source=(_at(text, "Mayor Ilse Brandt"),), score=0.9)]
    fused = fuse(doc, actors, rules, tagged, prefer="tagger")
    assert len(fused) == 1
    q = fused[0]
    assert text[q.content.start:q.content.end] == "the bridge would reopen in May"
    assert q.found_by == ["rules", "tagger"]
    names = {a.id: a.name for a in actors}
    assert names[q.speaker or ""] == "Ilse Brandt"
    assert q.cue_class == "speech"


def test_what_only_the_tagger_finds_gets_its_speaker_from_the_actors(nlp: Language) -> None:
    text = "Maria Lopez has long had doubts about the bridge's steel."
    doc = nlp(text)
    actors = find_actors(doc)
    tagged = [TaggedAttribution(content=(_at(text, "about the bridge's steel"),),
                                cue=(_at(text, "has long had doubts"),), source=(_at(text, "Maria Lopez"),),
                                score=0.8)]
    fused = fuse(doc, actors, [], tagged)
    assert [q.found_by for q in fused] == [["tagger"]]
    names = {a.id: a.name for a in actors}
    assert names[fused[0].speaker or ""] == "Maria Lopez"
    assert fused[0].kind == "indirect"
    assert fused[0].cue_class == "belief"


def test_rule_attributions_the_tagger_missed_are_kept(nlp: Language) -> None:
    text = '"The locks will hold," said Ilse Brandt.'
    doc, actors, rules = _parsed(nlp, text)
    fused = fuse(doc, actors, rules, [])
    assert [(q.kind, q.found_by) for q in fused] == [("direct", ["rules"])]
    assert fuse(doc, actors, rules, [], keep_rules="none") == []


def test_as_shipped_an_indirect_rule_attribution_needs_the_taggers_agreement(nlp: Language) -> None:
    text = "Ilse Brandt said the locks would hold."
    doc, actors, rules = _parsed(nlp, text)
    assert [q.kind for q in rules] == ["indirect"]
    assert fuse(doc, actors, rules, []) == []
    assert len(fuse(doc, actors, rules, [], keep_rules="all")) == 1


def test_a_mixed_quote_takes_the_speaker_of_the_attribution_around_it(nlp: Language) -> None:
    text = 'Ilse Brandt said the contractors had "cut every corner" on the bridge.'
    doc, actors, rules = _parsed(nlp, text)
    tagged = [TaggedAttribution(content=(_at(text, 'the contractors had "cut every corner" on the bridge'),),
                                cue=(_at(text, "said"),), source=(_at(text, "Ilse Brandt"),), score=0.9)]
    fused = fuse(doc, actors, rules, tagged, prefer="tagger")
    mixed = [q for q in fused if q.kind == "mixed"]
    assert mixed and all(q.speaker == fused[0].speaker is not None for q in mixed)


def test_an_attribution_inside_anothers_content_is_within_it() -> None:
    outer = Quote(id="", kind="indirect", content=Span(start=10, end=60), cue=Span(start=5, end=9),
                  confidence=0.8)
    inner = Quote(id="", kind="indirect", content=Span(start=30, end=60), cue=Span(start=22, end=29),
                  confidence=0.8)
    a, b = _numbered([outer, inner])
    assert a.within is None
    assert b.within == a.id
