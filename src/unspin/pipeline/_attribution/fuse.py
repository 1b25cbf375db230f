"""Rules and tagger, fused: the tagger's cues, sources and extra attributions, the rules'
content boundaries, speaker, addressee, channel, reporting chain and kinds.

* A tagged attribution **matches** a rule attribution (the rule quotes sharing one cue) when
  their cues overlap, or, where either has no cue, when their contents overlap by at least
  half of the shorter. ``found_by`` of a match is both.
* What a match keeps depends on ``prefer``. As shipped (:data:`SHIPPED`,
  ``"content-rules"``): the rule's content fragments and kinds, the tagger's cue and source,
  the rule's speaker (re-resolved through the actors when the tagger's source is another
  mention), addressee, channel and ``via``. ``"tagger"`` takes the tagger's content too;
  ``"rules"`` keeps every rule span (the tagger adds only a source the rules lacked).
* A tagged attribution with no match is new: its speaker is the actor of its source's head
  word; it borrows ``via`` from a rule attribution of the same speaker (the same outlet's
  report), and its content's kind is ``direct`` when it is a quoted passage.
* A rule attribution no tagged one matches is kept when ``keep_rules`` says so: ``"all"``,
  ``"direct"`` (as shipped: quoted passages, and paraphrases that hold a quoted fragment,
  "adding that all should refrain “from …”") or ``"none"``.
* Mixed quotes (quoted fragments inside a reporter's sentence) stay the rules' and take the
  speaker of the fused attribution whose content holds them.

The choices were made on PolNeAR *tune* (train articles the tagger never fit), every
combination scored by ``unspin eval quotes --split tune``; BENCHMARKS.md has the table.
:func:`nest` then marks an attribution whose cue lies inside another's content as ``within``
it (the innermost such), for rules and fused output alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc

from unspin.pipeline._attribution.classes import cue_class
from unspin.pipeline._attribution.tagger import TaggedAttribution
from unspin.pipeline._spans import SpanIndex
from unspin.pipeline.actors import ActorLookup
from unspin.report import Actor, Quote
from unspin.report import Span as ReportSpan

__all__ = ["KEEP_RULES", "SHIPPED", "fuse", "nest", "speaker_of_source"]

KEEP_RULES = ("all", "direct", "none")
#: The fusion the quotes stage runs: ``fuse(..., **SHIPPED)``.
SHIPPED: dict[str, str] = {"keep_rules": "direct", "prefer": "content-rules"}
_OPEN = "\"“„«‘'"
_CLOSE = "\"”»’'"


def speaker_of_source(doc: Doc, actors: Sequence[Actor] | ActorLookup, start: int,
                      end: int) -> str | None:
    """The actor of a source mention: that of its head word (or a compound / flat name part
    of it), else the actor overlapping the mention most. ``actors`` may be an
    :class:`ActorLookup` built once for many calls."""
    lookup = actors if isinstance(actors, ActorLookup) else ActorLookup(actors)
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is not None and len(span):
        root = span.root
        for w in [root, *(c for c in root.children if c.dep_ in {"compound", "flat"})]:
            act = lookup.at(w.idx, w.idx + len(w))
            if act is not None:
                return act.id
    act = lookup.at(start, end)
    return act.id if act is not None else None


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _kind(text: str, frag: tuple[int, int]) -> str:
    piece = text[frag[0] : frag[1]].strip()
    while piece and piece[-1] in ".,;:!?)":
        piece = piece[:-1]
    if len(piece) > 2 and piece[0] in _OPEN and piece[-1] in _CLOSE:
        return "direct"
    return "indirect"


def _contents(qs: Sequence[Quote]) -> list[tuple[int, int]]:
    return [(q.content.start, q.content.end) for q in qs]


def _matches(t: TaggedAttribution, group: Sequence[Quote]) -> int:
    """How strongly ``t`` matches a rule attribution (0: not at all)."""
    cue = group[0].cue
    if t.cue and cue is not None:
        return 10_000 + _overlap(t.cue[0], (cue.start, cue.end)) if _overlap(t.cue[0], (cue.start, cue.end)) else 0
    best = 0
    for a in t.content:
        for b in _contents(group):
            ov = _overlap(a, b)
            if ov * 2 >= min(a[1] - a[0], b[1] - b[0]) and ov > best:
                best = ov
    return best


def fuse(doc: Doc, actors: Sequence[Actor], rules: Sequence[Quote],
         tagged: Sequence[TaggedAttribution], keep_rules: str = "direct",
         prefer: str = "content-rules") -> list[Quote]:
    """Rule quotes and tagged attributions as one list of quotes (see the module doc); ids
    are left for the caller to number."""
    text = doc.text
    lookup = ActorLookup(actors)
    groups: list[list[Quote]] = []
    by_cue: dict[tuple[int, int], list[Quote]] = {}
    mixed = [q for q in rules if q.kind == "mixed"]
    for q in rules:
        if q.kind == "mixed":
            continue
        if q.cue is None:
            groups.append([q])
            continue
        key = (q.cue.start, q.cue.end)
        if key not in by_cue:
            by_cue[key] = []
            groups.append(by_cue[key])
        by_cue[key].append(q)
    used: set[int] = set()
    out: list[Quote] = []
    # A group scores above 0 only where its cue or a content overlaps the attribution's:
    # look at those groups, not at every group once per attribution (issue 24)
    cue_at = SpanIndex((g[0].cue.start, g[0].cue.end, i) for i, g in enumerate(groups)
                       if g[0].cue is not None)
    by_content = SpanIndex.ranked((q.content.start, q.content.end, i, i)
                                  for i, g in enumerate(groups) for q in g)
    first_via: dict[str, list[str]] = {}
    for q in rules:
        if q.speaker is not None and q.via:
            first_via.setdefault(q.speaker, list(q.via))
    for t in tagged:
        near = {i for a, b in ([t.cue[0]] if t.cue else []) for _, _, i in cue_at.near(a, b)}
        near |= {i for a, b in t.content for _, _, i in by_content.near(a, b)}
        scores = [(_matches(t, groups[i]), i) for i in sorted(near)]
        score, gi = max(scores, default=(0, -1))
        cue = ReportSpan(start=t.cue[0][0], end=t.cue[0][1]) if t.cue else None
        if score > 0 and prefer in ("rules", "content-rules"):
            if gi not in used:
                used.add(gi)
                r = groups[gi][0]
                src = r.source
                extra: dict[str, object] = {"found_by": ["rules", "tagger"]}
                if t.source and (src is None or prefer == "content-rules"):
                    extra["source"] = ReportSpan(start=t.source[0][0], end=t.source[0][1])
                    if src is None or _overlap(t.source[0], (src.start, src.end)) == 0:
                        extra["speaker"] = speaker_of_source(doc, lookup, *t.source[0]) or (
                            r.speaker if src is None else None)
                if prefer == "content-rules" and cue is not None:
                    extra["cue"] = cue
                out.extend(q.model_copy(update=extra) for q in groups[gi])
            continue
        if score > 0:
            used.add(gi)
            g = groups[gi]
            r = g[0]
            source = ReportSpan(start=t.source[0][0], end=t.source[0][1]) if t.source else r.source
            speaker = r.speaker
            if t.source and (r.source is None or _overlap(t.source[0], (r.source.start, r.source.end)) == 0):
                speaker = speaker_of_source(doc, lookup, *t.source[0]) or (r.speaker if r.source is None else None)
            cue = cue if cue is not None else r.cue
            direct = {(q.content.start, q.content.end) for q in g if q.kind == "direct"}
            for frag in t.content:
                kind = "direct" if any(_overlap(frag, d) for d in direct) and _kind(text, frag) == "direct" \
                    else _kind(text, frag)
                out.append(Quote(
                    id="", kind=kind, content=ReportSpan(start=frag[0], end=frag[1]),  # type: ignore[arg-type]
                    cue=cue, source=source, speaker=speaker, addressee=r.addressee, via=list(r.via),
                    channel=r.channel, found_by=["rules", "tagger"],
                    confidence=round(max(r.confidence, t.score), 3),
                ))
        else:
            source = ReportSpan(start=t.source[0][0], end=t.source[0][1]) if t.source else None
            speaker = speaker_of_source(doc, lookup, *t.source[0]) if t.source else None
            via = list(first_via.get(speaker, [])) if speaker is not None else []
            for frag in t.content:
                out.append(Quote(
                    id="", kind=_kind(text, frag), content=ReportSpan(start=frag[0], end=frag[1]),  # type: ignore[arg-type]
                    cue=cue, source=source, speaker=speaker, via=via, found_by=["tagger"],
                    confidence=round(t.score * (1.0 if speaker else 0.6), 3),
                ))
    mixed_at = SpanIndex((m.content.start, m.content.end, m) for m in mixed)
    for i, g in enumerate(groups):
        if i in used or keep_rules == "none":
            continue
        if keep_rules == "direct" and not any(q.kind == "direct" for q in g) and not any(
                a <= m.content.start and m.content.end <= b for a, b in _contents(g)
                for _, _, m in mixed_at.near(a, b)):
            continue
        out.extend(g)
    holders = SpanIndex((q.content.start, q.content.end, q) for q in out)
    for m in mixed:
        holder = [q for _, _, q in holders.near(m.content.start, m.content.end)
                  if q.content.start <= m.content.start and m.content.end <= q.content.end]
        if holder:
            h = min(holder, key=lambda q: q.content.end - q.content.start)
            m = m.model_copy(update={
                "cue": h.cue, "source": h.source, "speaker": h.speaker or m.speaker,
                "addressee": h.addressee, "via": list(h.via), "channel": h.channel,
                "confidence": 0.7 if (h.speaker or m.speaker) else 0.3})
        out.append(m)
        holders.add(m.content.start, m.content.end, m)  # a later fragment may sit in this one
    return [q.model_copy(update={"cue_class": cue_class(doc, (q.cue.start, q.cue.end) if q.cue else None)})
            for q in out]


def nest(quotes: Sequence[Quote]) -> list[Quote]:
    """Mark each attribution whose cue lies inside another's content as ``within`` that one
    (the innermost); ``quotes`` must carry their ids."""
    outers = SpanIndex((q.content.start, q.content.end, q) for q in quotes if q.kind != "mixed")
    out: list[Quote] = []
    for q in quotes:
        if q.kind == "mixed" or q.cue is None:
            out.append(q)
            continue
        holders = [o for _, _, o in outers.near(q.cue.start, q.cue.end)
                   if o is not q and o.cue != q.cue
                   and o.content.start <= q.cue.start and q.cue.end <= o.content.end]
        if holders:
            h = min(holders, key=lambda o: o.content.end - o.content.start)
            q = q.model_copy(update={"within": h.id})
        out.append(q)
    return out
