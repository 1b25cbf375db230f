"""Reader for PolNeAR v1.0.0 (Newell, Margolin & Ruths, LREC 2018), BRAT standoff.

Layout (under the folder the user gives, e.g. ``../shared/data/polnear``)::

    data/<split>/text/<article>.txt
    data/<split>/attributions/<article>_<annotator>.ann

``T`` lines are ``T<n> <Label> <start> <end>[;<start> <end>…] <surface text>`` with
character offsets into the text file, end exclusive; a span may be discontinuous
(``;``-separated fragments). Labels used here: ``Source``, ``Cue``, ``Content``; the
``Attribution`` / ``Attribution-no-source`` trigger lines and ``Discard`` / ``Discuss``
notes are not spans we score. ``E`` lines tie one attribution's parts:
``E<n> Attribution:T4 Content:T3 Cue:T2 Source:T1`` (the source is missing for
``Attribution-no-source``).

Some articles were annotated by several annotators (agreement checks); we keep the
annotation file whose annotator id sorts first, so every article counts once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unspin.errors import InputError

#: A span as fragments of ``[start, end)`` character offsets, in text order.
Fragments = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class GoldAttribution:
    """One annotated attribution; each part is its fragments (empty when absent)."""

    id: str
    content: Fragments
    cue: Fragments
    source: Fragments


@dataclass
class GoldArticle:
    name: str
    text: str
    attributions: list[GoldAttribution] = field(default_factory=list)


def _fragments(spec: str) -> Fragments:
    parts: list[tuple[int, int]] = []
    for piece in spec.split(";"):
        a, b = piece.split()
        parts.append((int(a), int(b)))
    return tuple(sorted(parts))


def parse_ann(ann: str) -> list[GoldAttribution]:
    """The attributions in one BRAT ``.ann`` file's text (malformed lines are skipped)."""
    spans: dict[str, tuple[str, Fragments]] = {}
    events: list[tuple[str, dict[str, str]]] = []
    for line in ann.splitlines():
        cols = line.split("\t")
        if len(cols) < 2:
            continue
        ident, body = cols[0], cols[1]
        if ident.startswith("T"):
            label, _, spec = body.partition(" ")
            try:
                spans[ident] = (label, _fragments(spec))
            except ValueError:
                continue
        elif ident.startswith("E"):
            roles: dict[str, str] = {}
            for arg in body.split():
                role, _, ref = arg.partition(":")
                roles[role] = ref
            events.append((ident, roles))
    out: list[GoldAttribution] = []
    for ident, roles in events:
        parts: dict[str, Fragments] = {}
        for role in ("Content", "Cue", "Source"):
            ref = roles.get(role, "")
            parts[role] = spans[ref][1] if ref in spans else ()
        if not parts["Content"] and not parts["Cue"]:
            continue
        out.append(GoldAttribution(ident, parts["Content"], parts["Cue"], parts["Source"]))
    return out


def article_names(data: Path, split: str) -> list[str]:
    """Article names (file stems) of a split, sorted."""
    folder = _split_dir(data, split) / "text"
    return sorted(p.stem for p in folder.glob("*.txt"))


def _split_dir(data: Path, split: str) -> Path:
    for candidate in (data / "data" / split, data / split):
        if (candidate / "text").is_dir() and (candidate / "attributions").is_dir():
            return candidate
    raise InputError(
        f"no PolNeAR split {split!r} under {data}; expected data/{split}/text and "
        f"data/{split}/attributions (give --data the PolNeAR folder)",
        path=str(data),
    )


def read_split(data: Path, split: str, limit: int | None = None) -> Iterator[GoldArticle]:
    """Articles of ``split`` with their gold attributions, in name order."""
    root = _split_dir(data, split)
    anns: dict[str, Path] = {}
    for ann in sorted((root / "attributions").glob("*.ann")):
        stem, _, _annotator = ann.stem.rpartition("_")
        anns.setdefault(stem, ann)
    names = sorted(anns)
    if limit is not None:
        names = names[:limit]
    for name in names:
        text_path = root / "text" / f"{name}.txt"
        if not text_path.is_file():
            continue
        text = text_path.read_text(encoding="utf-8")
        yield GoldArticle(name, text, parse_ann(anns[name].read_text(encoding="utf-8")))


def fit_tune_names(names: Sequence[str], every: int = 10) -> tuple[list[str], list[str]]:
    """PolNeAR train names into (fit, tune): tune is the names whose SHA-1 falls in one
    ``every``-th of the range (stable, whatever else is in the folder)."""
    fit: list[str] = []
    tune: list[str] = []
    for n in names:
        h = int(hashlib.sha1(f"unspin-polnear-tune:{n}".encode()).hexdigest()[:8], 16)
        (tune if h % every == 0 else fit).append(n)
    return fit, tune


# --------------------------------------------------------------------------- metrics

@dataclass(frozen=True)
class Attribution:
    """An attribution for scoring: fragments of ``[start, end)`` characters per role."""

    content: Fragments
    cue: Fragments
    source: Fragments


def norm(text: str, frags: Iterable[tuple[int, int]]) -> Fragments:
    """Fragments with their edge whitespace trimmed, empty ones dropped, sorted."""
    out: list[tuple[int, int]] = []
    for a, b in frags:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return tuple(sorted(out))


def overlaps(a: Fragments, b: Fragments, text: str) -> bool:
    for s1, e1 in a:
        for s2, e2 in b:
            lo, hi = max(s1, s2), min(e1, e2)
            if hi > lo and text[lo:hi].strip():
                return True
    return False


def match(a: Fragments, b: Fragments, text: str, mode: str) -> bool:
    if not a or not b:
        return not a and not b
    return a == b if mode == "exact" else overlaps(a, b, text)


@dataclass
class Counts:
    """Matched and total predicted and gold items, for P/R/F1 (exact or overlap)."""

    tp_p: int = 0  # predicted items that match
    n_p: int = 0
    tp_r: int = 0  # gold items matched
    n_g: int = 0

    def add(self, pred: list[Fragments], gold: list[Fragments], text: str, mode: str) -> None:
        pred = [p for p in pred if p]
        gold = [g for g in gold if g]
        self.n_p += len(pred)
        self.n_g += len(gold)
        self.tp_p += sum(1 for p in pred if any(match(p, g, text, mode) for g in gold))
        self.tp_r += sum(1 for g in gold if any(match(p, g, text, mode) for p in pred))

    def add_attr(self, pred: list[Attribution], gold: list[Attribution], text: str, mode: str) -> None:
        def same(p: Attribution, g: Attribution) -> bool:
            return (
                match(p.content, g.content, text, mode)
                and match(p.cue, g.cue, text, mode)
                and (match(p.source, g.source, text, mode))
            )

        self.n_p += len(pred)
        self.n_g += len(gold)
        self.tp_p += sum(1 for p in pred if any(same(p, g) for g in gold))
        self.tp_r += sum(1 for g in gold if any(same(p, g) for p in pred))

    def prf(self) -> tuple[float, float, float]:
        p = self.tp_p / self.n_p if self.n_p else 0.0
        r = self.tp_r / self.n_g if self.n_g else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def gold_attributions(article: GoldArticle) -> list[Attribution]:
    """The article's gold attributions, trimmed as the predictions are."""
    text = article.text
    return [
        Attribution(norm(text, g.content), norm(text, g.cue), norm(text, g.source))
        for g in article.attributions
    ]
