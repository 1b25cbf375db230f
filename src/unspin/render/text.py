"""A short terminal summary of a report (rich)."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from unspin.render.html import domain_line
from unspin.report.models import Report


def _as_report(report: Report | dict[str, Any]) -> Report:
    return report if isinstance(report, Report) else Report.model_validate(report)


def summary(report: Report | dict[str, Any]) -> Group:
    r = _as_report(report)
    title = r.source.title or r.text.split("\n", 1)[0][:100]
    head = Text.assemble((title, "bold"), "\n",
                         (f"{r.source.kind} · {r.source.site or r.source.url or r.source.path or r.id}"
                          f" · language {r.language} · {len(r.text):,} chars · "
                          f"{len(r.sentences)} sentences", "dim"))
    parts: list[Any] = [head]
    if r.removed:
        t = Table(title="Removed (not article text)", show_lines=False, expand=False)
        t.add_column("reason")
        t.add_column("text", overflow="fold")
        for seg in r.removed:
            t.add_row(seg.reason, seg.text[:120])
        parts.append(t)
    if r.actors:
        names = {a.id: a.name for a in r.actors}
        quotes = Counter(q.speaker for q in r.quotes if q.speaker)
        t = Table(title="Speakers and actors")
        for col in ("actor", "type", "gender", "mentions", "quotes"):
            t.add_column(col)
        for a in sorted(r.actors, key=lambda a: (-quotes.get(a.id, 0), -len(a.mentions)))[:12]:
            t.add_row(a.name + (f" ({a.description})" if a.description else ""), a.type,
                      a.gender if a.type == "person" else "", str(len(a.mentions)),
                      str(quotes.get(a.id, 0)))
        parts.append(t)
        if r.quotes:
            q = Table(title="Quotes")
            for col in ("kind", "class", "stance", "speaker", "via", "content"):
                q.add_column(col, overflow="fold")
            for quote in r.quotes[:15]:
                q.add_row(quote.kind, quote.cue_class, quote.cue_stance,
                          names.get(quote.speaker or "", "?"),
                          " → ".join(names.get(v, v) for v in quote.via),
                          r.text[quote.content.start:quote.content.end][:140])
            parts.append(q)
    if r.techniques:
        counts = Counter(t.technique for t in r.techniques)
        t = Table(title="Persuasion techniques")
        t.add_column("technique")
        t.add_column("spans")
        for name, n in counts.most_common():
            t.add_row(name, str(n))
        parts.append(t)
    if r.narratives:
        t = Table(title="Narratives")
        t.add_column("score")
        t.add_column("narrative", overflow="fold")
        for narrative in sorted(r.narratives, key=lambda x: -x.score):
            t.add_row(f"{narrative.score:.2f}", narrative.label)
        parts.append(t)
    line = domain_line(r)
    if line:
        parts.append(Text(line, style="dim"))
    for w in r.warnings:
        parts.append(Text(f"warning {w.code}: {w.message}", style="yellow"))
    timing = " · ".join(f"{k} {v:.0f} ms" for k, v in r.timings.items())
    parts.append(Text(timing, style="dim"))
    return Group(Panel(parts[0], title="unspin"), *parts[1:])


def render_text(report: Report | dict[str, Any], width: int = 100) -> str:
    """The summary as plain text (what ``--format text`` prints when not on a terminal)."""
    buffer = io.StringIO()
    console = Console(width=width, file=buffer, color_system=None)
    console.print(summary(report))
    return buffer.getvalue()
