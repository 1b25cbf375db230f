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
(all fragments identical, ``[start, end)`` characters, whitespace trimmed), with
*overlap* (the predicted and gold span share at least one non-space character) and with
*fragment* spans (every contiguous fragment its own span, scored exactly: how CofeNet and
other BIO taggers are scored; a quote split by "he said" is two content spans); for whole
attributions, a match needs content and cue to match and the source to match (or both to
be absent). Recall of *direct quotes*: the share of gold attributions whose content is a
quoted passage (starts with a quotation mark) whose content overlaps a predicted content.
Articles annotated twice count once (see :mod:`unspin.corpora.polnear`).

Baseline: ``textacy.extract.triples.direct_quotations`` on the same spaCy docs. It raises
on unbalanced quotation marks; such a document counts as giving no output, and the run
reports how many did.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from spacy.tokens import Doc

from unspin.corpora.polnear import (
    Attribution,
    Counts,
    Fragments,
    GoldArticle,
    fit_tune_names,
    gold_attributions,
    norm,
    overlaps,
    read_split,
)
from unspin.pipeline._attribution.lexicon import SPEECH_VERBS
from unspin.report import Quote

__all__ = ["SYSTEMS", "quotes_to_attributions", "run", "score"]

_QUOTE_CHARS = "\"“”„«»'‘’`"


def quotes_to_attributions(text: str, quotes: list[Quote]) -> list[Attribution]:
    """Join report quotes that share a cue into PolNeAR-style attributions (mixed ones dropped)."""
    groups: dict[tuple[int, int], list[Quote]] = {}
    out: list[Attribution] = []
    for q in quotes:
        if q.kind == "mixed" or q.within is not None:
            continue
        if q.cue is None:
            out.append(Attribution(norm(text, [(q.content.start, q.content.end)]), (), ()))
            continue
        groups.setdefault((q.cue.start, q.cue.end), []).append(q)
    for cue, qs in groups.items():
        src = qs[0].source
        out.append(Attribution(
            norm(text, [(q.content.start, q.content.end) for q in qs]),
            norm(text, [cue]),
            norm(text, [(src.start, src.end)]) if src is not None else (),
        ))
    return out


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


def fragment_spans(text: str, parts: Iterable[Fragments]) -> list[Fragments]:
    """Every contiguous fragment of ``parts`` as a span of its own — what a BIO tagger
    emits and how CofeNet's exact F1 counts: fragments of one role that only whitespace
    separates are one span, and each span is a one-fragment :data:`Fragments`."""
    out: list[Fragments] = []
    for frags in parts:
        merged: list[tuple[int, int]] = []
        for a, b in sorted(frags):
            if merged and not text[merged[-1][1]:a].strip():
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        out.extend(((a, b),) for a, b in merged)
    return out


class Scorer:
    """Accumulates counts over articles for one system.

    Modes: ``exact`` and ``overlap`` score each attribution's role as one item (all its
    fragments together); ``fragment`` scores every contiguous fragment as its own span,
    exactly (:func:`fragment_spans`; CofeNet's convention)."""

    ROLES = ("content", "source", "cue")

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], Counts] = {}
        self.direct_found = 0
        self.direct_total = 0

    def _c(self, subset: str, role: str, mode: str) -> Counts:
        return self.counts.setdefault((subset, role, mode), Counts())

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
            for role in self.ROLES:
                self._c(subset, role, "fragment").add(
                    fragment_spans(text, [getattr(p, role) for p in ps]),
                    fragment_spans(text, [getattr(g, role) for g in gs]), text, "exact")
        for g in gold:
            if _is_direct(text, g.content):
                self.direct_total += 1
                if any(overlaps(p.content, g.content, text) for p in pred):
                    self.direct_found += 1

    def figures(self, prefix: str = "") -> dict[str, float]:
        out: dict[str, float] = {}
        for (subset, role, mode), c in sorted(self.counts.items()):
            p, r, f = c.prf()
            key = f"{prefix}{subset}.{role}.{mode}"
            out[f"{key}.p"], out[f"{key}.r"], out[f"{key}.f1"] = p, r, f
        out[f"{prefix}direct.recall"] = self.direct_found / self.direct_total if self.direct_total else 0.0
        return out


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
            return norm(text, [(a, b)])

        out.append(Attribution(frag(triple.content), frag(triple.cue), frag(triple.speaker)))
    return out


#: The systems ``unspin eval quotes`` scores, in table order: the rules alone, the tagger
#: alone, the two fused as the stage ships it ("fused", ``fuse.SHIPPED``) and with the other
#: fusion choices, and the textacy baseline.
SYSTEMS = ("rules", "tagger", "fused", "fused-keep-all", "fused-keep-direct", "fused-keep-none",
           "fused-rule-spans", "fused-rule-content", "textacy")
#: ``fuse`` settings of each fused system (see :mod:`unspin.pipeline._attribution.fuse`).
_FUSIONS: dict[str, dict[str, str]] = {
    "fused-keep-all": {"keep_rules": "all", "prefer": "tagger"},
    "fused-keep-direct": {"keep_rules": "direct", "prefer": "tagger"},
    "fused-keep-none": {"keep_rules": "none", "prefer": "tagger"},
    "fused-rule-spans": {"keep_rules": "all", "prefer": "rules"},
    "fused-rule-content": {"keep_rules": "all", "prefer": "content-rules"},
}


def _articles(data: Path, split: str, limit: int | None) -> Iterable[GoldArticle]:
    """``dev``/``train`` as PolNeAR cuts them; ``tune`` is the part of train the tagger's
    training holds out (:func:`unspin.corpora.polnear.fit_tune_names`)."""
    if split != "tune":
        yield from read_split(data, split, limit=limit)
        return
    names = list(read_split(data, "train"))
    _, tune = fit_tune_names([a.name for a in names])
    chosen = [a for a in names if a.name in set(tune)]
    yield from chosen[:limit] if limit is not None else chosen


def score(data: Path, split: str, *, limit: int | None = None,
          tagger: bool = True) -> tuple[dict[str, float], dict[str, Scorer], int, int]:
    """Score the rules, the tagger, the fused systems and the textacy baseline on a PolNeAR
    split (``tagger=False``: the rules and textacy only).

    Returns (figures, scorers by system, docs, baseline failures). ``figures`` holds
    ``<system>.<subset>.<role>.<mode>.<p|r|f1>`` and ``<system>.direct.recall``, plus
    ``speed.ratio``: what actors + attribution (rules, tagger head, fusion) take over the
    backbone's parse, on top of the shared encoder pass (``speed.encoder_ratio``: that
    pass over the parse; it is shared with the techniques, narratives and roles stages).
    """
    from unspin.backbone import load_backbone
    from unspin.pipeline import register_extensions
    from unspin.pipeline._attribution.fuse import SHIPPED, fuse, nest
    from unspin.pipeline.actors import find_actors
    from unspin.pipeline.encoding import document_encoding
    from unspin.pipeline.quotes import rule_quotes

    register_extensions()
    nlp = load_backbone()
    systems = [s for s in SYSTEMS if tagger or s in ("rules", "textacy")]
    scorers = {s: Scorer() for s in systems}
    tag = None
    if tagger:
        from unspin.pipeline._attribution.tagger import load_tagger

        tag = load_tagger()
    failures = 0
    n = 0
    t_parse = t_ours = t_enc = 0.0

    def numbered(quotes: list[Quote]) -> list[Quote]:
        quotes = sorted(quotes, key=lambda q: (q.content.start, q.kind, q.content.end))
        return nest([q.model_copy(update={"id": f"q{k}"}) for k, q in enumerate(quotes, 1)])

    for article in _articles(data, split, limit):
        t0 = time.perf_counter()
        doc = nlp(article.text)
        t1 = time.perf_counter()
        actors = find_actors(doc)
        rules, _ = rule_quotes(doc, actors)
        t2 = time.perf_counter()
        t_parse += t1 - t0
        t_ours += t2 - t1
        gold = gold_attributions(article)
        scorers["rules"].add(doc, quotes_to_attributions(doc.text, numbered(rules)), gold)
        if tag is not None:
            t3 = time.perf_counter()
            document_encoding(doc)
            t4 = time.perf_counter()
            tagged = tag.tag(doc)
            fused = numbered(fuse(doc, actors, rules, tagged, **SHIPPED))
            t5 = time.perf_counter()
            t_enc += t4 - t3
            t_ours += t5 - t4
            scorers["fused"].add(doc, quotes_to_attributions(doc.text, fused), gold)
            only = fuse(doc, actors, [], tagged)
            scorers["tagger"].add(doc, quotes_to_attributions(doc.text, numbered(only)), gold)
            for system, settings in _FUSIONS.items():
                qs = fuse(doc, actors, rules, tagged, **settings)
                scorers[system].add(doc, quotes_to_attributions(doc.text, numbered(qs)), gold)
        try:
            baseline = textacy_attributions(doc)
        except Exception:  # textacy raises on unbalanced quotation marks
            failures += 1
            baseline = []
        scorers["textacy"].add(doc, baseline, gold)
        n += 1
    figures: dict[str, float] = {}
    for system, sc in scorers.items():
        figures.update(sc.figures(f"{system}."))
    figures["speed.ratio"] = t_ours / t_parse if t_parse else 0.0
    figures["speed.encoder_ratio"] = t_enc / t_parse if t_parse else 0.0
    figures["docs"] = float(n)
    figures["textacy.failures"] = float(failures)
    return figures, scorers, n, failures


def _table(title: str, figures: dict[str, float], subset: str, systems: Sequence[str]) -> Table:
    table = Table(title=title)
    table.add_column("system", no_wrap=True)
    table.add_column("role")
    for mode in ("exact", "overlap", "fragment"):
        for m in ("P", "R", "F1"):
            table.add_column(f"{mode} {m}", justify="right")
    for system in systems:
        for role in ("content", "source", "cue", "attribution"):
            row = [system, role]
            for mode in ("exact", "overlap", "fragment"):
                for m in ("p", "r", "f1"):
                    key = f"{system}.{subset}.{role}.{mode}.{m}"
                    row.append(f"{figures[key]:.3f}" if key in figures else "–")
            table.add_row(*row, end_section=role == "attribution")
    return table


def run(data: Path, *, split: str | None, console: Console, limit: int | None = None) -> dict[str, float]:
    """Print PolNeAR scores (all attributions, speech attributions, direct-quote recall)
    for the rules, the tagger, the fused systems and textacy; return the figures."""
    from unspin.pipeline._attribution.tagger import tagger_available

    split = split or "dev"
    has_tagger = tagger_available()
    figures, scorers, n, failures = score(data, split, limit=limit, tagger=has_tagger)
    systems = list(scorers)
    console.print(f"PolNeAR {split}: {n} articles" + ("" if has_tagger else
                  " (no attribution tagger installed: rules and textacy only)"))
    console.print(_table("all attributions", figures, "all", systems))
    console.print(_table("speech attributions (cue is a verb of saying or 'according to')", figures,
                         "speech", systems))
    console.print("direct-quote recall: " + ", ".join(
        f"{s} {figures[f'{s}.direct.recall']:.3f}" for s in systems)
        + f"; textacy raised on {failures} of {n} articles")
    console.print(f"actors + attribution time / backbone parse time: {figures['speed.ratio']:.3f} "
                  f"(on top of the shared encoder pass: {figures['speed.encoder_ratio']:.3f})")
    return figures
