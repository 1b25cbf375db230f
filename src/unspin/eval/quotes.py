"""``unspin eval quotes``: attribution scores on PolNeAR, beside textacy's direct quotations.

How PolNeAR's conventions map onto ours
---------------------------------------
* PolNeAR annotates every attribution: speech, but also beliefs, intentions, perceptions
  and findings ("he thinks that …", "the campaign wants …", "a poll showed …"), with
  verbal and nominal cues ("his claim that …"). Our stage covers verbal cues of saying,
  thinking and finding and "according to"; nominal cues are not produced, so they count
  as misses. The *speech* rows restrict both sides to attributions whose cue holds a
  verb of saying (:data:`~unspin.pipeline._attribution.lexicon.SPEECH_VERBS`) or is
  "according to".
* PolNeAR's source is the surface mention ("he", "the campaign", with an appositive's
  closing comma); ours is the same (``Quote.source``), and the resolved actor lives apart
  in ``Quote.speaker`` (PolNeAR has no such field, so it is not scored here).
* One PolNeAR attribution may have several content fragments (a quote split by "he
  said", or sentences that go on after it). Our report has one entry per passage; here
  the entries that share a cue are joined back into one attribution whose content is
  their fragments. Mixed quotes (fragments inside an attribution's content) are not
  scored: PolNeAR marks the whole content around them. Cue-less orphan quotes count as
  attributions without cue and source.
* PolNeAR is univocal (a token belongs to at most one attribution), so nested attributions
  keep only the outer one; ours likewise drop an attribution inside another's content
  (except reporting chains, where the outlet goes to ``via``).

Metrics: for each role (content, source, cue), precision / recall / F1 with *exact* spans
(all fragments identical, ``[start, end)`` characters, whitespace trimmed) and with
*overlap* (the predicted and gold span share at least one non-space character); for whole
attributions, a match needs content and cue to match and the source to match (or both to
be absent). Recall of *direct quotes*: the share of gold attributions whose content is a
quoted passage (starts with a quotation mark) whose content overlaps a predicted content.
Articles annotated twice count once (see :mod:`unspin.eval.polnear`).

Baseline: ``textacy.extract.triples.direct_quotations`` on the same spaCy docs. It raises
on unbalanced quotation marks; such a document counts as giving no output, and the run
reports how many did.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from spacy.tokens import Doc

from unspin.eval.polnear import Fragments, GoldArticle, read_split
from unspin.pipeline._attribution.lexicon import SPEECH_VERBS
from unspin.report import Quote

__all__ = ["Attribution", "quotes_to_attributions", "run", "score"]

_QUOTE_CHARS = "\"“”„«»'‘’`"


@dataclass(frozen=True)
class Attribution:
    """An attribution for scoring: fragments of ``[start, end)`` characters per role."""

    content: Fragments
    cue: Fragments
    source: Fragments


def _norm(text: str, frags: Iterable[tuple[int, int]]) -> Fragments:
    out: list[tuple[int, int]] = []
    for a, b in frags:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return tuple(sorted(out))


def quotes_to_attributions(text: str, quotes: list[Quote]) -> list[Attribution]:
    """Join report quotes that share a cue into PolNeAR-style attributions (mixed ones dropped)."""
    groups: dict[tuple[int, int], list[Quote]] = {}
    out: list[Attribution] = []
    for q in quotes:
        if q.kind == "mixed":
            continue
        if q.cue is None:
            out.append(Attribution(_norm(text, [(q.content.start, q.content.end)]), (), ()))
            continue
        groups.setdefault((q.cue.start, q.cue.end), []).append(q)
    for cue, qs in groups.items():
        src = qs[0].source
        out.append(Attribution(
            _norm(text, [(q.content.start, q.content.end) for q in qs]),
            _norm(text, [cue]),
            _norm(text, [(src.start, src.end)]) if src is not None else (),
        ))
    return out


def _overlaps(a: Fragments, b: Fragments, text: str) -> bool:
    for s1, e1 in a:
        for s2, e2 in b:
            lo, hi = max(s1, s2), min(e1, e2)
            if hi > lo and text[lo:hi].strip():
                return True
    return False


def _match(a: Fragments, b: Fragments, text: str, mode: str) -> bool:
    if not a or not b:
        return not a and not b
    return a == b if mode == "exact" else _overlaps(a, b, text)


@dataclass
class _Counts:
    tp_p: int = 0  # predicted items that match
    n_p: int = 0
    tp_r: int = 0  # gold items matched
    n_g: int = 0

    def add(self, pred: list[Fragments], gold: list[Fragments], text: str, mode: str) -> None:
        pred = [p for p in pred if p]
        gold = [g for g in gold if g]
        self.n_p += len(pred)
        self.n_g += len(gold)
        self.tp_p += sum(1 for p in pred if any(_match(p, g, text, mode) for g in gold))
        self.tp_r += sum(1 for g in gold if any(_match(p, g, text, mode) for p in pred))

    def add_attr(self, pred: list[Attribution], gold: list[Attribution], text: str, mode: str) -> None:
        def same(p: Attribution, g: Attribution) -> bool:
            return (
                _match(p.content, g.content, text, mode)
                and _match(p.cue, g.cue, text, mode)
                and (_match(p.source, g.source, text, mode))
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


def _is_speech(doc: Doc, cue: Fragments) -> bool:
    for a, b in cue:
        if "according" in doc.text[a:b].lower():
            return True
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is not None and any(t.lemma_.lower() in SPEECH_VERBS and t.pos_ in {"VERB", "AUX"} for t in span):
            return True
    return False


def _is_direct(text: str, content: Fragments) -> bool:
    return bool(content) and text[content[0][0]] in _QUOTE_CHARS


class Scorer:
    """Accumulates counts over articles for one system."""

    ROLES = ("content", "source", "cue")

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], _Counts] = {}
        self.direct_found = 0
        self.direct_total = 0

    def _c(self, subset: str, role: str, mode: str) -> _Counts:
        return self.counts.setdefault((subset, role, mode), _Counts())

    def add(self, doc: Doc, pred: list[Attribution], gold: list[Attribution]) -> None:
        text = doc.text
        subsets = {
            "all": (pred, gold),
            "speech": (
                [p for p in pred if _is_speech(doc, p.cue)],
                [g for g in gold if _is_speech(doc, g.cue)],
            ),
        }
        for subset, (ps, gs) in subsets.items():
            for mode in ("exact", "overlap"):
                for role in self.ROLES:
                    self._c(subset, role, mode).add(
                        [getattr(p, role) for p in ps], [getattr(g, role) for g in gs], text, mode
                    )
                self._c(subset, "attribution", mode).add_attr(ps, gs, text, mode)
        for g in gold:
            if _is_direct(text, g.content):
                self.direct_total += 1
                if any(_overlaps(p.content, g.content, text) for p in pred):
                    self.direct_found += 1

    def figures(self, prefix: str = "") -> dict[str, float]:
        out: dict[str, float] = {}
        for (subset, role, mode), c in sorted(self.counts.items()):
            p, r, f = c.prf()
            key = f"{prefix}{subset}.{role}.{mode}"
            out[f"{key}.p"], out[f"{key}.r"], out[f"{key}.f1"] = p, r, f
        out[f"{prefix}direct.recall"] = self.direct_found / self.direct_total if self.direct_total else 0.0
        return out


def gold_attributions(article: GoldArticle) -> list[Attribution]:
    text = article.text
    return [
        Attribution(_norm(text, g.content), _norm(text, g.cue), _norm(text, g.source))
        for g in article.attributions
    ]


def textacy_attributions(doc: Doc) -> list[Attribution]:
    """The baseline: textacy's direct quotations (speaker, cue, content token lists)."""
    from textacy.extract.triples import direct_quotations

    text = doc.text
    out: list[Attribution] = []
    for triple in direct_quotations(doc):
        def frag(tokens: object) -> Fragments:
            toks = list(tokens)  # type: ignore[call-overload]
            if not toks:
                return ()
            a = min(t.idx for t in toks)
            b = max(t.idx + len(t) for t in toks)
            return _norm(text, [(a, b)])

        out.append(Attribution(frag(triple.content), frag(triple.cue), frag(triple.speaker)))
    return out


def score(data: Path, split: str, *, limit: int | None = None) -> tuple[dict[str, float], Scorer, Scorer, int, int]:
    """Score our stage and the textacy baseline on a PolNeAR split.

    Returns (figures, ours, baseline, docs, baseline failures). ``figures`` holds
    ``<subset>.<role>.<mode>.<p|r|f1>`` for ours, the same with a ``textacy.`` prefix, and
    ``speed.ratio``: the time our two stages take over the backbone's parse time.
    """
    from unspin.backbone import load_backbone
    from unspin.pipeline import register_extensions
    from unspin.pipeline.actors import find_actors
    from unspin.pipeline.quotes import find_quotes

    register_extensions()
    nlp = load_backbone()
    ours, base = Scorer(), Scorer()
    failures = 0
    n = 0
    t_parse = t_ours = 0.0
    for article in read_split(data, split, limit=limit):
        t0 = time.perf_counter()
        doc = nlp(article.text)
        t1 = time.perf_counter()
        actors = find_actors(doc)
        quotes, _ = find_quotes(doc, actors)
        t2 = time.perf_counter()
        t_parse += t1 - t0
        t_ours += t2 - t1
        gold = gold_attributions(article)
        ours.add(doc, quotes_to_attributions(doc.text, quotes), gold)
        try:
            baseline = textacy_attributions(doc)
        except Exception:  # textacy raises on unbalanced quotation marks
            failures += 1
            baseline = []
        base.add(doc, baseline, gold)
        n += 1
    figures = ours.figures()
    figures.update(base.figures("textacy."))
    figures["speed.ratio"] = t_ours / t_parse if t_parse else 0.0
    figures["docs"] = float(n)
    figures["textacy.failures"] = float(failures)
    return figures, ours, base, n, failures


def _table(title: str, figures: dict[str, float], subset: str) -> Table:
    table = Table(title=title)
    table.add_column("system")
    table.add_column("role")
    for mode in ("exact", "overlap"):
        for m in ("P", "R", "F1"):
            table.add_column(f"{mode} {m}", justify="right")
    for system, prefix in (("unspin", ""), ("textacy", "textacy.")):
        for role in ("content", "source", "cue", "attribution"):
            row = [system, role]
            for mode in ("exact", "overlap"):
                for m in ("p", "r", "f1"):
                    row.append(f"{figures.get(f'{prefix}{subset}.{role}.{mode}.{m}', 0.0):.3f}")
            table.add_row(*row)
    return table


def run(data: Path, *, split: str | None, console: Console, limit: int | None = None) -> dict[str, float]:
    """Print PolNeAR scores (all attributions, speech attributions, direct-quote recall)
    for unspin and textacy; return the headline figures."""
    split = split or "dev"
    figures, _ours, _base, n, failures = score(data, split, limit=limit)
    console.print(f"PolNeAR {split}: {n} articles")
    console.print(_table("all attributions", figures, "all"))
    console.print(_table("speech attributions (cue is a verb of saying or 'according to')", figures, "speech"))
    console.print(
        f"direct-quote recall: unspin {figures['direct.recall']:.3f}, "
        f"textacy {figures['textacy.direct.recall']:.3f}; textacy raised on {failures} of {n} articles"
    )
    console.print(f"actors+quotes time / backbone parse time: {figures['speed.ratio']:.3f}")
    return figures
