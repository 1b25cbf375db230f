"""SpanIndex answers "which spans are near [a, b]" with every span a full scan would keep,
in the order they were added (the stages' exact tests then run on what it returns)."""

from __future__ import annotations

import random

import pytest

from unspin.pipeline._spans import SpanIndex


def _touching(spans: list[tuple[int, int, int]], a: int, b: int) -> list[tuple[int, int, int]]:
    return [s for s in spans if s[0] <= b and s[1] >= a]


@pytest.mark.parametrize("seed", range(5))
def test_near_keeps_every_span_that_overlaps_or_holds_the_query_in_insertion_order(
        seed: int) -> None:
    rng = random.Random(seed)
    spans = [(a, a + rng.randint(0, 40), k)
             for k, a in enumerate(rng.choices(range(1000), k=200))]
    index = SpanIndex(spans[:150])
    for span in spans[150:]:  # some added one by one, after the others
        index.add(*span)
    for _ in range(200):
        a = rng.randint(-20, 1020)
        b = a + rng.randint(0, 60)
        got = [s for s in index.near(a, b) if s[0] <= b and s[1] >= a]
        assert got == _touching(spans, a, b)


def test_spans_of_one_item_share_its_rank_and_it_comes_back_once() -> None:
    index = SpanIndex.ranked([(50, 60, "late", 1), (0, 10, "early", 0), (5, 8, "late", 1)])
    assert index.items_near(0, 100) == ["early", "late"]
    assert [s[:2] for s in index.near(0, 100)] == [(0, 10), (5, 8), (50, 60)]


def test_an_empty_index_finds_nothing() -> None:
    assert SpanIndex[int]().near(0, 10) == []
