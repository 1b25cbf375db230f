"""Items found by character span without looking at every item (issue 24).

The stages used to ask "which quotes overlap this sentence", "which attribution's content
holds this cue" by scanning every quote or attribution of the document, once per sentence
or per cue: quadratic in a transcript of a thousand short quotes. :class:`SpanIndex`
answers the same questions from the spans near the query.

``near(a, b)`` returns every item whose span could overlap or contain ``[a, b]``: those
starting in ``[a - longest, b]``, where ``longest`` is the longest span held (a span that
starts earlier ends before ``a``). Callers keep their own exact test on what it returns, so
a result is the one a full scan gives; the index only skips items that cannot pass. Items
come back in the order they were added (their *position*), so "the first that …" and
``min``/``max`` ties pick what a scan in that order picks.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from typing import Generic, TypeVar

__all__ = ["SpanIndex"]

T = TypeVar("T")


class SpanIndex(Generic[T]):
    """``(start, end, item)`` entries sorted by start; see the module doc."""

    def __init__(self, entries: Iterable[tuple[int, int, T]] = ()) -> None:
        #: (start, serial) sorted; serial indexes ``_entries`` and breaks ties
        self._keys: list[tuple[int, int]] = []
        self._entries: list[tuple[int, int, T, int]] = []  # start, end, item, position
        self._longest = 0
        for start, end, item in entries:
            self._put(start, end, item, len(self._entries))
        self._keys.sort()

    @classmethod
    def ranked(cls, entries: Iterable[tuple[int, int, T, int]]) -> SpanIndex[T]:
        """An index of ``(start, end, item, position)``: several spans of one item (an
        attribution's contents) share its position."""
        index: SpanIndex[T] = cls()
        for start, end, item, position in entries:
            index._put(start, end, item, position)
        index._keys.sort()
        return index

    def _put(self, start: int, end: int, item: T, position: int) -> None:
        serial = len(self._entries)
        self._entries.append((start, end, item, position))
        self._keys.append((start, serial))
        self._longest = max(self._longest, end - start)

    def add(self, start: int, end: int, item: T, position: int | None = None) -> None:
        """Add one entry; ``position`` (default: after every earlier one) orders results,
        so an item given the position of an earlier one ranks with it."""
        pos = len(self._entries) if position is None else position
        serial = len(self._entries)
        self._entries.append((start, end, item, pos))
        insort(self._keys, (start, serial))
        self._longest = max(self._longest, end - start)

    def near(self, a: int, b: int) -> list[tuple[int, int, T]]:
        """``(start, end, item)`` of every entry that could overlap or contain ``[a, b]``,
        by position (see the module doc)."""
        lo = bisect_left(self._keys, (a - self._longest, -1))
        hi = bisect_right(self._keys, (b, len(self._entries)))
        found = [self._entries[serial] for _, serial in self._keys[lo:hi]]
        found.sort(key=lambda f: f[3])  # stable: equal positions stay in start order
        return [(s, e, item) for s, e, item, _ in found]

    def items_near(self, a: int, b: int) -> list[T]:
        """The items of :meth:`near`, each once (an item held by several spans, once)."""
        seen: set[int] = set()
        out: list[T] = []
        for _, _, item in self.near(a, b):
            if id(item) not in seen:
                seen.add(id(item))
                out.append(item)
        return out
