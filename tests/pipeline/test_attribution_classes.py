"""Each quote says what kind of attribution it is (``Quote.cue_class``); texts are our own."""

from __future__ import annotations

import pytest
from spacy.language import Language

from unspin.pipeline._attribution.classes import cue_class


@pytest.mark.parametrize(("text", "cue", "expected"), [
    ("Mara Keel said the dam was safe.", "said", "speech"),
    ("According to the council, the dam was safe.", "According to", "speech"),
    ("Mara Keel believes the dam is safe.", "believes", "belief"),
    ("Mara Keel doesn't want the dam to close.", "doesn't want", "intention"),
    ("Mara Keel plans to close the dam.", "plans", "intention"),
    ("A survey found that most residents feel safe.", "found", "finding"),
    ("Mara Keel seems to know the dam well.", "seems", "perception"),
    ("Mara Keel reserved her warmest praise for the engineers.", "reserved", "other"),
])
def test_the_cue_words_decide_the_class(nlp: Language, text: str, cue: str, expected: str) -> None:
    doc = nlp(text)
    start = text.index(cue)
    assert cue_class(doc, (start, start + len(cue))) == expected


def test_a_quote_without_a_cue_is_speech(nlp: Language) -> None:
    assert cue_class(nlp('"We are ready."'), None) == "speech"
