"""Wire copies and near-duplicates: MinHash signatures and LSH (``datasketch``).

Each article's text becomes a set of word :data:`SHINGLE`-grams (lower-cased words,
accents kept), hashed into a MinHash of :data:`NUM_PERM` permutations (fixed seed, so a
rerun finds the same pairs). An LSH index at :data:`THRESHOLD` proposes candidate pairs;
a pair is kept when the signatures' estimated Jaccard similarity reaches the threshold.
Kept pairs are joined into clusters (connected components); each cluster's *original* is
its earliest-published article (ties and undated ones by id), and every other member
becomes one row ``(article_id, duplicate_of, similarity)`` — ``similarity`` being the
estimated Jaccard similarity between that copy and the original.

Texts with fewer than :data:`MIN_WORDS` words are left out (short texts, "Share this",
would otherwise match each other by accident).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from unspin.batch._minhash import Clusters, shingles, signature

__all__ = ["MIN_WORDS", "NUM_PERM", "SHINGLE", "THRESHOLD", "Duplicate", "find_duplicates"]

#: Words per shingle, permutations per signature, the LSH (and keep) threshold, and the
#: shortest text considered. Defaults of common near-duplicate practice, not tuned on data.
SHINGLE = 5
NUM_PERM = 128
THRESHOLD = 0.5
MIN_WORDS = 50
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Duplicate:
    """One copy: ``article_id`` is a near-duplicate of the original ``duplicate_of``."""

    article_id: str
    duplicate_of: str
    similarity: float


def find_duplicates(articles: Iterable[tuple[str, str, str | None]], *,
                    threshold: float = THRESHOLD) -> list[Duplicate]:
    """Near-duplicate copies among ``articles`` — ``(id, text, published)`` with
    ``published`` an ISO date or None — sorted by ``article_id``."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    sigs: dict[str, Any] = {}
    dates: dict[str, str] = {}
    clusters: Clusters[str] = Clusters()
    for article_id, text, published in articles:
        words = _WORD.findall((text or "").casefold())  # the text is tokenised once
        if article_id in sigs or len(words) < MIN_WORDS:
            continue
        m = signature(shingles(words, SHINGLE), NUM_PERM)
        clusters.add(article_id)
        for other in lsh.query(m):
            if m.jaccard(sigs[other]) >= threshold:
                clusters.join(article_id, other)
        lsh.insert(article_id, m)
        sigs[article_id] = m
        dates[article_id] = published or "9999"

    out: list[Duplicate] = []
    for members in clusters.groups():
        if len(members) < 2:
            continue
        original = min(members, key=lambda a: (dates[a], a))
        out.extend(Duplicate(a, original, round(float(sigs[a].jaccard(sigs[original])), 4))
                   for a in members if a != original)
    return sorted(out, key=lambda d: d.article_id)
