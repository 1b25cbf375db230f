"""Each quote says how its reporting verb frames the content (``Quote.cue_stance``); texts
are our own."""

from __future__ import annotations

import pytest
from spacy.language import Language

from unspin.pipeline._attribution.stance import DISTANCING, ENDORSING, NEUTRAL, cue_stance


@pytest.mark.parametrize(("text", "cue", "expected"), [
    ("Mara Keel said the dam was safe.", "said", "neutral"),
    ("Mara Keel told reporters the dam was safe.", "told", "neutral"),
    ("According to the council, the dam was safe.", "According to", "neutral"),
    ("Mara Keel claimed the dam was safe.", "claimed", "distancing"),
    ("Mara Keel has long insisted the dam is safe.", "has long insisted", "distancing"),
    ("The council alleges that the dam was unsafe.", "alleges", "distancing"),
    ("Mara Keel admitted the dam was unsafe.", "admitted", "endorsing"),
    ("Mara Keel acknowledged that the dam leaked.", "acknowledged", "endorsing"),
    ("Mara Keel pointed out that the dam leaked.", "pointed out", "endorsing"),
    ("Mara Keel did not admit the dam leaked.", "did not admit", "other"),
    ("Mara Keel believes the dam is safe.", "believes", "other"),
    ("Mara Keel warned the dam could fail.", "warned", "other"),
])
def test_the_reporting_verb_decides_the_stance(nlp: Language, text: str, cue: str,
                                               expected: str) -> None:
    doc = nlp(text)
    start = text.index(cue)
    assert cue_stance(doc, (start, start + len(cue))) == expected


def test_a_quote_without_a_cue_has_no_stance(nlp: Language) -> None:
    assert cue_stance(nlp('"We are ready."'), None) == "other"


def test_no_word_is_in_two_stances() -> None:
    assert not (NEUTRAL & ENDORSING) and not (NEUTRAL & DISTANCING)
    assert not (ENDORSING & DISTANCING)
