"""Reader and scorers for SemEval-2025 Task 10 (entity framing, narratives), train split.

Layout (``../shared/data/semeval2025-t10``)::

    subtask2_narratives.txt, subtask2_subnarratives.txt     the taxonomy, one label a line
    train/<LANG>/raw-documents/<id>.txt                      the articles
    train/<LANG>/subtask-1-annotations.txt                   id, mention, start, end, main, fine…
    train/<LANG>/subtask-2-annotations.txt                   id, narratives;…, subnarratives;…

Conventions checked against the text (EN):

* Subtask 1 offsets are *end inclusive* (``text[start:end + 1] == mention`` for 403 of 414
  EN rows). The other 11 are shifted by a character or two; :func:`read_role_mentions`
  finds the mention within a few characters of the given offset and returns ``[start, end)``
  (end exclusive, like every span in unspin), counting the rows it could not place.
* "Other" appears at two levels: the document label ``Other`` (no narrative of the
  taxonomy: 97 of 200 EN documents) and ``<narrative>: Other`` (the narrative, but none of
  its named subnarratives). Both are classes of the official metric.
* The domain (URW / CC) is in the document id (``EN_UA_…`` / ``EN_CC_…``).

Official metric (subtask 2): for each document, binary F1 over the class vector (the
taxonomy's labels, ``Other`` included), averaged over documents ("samples F1"); computed at
the fine (subnarrative) and coarse (narrative) level.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unspin.errors import InputError

__all__ = [
    "OTHER",
    "NarrativeDoc",
    "RoleMention",
    "Taxonomy",
    "domain_of",
    "kfold",
    "read_narrative_docs",
    "read_role_mentions",
    "read_taxonomy",
    "resolve_root",
    "sample_f1",
    "samples_f1",
]

OTHER = "Other"
DOMAINS: tuple[str, ...] = ("URW", "CC")

#: Main roles and the fine roles under each (SemEval-2025 Task 10, subtask 1).
ROLE_TAXONOMY: dict[str, tuple[str, ...]] = {
    "Protagonist": ("Guardian", "Martyr", "Peacemaker", "Rebel", "Underdog", "Virtuous"),
    "Antagonist": ("Instigator", "Conspirator", "Tyrant", "Foreign Adversary", "Traitor", "Spy",
                   "Saboteur", "Corrupt", "Incompetent", "Terrorist", "Deceiver", "Bigot"),
    "Innocent": ("Forgotten", "Exploited", "Victim", "Scapegoat"),
}


def resolve_root(data: Path) -> Path:
    """The task folder: ``data`` itself, or ``data/semeval2025-t10`` when given the corpora root."""
    for cand in (data, data / "semeval2025-t10"):
        if (cand / "subtask2_subnarratives.txt").is_file():
            return cand
    raise InputError(
        f"no SemEval-2025 Task 10 data under {data}; pass --data ../shared/data/semeval2025-t10",
        path=str(data),
    )


def domain_of(label: str) -> str | None:
    """``URW`` / ``CC`` for a taxonomy label, ``None`` for ``Other``."""
    head = label.split(":", 1)[0]
    return head if head in DOMAINS else None


@dataclass(frozen=True)
class Taxonomy:
    """The narrative taxonomy: coarse labels and fine labels, ``Other`` included in both."""

    narratives: tuple[str, ...]
    subnarratives: tuple[str, ...]

    def parent(self, sub: str) -> str:
        """The narrative a subnarrative belongs to (``Other`` for ``Other``)."""
        if sub == OTHER:
            return OTHER
        return sub.rsplit(": ", 1)[0]

    def children(self, narrative: str) -> list[str]:
        return [s for s in self.subnarratives if s != OTHER and self.parent(s) == narrative]

    def in_domain(self, domain: str) -> tuple[list[str], list[str]]:
        """``(narratives, subnarratives)`` of one domain, ``Other`` excluded."""
        nar = [n for n in self.narratives if domain_of(n) == domain]
        sub = [s for s in self.subnarratives if domain_of(s) == domain]
        return nar, sub


def _lines(path: Path) -> tuple[str, ...]:
    return tuple(x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip())


def read_taxonomy(root: Path) -> Taxonomy:
    root = resolve_root(root)
    return Taxonomy(
        narratives=_lines(root / "subtask2_narratives.txt"),
        subnarratives=_lines(root / "subtask2_subnarratives.txt"),
    )


@dataclass
class NarrativeDoc:
    """One annotated article: its labels as in the release (``Other`` kept)."""

    id: str
    text: str
    domain: str
    narratives: list[str] = field(default_factory=list)
    subnarratives: list[str] = field(default_factory=list)


def _domain_from_id(doc_id: str) -> str:
    return "CC" if "_CC_" in doc_id else "URW"


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(x.strip() for x in items if x.strip()))


def read_narrative_docs(root: Path, lang: str = "EN") -> list[NarrativeDoc]:
    """The subtask-2 documents of ``lang``, sorted by id."""
    root = resolve_root(root)
    folder = root / "train" / lang
    out: list[NarrativeDoc] = []
    for line in (folder / "subtask-2-annotations.txt").read_text(encoding="utf-8").splitlines():
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3:
            continue
        doc_id = parts[0].strip()
        text = (folder / "raw-documents" / doc_id).read_text(encoding="utf-8")
        out.append(NarrativeDoc(
            id=doc_id, text=text, domain=_domain_from_id(doc_id),
            narratives=_unique(parts[1].split(";")), subnarratives=_unique(parts[2].split(";")),
        ))
    return sorted(out, key=lambda d: d.id)


@dataclass(frozen=True)
class RoleMention:
    """One annotated entity mention; ``[start, end)`` characters into the raw document."""

    doc_id: str
    mention: str
    start: int
    end: int
    main_role: str
    fine_roles: tuple[str, ...]


def _place(text: str, mention: str, start: int, end_incl: int) -> tuple[int, int] | None:
    if text[start : end_incl + 1] == mention:
        return start, end_incl + 1
    for shift in sorted(range(-8, 9), key=abs):
        s = start + shift
        if s >= 0 and text[s : s + len(mention)] == mention:
            return s, s + len(mention)
    return None


def read_role_mentions(root: Path, lang: str = "EN") -> tuple[list[RoleMention], dict[str, str], int]:
    """``(mentions, texts by doc id, rows that could not be placed)`` for subtask 1."""
    root = resolve_root(root)
    folder = root / "train" / lang
    texts: dict[str, str] = {}
    out: list[RoleMention] = []
    missed = 0
    for line in (folder / "subtask-1-annotations.txt").read_text(encoding="utf-8").splitlines():
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 6:
            continue
        doc_id, mention = parts[0].strip(), parts[1]
        if doc_id not in texts:
            texts[doc_id] = (folder / "raw-documents" / doc_id).read_text(encoding="utf-8")
        span = _place(texts[doc_id], mention, int(parts[2]), int(parts[3]))
        if span is None:
            missed += 1
            continue
        out.append(RoleMention(
            doc_id=doc_id, mention=mention, start=span[0], end=span[1],
            main_role=parts[4].strip(), fine_roles=tuple(_unique(parts[5:])),
        ))
    return out, texts, missed


def sample_f1(gold: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> float:
    """Binary F1 of one document's label vector (labels outside ``classes`` ignored; 0/0 = 0)."""
    cls = set(classes)
    g = {x for x in gold if x in cls}
    p = {x for x in pred if x in cls}
    tp = len(g & p)
    if tp == 0:
        return 0.0
    return 2 * tp / (len(g) + len(p))


def samples_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]],
               classes: Sequence[str]) -> float:
    """Mean of :func:`sample_f1` over documents (the official subtask-2 metric)."""
    if not gold:
        return 0.0
    return sum(sample_f1(g, p, classes) for g, p in zip(gold, pred, strict=True)) / len(gold)


def kfold(ids: Sequence[str], k: int, seed: int) -> list[list[str]]:
    """``k`` disjoint folds of ``ids`` (shuffled with ``seed``; sizes differ by at most one)."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def score_roles(gold: list[tuple[str, tuple[str, ...]]],
                pred: list[tuple[str, tuple[str, ...]]]) -> dict[str, float]:
    """EMR, main-role accuracy and fine-role micro P/R/F1 of ``(main, fine roles)`` pairs."""
    n = max(len(gold), 1)
    emr = sum(set(g[1]) == set(p[1]) for g, p in zip(gold, pred, strict=True)) / n
    acc = sum(g[0] == p[0] for g, p in zip(gold, pred, strict=True)) / n
    tp = sum(len(set(g[1]) & set(p[1])) for g, p in zip(gold, pred, strict=True))
    np_ = sum(len(set(p[1])) for p in pred)
    ng = sum(len(set(g[1])) for g in gold)
    prec = tp / np_ if np_ else 0.0
    rec = tp / ng if ng else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"emr": emr, "main_accuracy": acc, "micro_p": prec, "micro_r": rec, "micro_f1": f1}
