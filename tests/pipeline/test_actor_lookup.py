"""ActorLookup gives what a scan of every actor's mentions gives (the longest overlap,
the first actor on a tie)."""

from __future__ import annotations

import random

from unspin.pipeline.actors import ActorLookup
from unspin.report import Actor
from unspin.report import Span as ReportSpan


def _scan(actors: list[Actor], start: int, end: int) -> Actor | None:
    best, best_len = None, 0
    for act in actors:
        for m in act.mentions:
            ov = min(end, m.end) - max(start, m.start)
            if ov > best_len:
                best, best_len = act, ov
    return best


def test_the_lookup_agrees_with_a_scan_of_every_mention() -> None:
    rng = random.Random(7)
    actors = []
    for k in range(30):
        starts = sorted(rng.sample(range(2000), 6))
        actors.append(Actor(id=f"a{k}", name=f"Person {k}", type="person", mentions=[
            ReportSpan(start=s, end=s + rng.randint(1, 25)) for s in starts]))
    lookup = ActorLookup(actors)
    for _ in range(500):
        a = rng.randint(0, 2000)
        b = a + rng.randint(1, 30)
        assert lookup.at(a, b) is _scan(actors, a, b)
