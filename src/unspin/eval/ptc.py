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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from unspin.errors import InputError

__all__ = ["SPLITS", "Article", "GoldSpan", "Sentence", "data_sha256", "read_articles", "split_of"]

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
