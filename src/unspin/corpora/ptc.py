"""Reader for the Propaganda Techniques Corpus (SemEval-2020 Task 11, train split) and the
project's fixed held-out split of it.

The corpus folder holds ``train-articles/article<ID>.txt`` (title, blank line, one sentence a
line) and ``train-labels-task-flc-tc/article<ID>.task-flc-tc.labels`` (TSV ``id, technique,
start, end``: ``[start, end)`` character offsets into the article file).

Held-out split (documented in BENCHMARKS.md): an article is in ``dev`` when the first 8 hex
digits of ``sha256("unspin-ptc-dev:" + id)``, read as an integer, are 0 modulo 5 (about one
article in five; 74 of 371), otherwise in ``train``. The split never depends on the training
seed, so every run and every gate reads the same articles.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from unspin.errors import InputError

__all__ = ["SPLITS", "Article", "GoldSpan", "Sentence", "data_sha256", "merge", "read_articles",
           "si_counts", "si_scores", "split_of", "tc_groups", "tc_scores"]

SPLITS = ("train", "dev", "all")
_SALT = "unspin-ptc-dev:"


@dataclass(frozen=True)
class GoldSpan:
    """A gold technique span: ``[start, end)`` characters into the article's text."""

    start: int
    end: int
    technique: str


@dataclass(frozen=True)
class Sentence:
    """One line of an article: its text and where it starts in the article."""

    start: int
    text: str


@dataclass(frozen=True)
class Article:
    """An article and its gold spans. ``sentence_spans`` (``[start, end)`` offsets, none
    crossing a line break) replaces the one-sentence-a-line reading for articles from
    elsewhere (corrected exports, :mod:`unspin.train.corrections`)."""

    id: str
    text: str
    spans: tuple[GoldSpan, ...]
    sentence_spans: tuple[tuple[int, int], ...] = ()

    def sentences(self) -> list[Sentence]:
        """The article's sentences: ``sentence_spans`` when given, else its non-blank lines
        (the corpus has one sentence a line)."""
        if self.sentence_spans:
            return [Sentence(a, self.text[a:b]) for a, b in self.sentence_spans
                    if self.text[a:b].strip()]
        out: list[Sentence] = []
        pos = 0
        for line in self.text.split("\n"):
            if line.strip():
                out.append(Sentence(pos, line))
            pos += len(line) + 1
        return out


def split_of(article_id: str) -> str:
    """``"dev"`` or ``"train"``: the project's fixed held-out split (see the module docstring)."""
    digest = hashlib.sha256((_SALT + article_id).encode()).hexdigest()
    return "dev" if int(digest[:8], 16) % 5 == 0 else "train"


def _paths(folder: Path) -> Iterator[tuple[str, Path, Path]]:
    arts = folder / "train-articles"
    labels = folder / "train-labels-task-flc-tc"
    if not arts.is_dir() or not labels.is_dir():
        raise InputError(f"{folder} is not a PTC folder (no train-articles/ and "
                         "train-labels-task-flc-tc/); pass --data ../shared/data/ptc",
                         path=str(folder))
    for path in sorted(arts.glob("article*.txt")):
        aid = path.stem.removeprefix("article")
        yield aid, path, labels / f"article{aid}.task-flc-tc.labels"


def read_articles(folder: Path, split: str = "all") -> list[Article]:
    """The articles of ``split`` (``train``, ``dev`` or ``all``), sorted by id."""
    if split not in SPLITS:
        raise InputError(f"unknown PTC split {split!r}; choose from {', '.join(SPLITS)}")
    out: list[Article] = []
    for aid, path, lab in _paths(folder):
        if split != "all" and split_of(aid) != split:
            continue
        text = path.read_text(encoding="utf-8")
        spans: list[GoldSpan] = []
        if lab.is_file():
            for line in lab.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                _, technique, start, end = line.split("\t")
                spans.append(GoldSpan(int(start), int(end), technique))
        spans.sort(key=lambda s: (s.start, s.end, s.technique))
        out.append(Article(aid, text, tuple(spans)))
    return out


def data_sha256(folder: Path) -> str:
    """A hash of every article and label file (names and bytes), for an artifact's provenance."""
    h = hashlib.sha256()
    for aid, path, lab in _paths(folder):
        for p in (path, lab):
            h.update(f"{aid}/{p.name}\n".encode())
            if p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- metrics

Spans = Sequence[tuple[int, int]]


def merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping (or touching) ``[start, end)`` spans joined, sorted; empty ones dropped."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(x for x in spans if x[1] > x[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _credit(a: Spans, b: Spans) -> float:
    """Σ over spans in ``a`` of the share of its characters covered by spans in ``b``."""
    total = 0.0
    for s, e in a:
        inter = sum(max(0, min(e, e2) - max(s, s2)) for s2, e2 in b)
        total += inter / (e - s)
    return total


def si_counts(pred: Spans, gold: Spans) -> tuple[float, int, float, int]:
    """``(precision credit, predicted spans, recall credit, gold spans)`` for one article."""
    p, g = merge(pred), merge(gold)
    return _credit(p, g), len(p), _credit(g, p), len(g)


def si_scores(pairs: Iterable[tuple[Spans, Spans]]) -> tuple[float, float, float]:
    """SI precision, recall and F1 pooled over ``(predicted, gold)`` article pairs."""
    pc = rc = 0.0
    pn = gn = 0
    for pred, gold in pairs:
        a, b, c, d = si_counts(pred, gold)
        pc, pn, rc, gn = pc + a, pn + b, rc + c, gn + d
    p = pc / pn if pn else 0.0
    r = rc / gn if gn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def tc_groups(article: Article) -> list[tuple[int, int, list[str]]]:
    """The article's gold spans grouped by position: ``(start, end, techniques)``."""
    groups: dict[tuple[int, int], list[str]] = {}
    for s in article.spans:
        groups.setdefault((s.start, s.end), []).append(s.technique)
    return [(s, e, t) for (s, e), t in sorted(groups.items())]


def tc_scores(gold: Sequence[list[str]], pred: Sequence[list[str]]
              ) -> tuple[float, dict[str, tuple[float, float, float, int]]]:
    """Micro-F1 and per-technique ``(P, R, F1, support)`` for span groups."""
    tp: Counter[str] = Counter()
    npred: Counter[str] = Counter()
    ngold: Counter[str] = Counter()
    correct = total = 0
    for g, p in zip(gold, pred, strict=True):
        left = Counter(g)
        for label in p:
            npred[label] += 1
            if left[label] > 0:
                left[label] -= 1
                tp[label] += 1
                correct += 1
        ngold.update(g)
        total += len(g)
    per: dict[str, tuple[float, float, float, int]] = {}
    for label in sorted(set(ngold) | set(npred)):
        pr = tp[label] / npred[label] if npred[label] else 0.0
        rc = tp[label] / ngold[label] if ngold[label] else 0.0
        per[label] = (pr, rc, 2 * pr * rc / (pr + rc) if pr + rc else 0.0, ngold[label])
    p_all = correct / sum(npred.values()) if npred else 0.0
    r_all = correct / total if total else 0.0
    micro = 2 * p_all * r_all / (p_all + r_all) if p_all + r_all else 0.0
    return micro, per
