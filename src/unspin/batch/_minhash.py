"""What the two copy finders share (:mod:`unspin.batch.duplicates` for articles,
:mod:`unspin.batch.quote_copies` for quotes): word n-gram shingles, a MinHash signature
with a fixed seed (so a rerun proposes the same pairs), and the clusters that kept pairs
join into. Each finder keeps its own words, sizes, thresholds and test for a pair."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["SEED", "Clusters", "shingles", "signature"]

#: The MinHash permutations' seed: fixed, so the signatures are the same in every run.
SEED = 1

K = TypeVar("K", bound=Hashable)


def shingles(words: Sequence[str], n: int) -> set[str]:
    """The word ``n``-grams of ``words``, joined by spaces (one, all the words, when there
    are fewer than ``n``)."""
    return {" ".join(words[i:i + n]) for i in range(max(len(words) - n + 1, 1))}


def signature(grams: Iterable[str], num_perm: int) -> Any:
    """A ``datasketch.MinHash`` of ``num_perm`` permutations over ``grams`` (UTF-8)."""
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=SEED)
    m.update_batch([g.encode("utf-8") for g in sorted(grams)])
    return m


class Clusters(Generic[K]):
    """Disjoint sets (union-find with path halving): ``add`` each item, ``join`` the pairs
    that match, then ``groups`` lists the clusters."""

    def __init__(self) -> None:
        self._parent: dict[K, K] = {}

    def add(self, item: K) -> None:
        self._parent.setdefault(item, item)

    def find(self, item: K) -> K:
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def join(self, a: K, b: K) -> None:
        self._parent[self.find(a)] = self.find(b)

    def groups(self) -> list[list[K]]:
        """Every cluster (singletons too), each in the order its items were added, the
        clusters in the order of their first item."""
        out: dict[K, list[K]] = {}
        for item in self._parent:
            out.setdefault(self.find(item), []).append(item)
        return list(out.values())
