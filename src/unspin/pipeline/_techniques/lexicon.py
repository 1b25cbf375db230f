"""Labels that are name-calling wherever they stand: a small lexicon beside the learned tagger.

The frozen-encoder tagger misses single pejorative nouns used as a label ("the dictator",
"a warmonger"), which annotators mark as Name_Calling,Labeling almost every time. This list
holds such nouns (our own selection, singular and plural), matched as whole words, case
folded. It only adds a span where the tagger found nothing overlapping. Its effect on the
held-out PTC split is recorded in BENCHMARKS.md (Persuasion techniques).
"""

from __future__ import annotations

import re

LABEL_SCORE = 0.5

_NOUNS = (
    "dictator", "tyrant", "despot", "warmonger", "thug", "crook", "traitor", "puppet",
    "stooge", "lackey", "henchman", "propagandist", "demagogue", "fascist", "nazi", "commie",
    "bigot", "zealot", "lunatic", "madman", "maniac", "moron", "idiot", "imbecile", "clown",
    "buffoon", "liar", "hypocrite", "snowflake", "globalist", "butcher", "warlord",
    "kleptocrat", "gangster", "mobster", "parasite",
)
_PLURAL = {"madman": "madmen", "henchman": "henchmen"}
_WORDS = sorted({*_NOUNS, *(_PLURAL.get(n, n + "s") for n in _NOUNS)}, key=len, reverse=True)
_PATTERN = re.compile(r"\b(?:" + "|".join(map(re.escape, _WORDS)) + r")\b", re.IGNORECASE)


def label_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every lexicon label in ``text``."""
    return [(m.start(), m.end()) for m in _PATTERN.finditer(text)]
