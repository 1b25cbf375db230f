"""Repeated quotes: the same direct quote in more than one article, altered or not.

A quote that travels (the same words in several outlets, sometimes trimmed or changed) is
what fact-checkers trace. Each direct quote of at least :data:`MIN_WORDS` words becomes a
set of word :data:`SHINGLE`-grams (the quoted words normalised: case-folded, punctuation and
quotation marks dropped). A MinHash LSH index (``datasketch``, fixed seed) at
:data:`CANDIDATE` proposes pairs; a pair is one quote when at least :data:`CONTAINMENT` of the
shorter quote's shingles, and at least :data:`MIN_SHARED`, are in the other (exact, so "we
will build the wall" inside a longer quote of the same words matches). Matches are joined into clusters; a cluster is
kept when its quotes come from two articles or more.

Each occurrence's ``similarity`` is the exact Jaccard of its shingles with those of the
cluster's ``first`` appearance (earliest published, then article id, then position), and
``altered`` says whether its normalised words differ from the first's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from unspin.batch._minhash import Clusters, shingles, signature

__all__ = ["CANDIDATE", "CONTAINMENT", "MIN_SHARED", "MIN_WORDS", "SHINGLE", "QuoteCopy", "QuoteText",
           "find_quote_copies", "normalise"]

#: Quotes shorter than this many words ("We will win") are too common to trace.
MIN_WORDS = 6
SHINGLE = 3
#: The LSH index's Jaccard threshold for candidate pairs (below the containment bar, so a
#: trimmed copy is still proposed).
CANDIDATE = 0.3
#: The share of the shorter quote's shingles found in the other for the two to be one quote
#: (one word changed in a ten-word quote keeps 5 of its 8 word 3-grams). Set before the
#: hand check, not tuned on it.
CONTAINMENT = 0.5
#: ... and they share at least this many 3-grams (six words in a row): two short quotes
#: opening alike ("It's going to be built", "It's going to be challenging", "I'm a big fan
#: of Paul") are two quotes, and clusters do not chain through such openings. Set after
#: the hand checks found exactly those errors (3 then 4 from 3: BENCHMARKS.md).
MIN_SHARED = 4
_NUM_PERM = 64
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class QuoteText:
    """One direct quote of one article, with where and when it appeared."""

    article_id: str
    quote_id: str
    text: str
    outlet: str | None = None
    published: str | None = None
    start: int = 0


@dataclass(frozen=True)
class QuoteCopy:
    """One occurrence of a repeated quote (a row of ``quote_copies.parquet``)."""

    cluster: int
    article_id: str
    quote_id: str
    outlet: str | None
    published: str | None
    first: bool
    similarity: float
    altered: bool


def normalise(text: str) -> list[str]:
    """The quoted words, case-folded, without punctuation or quotation marks
    (curly apostrophes read as straight ones)."""
    return _WORD.findall(text.replace("’", "'").casefold())


def find_quote_copies(quotes: Iterable[QuoteText]) -> list[QuoteCopy]:
    """Every occurrence of a direct quote that appears in two articles or more, ordered by
    cluster (numbered from 1 in order of first appearance) and then by appearance."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=CANDIDATE, num_perm=_NUM_PERM)
    items: list[QuoteText] = []
    words: list[list[str]] = []
    sets: list[set[str]] = []
    clusters: Clusters[int] = Clusters()
    for q in quotes:
        w = normalise(q.text)
        if len(w) < MIN_WORDS:
            continue
        k = len(items)
        sh = shingles(w, SHINGLE)
        m = signature(sh, _NUM_PERM)
        items.append(q)
        words.append(w)
        sets.append(sh)
        clusters.add(k)
        for other in lsh.query(m):
            j = int(other)
            shared = len(sh & sets[j])
            if shared >= max(MIN_SHARED, CONTAINMENT * min(len(sh), len(sets[j]))):
                clusters.join(k, j)
        lsh.insert(str(k), m)

    def order(k: int) -> tuple[str, str, int]:
        return (items[k].published or "9999", items[k].article_id, items[k].start)

    kept = [sorted(ms, key=order) for ms in clusters.groups()
            if len({items[k].article_id for k in ms}) >= 2]
    kept.sort(key=lambda ms: order(ms[0]))
    out: list[QuoteCopy] = []
    for n, members in enumerate(kept, start=1):
        first = members[0]
        for k in members:
            q = items[k]
            union = len(sets[k] | sets[first])
            out.append(QuoteCopy(
                cluster=n, article_id=q.article_id, quote_id=q.quote_id, outlet=q.outlet,
                published=q.published, first=k == first,
                similarity=round(len(sets[k] & sets[first]) / union, 4) if union else 1.0,
                altered=words[k] != words[first]))
    return out
