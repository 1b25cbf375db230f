"""Speakers that only the page's layout names: a direct quote with no speaker gets one
from the line right after it when that line is a signature ("— Commissioner Maria Lopez"),
or from the line right before it when that line is a lead-in ending in a colon ("And from
Chairwoman Ruth Adler:"). The name must be a person the actors stage found on that line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from unspin.report import Actor, Quote
from unspin.report import Span as ReportSpan

__all__ = ["layout_speakers"]

_SIGNATURE = re.compile(r"^\s*(?:[—–―]|-{1,2})\s*\S")
#: A signature or a lead-in is a short line: a name with its title, not a paragraph.
MAX_LINE = 120


def _lines(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for part in text.split("\n"):
        out.append((start, start + len(part)))
        start += len(part) + 1
    return out


def _person_on(actors: Sequence[Actor], a: int, b: int, *, last: bool
               ) -> tuple[Actor, ReportSpan] | None:
    found = [(m.start, act, m) for act in actors if act.type == "person"
             for m in act.mentions if a <= m.start and m.end <= b]
    if not found:
        return None
    _, act, mention = max(found, key=lambda f: f[0]) if last else min(found, key=lambda f: f[0])
    return act, mention


def layout_speakers(text: str, actors: Sequence[Actor], quotes: Sequence[Quote]) -> list[Quote]:
    """``quotes`` with a speaker (and source) from a signature or colon lead-in line for
    each direct quote that has none (see the module doc)."""
    lines = [(a, b) for a, b in _lines(text) if text[a:b].strip()]

    def index_of(pos: int) -> int:
        return next((k for k, (a, b) in enumerate(lines) if a <= pos <= b), -1)

    out: list[Quote] = []
    for q in quotes:
        if q.kind != "direct" or q.speaker is not None:
            out.append(q)
            continue
        first, last = index_of(q.content.start), index_of(max(q.content.end - 1, q.content.start))
        found = None
        if 0 <= last < len(lines) - 1:
            a, b = lines[last + 1]
            if b - a <= MAX_LINE and _SIGNATURE.match(text[a:b]):
                found = _person_on(actors, a, b, last=False)
        if found is None and first > 0:
            a, b = lines[first - 1]
            if b - a <= MAX_LINE and text[a:b].rstrip().endswith(":"):
                found = _person_on(actors, a, b, last=True)
        if found is None:
            out.append(q)
            continue
        actor, mention = found
        out.append(q.model_copy(update={
            "speaker": actor.id, "source": ReportSpan(start=mention.start, end=mention.end),
            "confidence": max(q.confidence, 0.6)}))
    return out
