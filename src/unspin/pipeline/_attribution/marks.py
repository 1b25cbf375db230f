"""Quotation marks: find quoted passages in a text without mistaking apostrophes for quotes.

Works on characters, before and independent of the parse. Handles straight (``"``), curly
(``“ ”``), low (``„``), guillemets (``« »``), the typewriter pair ``''`` / ````…''`` and
single quotes (``‘ ’`` and ``'``) where they cannot be apostrophes ("Belarus' dictator",
"rock 'n' roll", "don't").

Paragraph convention: when a quote runs on into the next paragraph, the writer leaves the
closing mark off and opens the next paragraph with an opening mark. Such a quote comes
out as one :class:`QuotedSpan` per paragraph, each later part pointing at its first part
through ``continues``. A quote whose closing mark is missing for any other reason ends at
its paragraph's end, and a note says so (the caller turns notes into report warnings).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from unspin.pipeline._spans import SpanIndex

OPEN_DOUBLE = "“„«"
CLOSE_DOUBLE = "”»"
STRAIGHT_DOUBLE = '"'
# ''…'' and ``…'' (typewriter / Penn Treebank style) are normalised to one mark each.
_MARK_RE = re.compile(r"``|''|[\"“”„«»]")
_SINGLE_RE = re.compile(r"[‘’']")
_PARA_RE = re.compile(r"\n\s*\n|\n")
#: A quoted passage longer than this (characters) without a closing mark is not a quote.
MAX_QUOTE_CHARS = 3000


@dataclass(frozen=True)
class QuotedSpan:
    """A quoted passage: ``[start, end)`` includes its marks (when present)."""

    start: int
    end: int
    closed: bool = True
    continues: int | None = None  # start of the first part of a multi-paragraph quote
    single: bool = False

    @property
    def inner(self) -> tuple[int, int]:
        """The passage without its quotation marks."""
        return (self.start + 1, self.end - 1 if self.closed else self.end)


@dataclass(frozen=True)
class MarkNote:
    """Something skipped or repaired: a character offset and what happened there."""

    at: int
    message: str


def _paragraph_ends(text: str) -> list[int]:
    ends = [m.start() for m in _PARA_RE.finditer(text)]
    ends.append(len(text))
    return ends


def _next_break(ends: list[int], pos: int) -> int:
    """The first paragraph end at or after ``pos`` (``ends`` sorted; a bisection, not a
    scan: this runs once per quotation mark)."""
    i = bisect_left(ends, pos)
    if i < len(ends):
        return ends[i]
    return len(ends) and ends[-1]


def _is_opening_straight(text: str, i: int, width: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + width] if i + width < len(text) else " "
    if before.isspace() or before in "([{—–-/:" or i == 0:
        return not after.isspace()
    return False


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def find_quoted(text: str) -> tuple[list[QuotedSpan], list[MarkNote]]:
    """Quoted passages in ``text`` (double quotes first, then single quotes outside them)."""
    spans, notes = _find_double(text)
    covered = [(s.start, s.end) for s in spans]
    singles = _find_single(text, covered)
    spans.extend(singles)
    spans.sort(key=lambda s: s.start)
    return spans, notes


def _find_double(text: str) -> tuple[list[QuotedSpan], list[MarkNote]]:
    ends = _paragraph_ends(text)
    spans: list[QuotedSpan] = []
    notes: list[MarkNote] = []
    open_at: int | None = None
    first_part: int | None = None
    for m in _MARK_RE.finditer(text):
        i, mark = m.start(), m.group()
        width = len(mark)
        if mark in OPEN_DOUBLE or mark == "``":
            kind = "open"
        elif mark in CLOSE_DOUBLE:
            kind = "close"
        else:  # " or ''
            if mark == "''" and open_at is None and not _is_opening_straight(text, i, width):
                continue  # a stray pair of apostrophes
            if open_at is None:
                kind = "open" if _is_opening_straight(text, i, width) else "close"
            else:
                kind = "close"
                # a straight mark that plainly opens (space before, word after) while a
                # quote is open in an earlier paragraph starts a new quote
                if _is_opening_straight(text, i, width) and _next_break(ends, open_at) < i:
                    kind = "open"
        if kind == "open":
            if open_at is not None:
                brk = _next_break(ends, open_at)
                if brk < i:
                    # the paragraph convention: the quote went on into this paragraph
                    end = _rstrip_end(text, open_at, brk)
                    spans.append(QuotedSpan(open_at, end, False, first_part))
                    if text[brk:i].strip() == "":
                        first_part = open_at if first_part is None else first_part
                    else:
                        notes.append(MarkNote(open_at, "quotation mark left open at the end of its paragraph; the quote was closed there"))
                        first_part = None
                else:
                    notes.append(MarkNote(open_at, "quotation mark opened twice without closing; the first one was ignored"))
            elif first_part is not None and text[_prev_break(ends, i):i].strip():
                first_part = None
            open_at = i
            continue
        # close
        if open_at is None:
            notes.append(MarkNote(i, "closing quotation mark without an opening one was ignored"))
            continue
        brk = _next_break(ends, open_at)
        if brk < i:
            end = _rstrip_end(text, open_at, brk)
            spans.append(QuotedSpan(open_at, end, False, first_part))
            notes.append(MarkNote(open_at, "quotation mark left open at the end of its paragraph; the quote was closed there"))
            first_part = None
            open_at = None
            continue
        spans.append(QuotedSpan(open_at, i + width, True, first_part))
        first_part = None
        open_at = None
    if open_at is not None:
        brk = _next_break(ends, open_at)
        end = _rstrip_end(text, open_at, brk)
        if end - open_at <= MAX_QUOTE_CHARS:
            spans.append(QuotedSpan(open_at, end, False, first_part))
        notes.append(MarkNote(open_at, "quotation mark never closed; the quote was closed at the end of its paragraph"))
    # a single-part "continuation" whose first part was dropped is just unclosed
    firsts = {s.start for s in spans}
    fixed = [s if s.continues is None or s.continues in firsts else QuotedSpan(s.start, s.end, s.closed) for s in spans]
    return fixed, notes


def _prev_break(ends: list[int], pos: int) -> int:
    """The last paragraph end before ``pos``, else 0."""
    i = bisect_left(ends, pos) - 1
    return ends[i] if i >= 0 else 0


def _find_single(text: str, covered: list[tuple[int, int]]) -> list[QuotedSpan]:
    """Single-quoted passages: an opening mark after a space and a closing one before a
    non-letter, in one paragraph, not nested in a double quote, longer than a clitic."""

    index = SpanIndex((a, b, None) for a, b in covered)

    def inside(pos: int) -> bool:
        return any(a <= pos < b for a, b, _ in index.near(pos, pos))

    out: list[QuotedSpan] = []
    marks = [m.start() for m in _SINGLE_RE.finditer(text)]
    i = 0
    while i < len(marks):
        o = marks[i]
        before = text[o - 1] if o > 0 else " "
        after = text[o + 1] if o + 1 < len(text) else " "
        opening = (o == 0 or before.isspace() or before in "([{—–-") and after.isalnum() and text[o] != "’"
        if not opening or inside(o):
            i += 1
            continue
        closed_at, closed_j = None, i
        line_end = text.find("\n", o)  # (was a slice of the text per candidate mark)
        for j in range(i + 1, len(marks)):
            c = marks[j]
            if 0 <= line_end < c:
                break
            nxt = text[c + 1] if c + 1 < len(text) else " "
            prv = text[c - 1]
            if text[c] == "‘":
                continue
            if prv.isalpha() and nxt.isalpha():
                continue  # an apostrophe inside a word: don't, Lukashenko’s
            if not nxt.isalnum():
                closed_at, closed_j = c, j
                break
        if closed_at is None:
            i += 1
            continue
        inner = text[o + 1 : closed_at]
        if len(inner.strip()) <= 2:
            i += 1  # 'n', 'em
            continue
        out.append(QuotedSpan(o, closed_at + 1, True, None, True))
        i = closed_j + 1
    return out
