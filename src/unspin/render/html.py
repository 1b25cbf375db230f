"""One self-contained HTML file from a report: the article with switchable layers and panels.

Reads only the report (a ``Report`` or its JSON dict), so a saved report renders with no
model loaded. Every piece of article or report text goes through ``html.escape``; the page
carries a Content-Security-Policy that forbids any external request, and its one inline
script only toggles classes.
"""

from __future__ import annotations

import html
import itertools
from collections import Counter, defaultdict
from importlib import resources
from typing import Any

from unspin.report.models import Report, Voice
from unspin.taxonomy import TECHNIQUES, technique_label

_PALETTE = ["#d1495b", "#2e86ab", "#edae49", "#66a182", "#8d6a9f", "#00798c", "#c17c74",
            "#3d5a80", "#e07a5f", "#6d597a"]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _as_report(report: Report | dict[str, Any]) -> Report:
    return report if isinstance(report, Report) else Report.model_validate(report)


class _Layered:
    """Cuts the text at every span boundary; each piece knows which annotations cover it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: list[tuple[int, int, str, str, dict[str, str]]] = []
        self.inserts: dict[int, list[str]] = defaultdict(list)

    def add(self, start: int, end: int, css: str, title: str, data: dict[str, str] | None = None
            ) -> None:
        start, end = max(0, start), min(len(self.text), end)
        if end > start:
            self.spans.append((start, end, css, title, data or {}))

    def insert(self, at: int, markup: str) -> None:
        self.inserts[max(0, min(at, len(self.text)))].append(markup)

    def render(self) -> str:
        cuts = {0, len(self.text), *self.inserts}
        for s, e, *_ in self.spans:
            cuts.add(s)
            cuts.add(e)
        points = sorted(cuts)
        starts: dict[int, list[int]] = defaultdict(list)
        for i, (s, _e2, *_rest) in enumerate(self.spans):
            starts[s].append(i)
        active: set[int] = set()
        out: list[str] = []
        for a, b in itertools.pairwise(points):
            out.extend(self.inserts.get(a, []))
            active = {i for i in active if self.spans[i][1] > a}
            active.update(starts.get(a, []))
            piece = _e(self.text[a:b])
            if not active:
                out.append(piece)
                continue
            chosen = sorted(active)
            classes = " ".join(dict.fromkeys(c for i in chosen for c in self.spans[i][2].split()))
            titles = "\n".join(dict.fromkeys(self.spans[i][3] for i in chosen if self.spans[i][3]))
            data: dict[str, str] = {}
            strength = 0.0  # the strongest technique score on this piece shades its underline
            for i in chosen:
                for k, v in self.spans[i][4].items():
                    if k == "score":
                        strength = max(strength, float(v))
                        continue
                    data[k] = f"{data[k]} {v}" if k in data else v
            attrs = "".join(f' data-{_e(k)}="{_e(v)}"' for k, v in data.items())
            if strength:
                attrs += f' style="--ts:{strength:.2f}"'

            out.append(f'<span class="{_e(classes)}" title="{_e(titles)}"{attrs}>{piece}</span>')
        if len(self.text) in self.inserts and points and points[-1] == len(self.text):
            out.extend(self.inserts[len(self.text)])
        return "".join(out)


def render_html(report: Report | dict[str, Any]) -> str:
    """The report as one HTML page (a string) that makes no external request."""
    r = _as_report(report)
    names = {a.id: a.name for a in r.actors}
    speakers = [a.id for a in r.actors if any(q.speaker == a.id for q in r.quotes)]
    colour = {sid: _PALETTE[i % len(_PALETTE)] for i, sid in enumerate(speakers)}

    layered = _Layered(r.text)
    for ent in r.entities:
        layered.add(ent.start, ent.end, f"ent ent-{ent.label}", f"entity: {ent.label}")
    for q in r.quotes:
        who = names.get(q.speaker or "", "unknown speaker")
        via = " via " + " → ".join(names.get(v, v) for v in q.via) if q.via else ""
        to = f" to {names.get(q.addressee, q.addressee)}" if q.addressee else ""
        idx = speakers.index(q.speaker) if q.speaker in speakers else -1
        layered.add(q.content.start, q.content.end, f"q q-{q.kind} spk{idx}",
                    f"{q.kind} quote — {who}{to}{via} ({q.cue_class}, {q.cue_stance} cue; confidence {q.confidence:.2f})",
                    {"speaker": q.speaker or "none"})
        if q.cue:
            layered.add(q.cue.start, q.cue.end, "cue", f"cue of a quote by {who}")
        if q.source:
            layered.add(q.source.start, q.source.end, "src", f"source mention: {who}")
    for t in r.techniques:
        definition = TECHNIQUES.get(t.technique, "")
        voice = _voice_key(t.voice)
        layered.add(t.start, t.end, "tech",
                    f"technique: {technique_label(t.technique)} (score {t.score:.2f}) — "
                    f"{definition} [voice: {_voice_name(t.voice, names, r)}]",
                    {"technique": t.technique, "voice": voice, "score": f"{t.score:.3f}"})
    for i, n in enumerate(r.narratives):
        for ev in n.evidence:
            layered.add(ev.start, ev.end, f"ev ev{i}",
                        f"evidence for: {n.label} [voice: {_voice_name(ev.voice, names, r)}]",
                        {"voice": _voice_key(ev.voice)})
    for seg in r.removed:
        layered.insert(seg.at, f'<del class="removed" title="removed: {_e(seg.reason)}">'
                               f"{_e(seg.text)}</del>")
    body = layered.render()

    css_vars = "".join(f".spk{i}{{--spk:{c}}}" for i, c in enumerate(colour.values()))
    panels = [_voices_panel(r), _speakers_panel(r, names, colour), _techniques_panel(r),
              _narratives_panel(r), _removed_panel(r), _warnings_panel(r)]
    title = r.source.title or r.text.split("\n", 1)[0][:120]
    meta = " · ".join(_e(x) for x in (r.source.site, r.source.published, r.source.url or r.source.path)
                      if x)
    style = resources.files("unspin.render").joinpath("report.css").read_text(encoding="utf-8")
    script = resources.files("unspin.render").joinpath("report.js").read_text(encoding="utf-8")
    toggles = "".join(
        f'<label><input type="checkbox" data-layer="{k}" checked> {v}</label>'
        for k, v in (("ent", "entities"), ("q", "quotes by speaker"), ("tech", "techniques"),
                     ("ev", "narrative evidence"), ("removed", "removed segments")))
    voice_options = "".join(
        f'<option value="{_e(_voice_key(v.voice))}">{_e(v.name)}</option>' for v in r.voices)
    if voice_options:
        toggles += ('<label>techniques and evidence in the voice of <select id="voice-filter">'
                    f'<option value="">anyone</option>{voice_options}</select></label>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>unspin — {_e(title)}</title>
<style>{style}{css_vars}</style></head>
<body>
<header><h1>{_e(title)}</h1><p class="meta">{meta}{" · " if meta else ""}language {_e(r.language)} · report schema {_e(r.schema_version)} · unspin {_e(r.unspin_version)}</p>
<nav class="layers" aria-label="layers">{toggles}</nav></header>
<main><article id="article" tabindex="0">{body}</article>
<aside>{"".join(panels)}</aside></main>
<script>{script}</script>
</body></html>
"""


def _voice_key(voice: Voice | None) -> str:
    if voice is None or voice.kind == "outlet":
        return "outlet"
    return f"actor:{voice.actor or 'unknown'}"


def _voice_name(voice: Voice | None, names: dict[str, str], r: Report) -> str:
    if voice is None or voice.kind == "outlet":
        return r.source.site or "the outlet"
    name = names.get(voice.actor or "", "an unidentified speaker")
    chain = " via " + " → ".join(names.get(v, v) for v in voice.via) if voice.via else ""
    return f"{name}{' (reported)' if voice.reported else ''}{chain}"


def _voices_panel(r: Report) -> str:
    if not r.voices:
        return ""
    rows = []
    for v in r.voices:
        bits = []
        if v.quotes:
            bits.append(f"{v.quotes} quote{'s' if v.quotes != 1 else ''}")
        if v.techniques:
            bits.append("techniques: " + ", ".join(
                f"{technique_label(k)} ×{n}" for k, n in v.techniques.items()))
        if v.narratives:
            bits.append("narratives: " + "; ".join(v.narratives))
        if v.roles:
            bits.append("cast as: " + "; ".join(v.roles))
        kind = ("outlet's own voice" if v.voice.kind == "outlet"
                else "quoted" if v.quotes else "not quoted")
        rows.append(f"<li><b>{_e(v.name)}</b> <small>({kind})</small><br>"
                    f"<small>{_e(' · '.join(bits) or 'nothing attributed')}</small></li>")
    return f'<section><h2>Voices</h2><ul class="plain">{"".join(rows)}</ul></section>'


def _speakers_panel(r: Report, names: dict[str, str], colour: dict[str, str]) -> str:
    if not r.actors:
        return ""
    quotes = Counter(q.speaker for q in r.quotes if q.speaker)
    addressees: dict[str, set[str]] = defaultdict(set)
    vias: dict[str, set[str]] = defaultdict(set)
    for q in r.quotes:
        if q.speaker and q.addressee:
            addressees[q.speaker].add(names.get(q.addressee, q.addressee))
        if q.speaker:
            for v in q.via:
                vias[q.speaker].add(names.get(v, v))
    roles: dict[str, list[str]] = defaultdict(list)
    for role in r.roles:
        if role.actor:
            roles[role.actor].append(f"{role.main_role} ({', '.join(role.fine_roles)})")
    rows = []
    for a in sorted(r.actors, key=lambda a: (-quotes.get(a.id, 0), -len(a.mentions))):
        if not quotes.get(a.id) and a.id not in roles and len(a.mentions) < 2:
            continue
        swatch = (f'<span class="swatch" style="background:{colour[a.id]}"></span>'
                  if a.id in colour else "")
        extra = []
        if a.description:
            extra.append(_e(a.description))
        if quotes.get(a.id):
            extra.append(f"{quotes[a.id]} quote{'s' if quotes[a.id] != 1 else ''}")
        if addressees.get(a.id):
            extra.append("to " + _e(", ".join(sorted(addressees[a.id]))))
        if vias.get(a.id):
            extra.append("via " + _e(", ".join(sorted(vias[a.id]))))
        if roles.get(a.id):
            extra.append("role: " + _e("; ".join(dict.fromkeys(roles[a.id]))))
        rows.append(f'<li><button type="button" class="who" data-actor="{_e(a.id)}">{swatch}'
                    f"<b>{_e(a.name)}</b></button> <small>{_e(a.type)} · {len(a.mentions)} "
                    f"mentions</small><br><small>{' · '.join(extra)}</small></li>")
    return f'<section><h2>Speakers and actors</h2><ul class="plain">{"".join(rows)}</ul></section>'


def _techniques_panel(r: Report) -> str:
    if not r.techniques:
        return ""
    counts = Counter(t.technique for t in r.techniques)
    rows = "".join(
        f'<li><button type="button" class="tech-filter" data-technique="{_e(name)}">'
        f"{_e(technique_label(name))}</button> ×{n}<br><small>{_e(TECHNIQUES.get(name, ''))}"
        "</small></li>" for name, n in counts.most_common())
    return f'<section><h2>Persuasion techniques</h2><ul class="plain">{rows}</ul></section>'


def domain_line(r: Report) -> str:
    """What the domain decision says, in words: 'war' / 'climate' article or off-topic, and
    for a topical article with no narrative, that none reached the bar."""
    d = r.narrative_domain
    if d is None:
        return "" if r.narratives else "None found."
    if d.domain == "neither":
        return "Off-topic: neither the Ukraine war nor climate change, so no narratives are looked for."
    topic = "Ukraine war" if d.domain == "war" else "climate change"
    if r.narratives:
        return f"A {topic} article (P = {d.p_narrative:.2f} that it carries a narrative)."
    return (f"A {topic} article; no narrative reached the bar (P = {d.p_narrative:.2f} "
            "that it carries one).")


def _narratives_panel(r: Report) -> str:
    line = domain_line(r)
    head = f'<p class="dim">{_e(line)}</p>' if line else ""
    if not r.narratives:
        return f"<section><h2>Narratives</h2>{head}</section>"
    rows = []
    for i, n in sorted(enumerate(r.narratives), key=lambda x: -x[1].score):
        rows.append(
            f'<li><button type="button" class="ev-link" data-ev="ev{i}">{_e(n.label)}</button>'
            f' <meter min="0" max="1" value="{n.score:.3f}"></meter> {n.score:.2f}'
            f"<br><small>{len(n.evidence)} evidence sentence{'s' if len(n.evidence) != 1 else ''}"
            "</small></li>")
    return f'<section><h2>Narratives</h2>{head}<ul class="plain">{"".join(rows)}</ul></section>'


def _removed_panel(r: Report) -> str:
    if not r.removed:
        return ""
    rows = "".join(f"<li><b>{_e(s.reason)}</b>: {_e(s.text)}</li>" for s in r.removed)
    return f"<section><h2>Removed before analysis</h2><ul>{rows}</ul></section>"


def _warnings_panel(r: Report) -> str:
    if not r.warnings:
        return ""
    rows = "".join(f"<li><b>{_e(w.code)}</b> {_e(w.message)}</li>" for w in r.warnings)
    return f'<section class="warn"><h2>Warnings</h2><ul>{rows}</ul></section>'
