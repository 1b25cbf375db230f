"""What the trainers' tests share: a tiny labelled corpus of our own."""

from __future__ import annotations

import pytest

from unspin.corpora.ptc import Article, GoldSpan

LOADED_WORDS = ("outrageous", "shameful", "horrific", "disgraceful")


@pytest.fixture(scope="session")
def tiny_ptc() -> list[Article]:
    """Sixteen short articles; each loaded word is a Loaded_Language span. Ids are chosen so
    that the fit/tune split of :func:`unspin.train.techniques.tune_split` has both parts."""
    out: list[Article] = []
    for n in range(16):
        word = LOADED_WORDS[n % len(LOADED_WORDS)]
        text = (f"Town news number {n}\n\nThe committee met on Monday.\n"
                f"Residents called the decision {word}.\nThe bridge reopens soon.\n")
        start = text.index(word)
        out.append(Article(f"8{n:03d}", text,
                           (GoldSpan(start, start + len(word), "Loaded_Language"),)))
    return out
