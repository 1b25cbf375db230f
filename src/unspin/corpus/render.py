"""The corpus pages as HTML, drawn from the views' data (:mod:`unspin.corpus.views`).

One renderer for the static page, the static site and the live explorer: they differ only
in the ``link`` that turns a count's drill-down into an href and in the filter section
(the static page prints the flags that change it; the live page is a GET form whose field
names are those flags). Every string from the data is escaped; no script, no request
outside the page.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from typing import Any

from unspin.corpus.charts import a as _a
from unspin.corpus.charts import bar_chart, heatmap, line_chart
from unspin.corpus.charts import e as _e
from unspin.corpus.queries import Drill, Link

__all__ = ["CSS", "count_page", "page_html", "search_page", "shell", "table"]

def table(rows: list[dict[str, Any]], limit: int = 50,
           link: Callable[[dict[str, Any]], str | None] | None = None) -> str:
    """Rows as a table; ``link(row)`` links the row's counts to what is behind them."""
    if not rows:
        return '<p class="empty">No rows.</p>'
    cols = list(rows[0])
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)

    def cell(r: dict[str, Any], c: str, href: str | None) -> str:
        v = r[c]
        text = _e("" if v is None else v)
        is_count = isinstance(v, int | float) and not isinstance(v, bool)
        return f"<td>{_a(href, text) if is_count else text}</td>"

    body = "".join("<tr>" + "".join(cell(r, c, link(r) if link else None) for c in cols)
                   + "</tr>" for r in rows[:limit])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _short(text: str | None, n: int = 60) -> str:
    words = " ".join((text or "").split())
    return words if len(words) <= n else words[:n - 1] + "…"


def _pivot(rows: list[dict[str, Any]], r: str, c: str, v: str
           ) -> tuple[list[str], list[str], dict[tuple[str, str], float]]:
    row_tot: dict[str, float] = {}
    col_tot: dict[str, float] = {}
    cells: dict[tuple[str, str], float] = {}
    for row in rows:
        key = (str(row[r]), str(row[c]))
        cells[key] = cells.get(key, 0) + row[v]
        row_tot[key[0]] = row_tot.get(key[0], 0) + row[v]
        col_tot[key[1]] = col_tot.get(key[1], 0) + row[v]
    return _by_total(row_tot), _by_total(col_tot)[:20], cells


def _by_total(totals: dict[str, float]) -> list[str]:
    return sorted(totals, key=lambda k: (-totals[k], k))


CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c9cfdb}main{max-width:1100px;margin:0 auto;padding:12px 28px 40px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border-radius:8px;padding:10px 16px;box-shadow:0 1px 2px #0002;min-width:110px}
.card b{display:block;font-size:22px}.card span{color:#5b6475;font-size:13px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 2px #0002;padding:14px 20px;margin:18px 0}
section h2{font-size:18px;margin:0 0 4px}section p.note{color:#5b6475;margin:0 0 10px;font-size:13px}
svg.chart{max-width:100%;height:auto;font-size:12px;fill:#1d2330}svg.chart text.on{fill:#fff}
details{margin-top:8px}table{border-collapse:collapse;font-size:13px;margin-top:6px}
th,td{border-bottom:1px solid #e3e6eb;padding:3px 10px;text-align:left;vertical-align:top}
th{background:#f0f2f5}.empty{color:#8a93a3;font-style:italic}
.pair{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
.col h3{font-size:14px;margin:10px 0 2px}.col h3.outlet{font-size:16px;border-bottom:1px solid #e3e6eb}
code{background:#f0f2f5;padding:1px 4px;border-radius:3px;font-size:12px}
svg.chart text.cell{font-size:10px}header a{color:#c9d8ff}
form{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:flex-end}
form label{display:flex;flex-direction:column;font-size:13px;color:#5b6475;gap:2px}
form label.wide{flex-basis:100%}form label.wide input{font-size:15px;padding:4px 6px}
form label.check{flex-direction:row;align-items:center;gap:6px}form p{flex-basis:100%;margin:0}
.hits{padding-left:22px}.hit{margin:10px 0}.hit .meta{color:#5b6475;font-size:13px}
.snippet{margin:2px 0;font-size:14px}.snippet b{background:#fff2a8}.error{color:#b8434f}.warning{border-left:4px solid #c08a1e;background:#fff8e6;padding:6px 10px}
"""


def _section(title: str, note: str, chart: str, rows: list[dict[str, Any]], empty: str,
             extra: str = "", link: Callable[[dict[str, Any]], str | None] | None = None,
             id: str = "") -> str:
    inner = chart or f'<p class="empty">{_e(empty)}</p>'
    return (f"<section{f' id={chr(34)}{id}{chr(34)}' if id else ''}><h2>{_e(title)}</h2>"
            f"<p class=\"note\">{_e(note)}</p>{inner}"
            f"<details><summary>Table</summary>{table(rows, link=link)}</details>{extra}</section>")


def _timeline_series(rows: list[dict[str, Any]], outlet: str, key: str, value: str,
                     n: int) -> dict[str, dict[str, float]]:
    totals: dict[str, float] = {}
    for r in rows:
        totals[r[key]] = totals.get(r[key], 0) + r[value]
    keep = _by_total(totals)[:n]
    series: dict[str, dict[str, float]] = {k: {} for k in keep}
    for r in rows:
        if r["outlet"] == outlet and r[key] in series:
            series[r[key]][r["period"]] = r[value]
    return {k: v for k, v in series.items() if v}



def _outlets_over_time(data: dict[str, Any], *, period: str, compare: bool,
                       link: Link | None = None) -> str:
    views = [
        ("outlet_techniques_over_time", "technique", "spans_per_article",
         "technique spans per article"),
        ("outlet_narratives_over_time", "narrative", "share", "share of articles with the narrative"),
        ("outlet_speakers_over_time", "speaker", "quotes", "quotes of the top speakers"),
    ]
    outlets: list[str] = data["shown"]
    rows_of = {name: data[name] for name, *_ in views}
    xs = sorted({r["period"] for rows in rows_of.values() for r in rows})
    cols = []
    for outlet in outlets:
        charts = []
        for name, key, value, what in views:
            rows = rows_of[name]
            y_max = max((r[value] for r in rows), default=0) or None
            series = _timeline_series(rows, outlet, key, value, 5)
            hrefs = ({(k, x): link({"outlet": outlet, key: k, period: x})
                      for k, points in series.items() for x in points} if link else None)
            chart = line_chart(xs, series, title=f"{outlet}: {what}", y_max=y_max,
                               max_labels=5, hrefs=hrefs)
            charts.append(f"<h3>{_e(what)}</h3>" + (chart or '<p class="empty">None.</p>'))
        cols.append(f'<div class="col"><h3 class="outlet">{_e(outlet)}</h3>{"".join(charts)}</div>')
    note = (f"Per {period}, for {'the two outlets compared' if compare else 'each outlet'} "
            "(the five most frequent techniques, narratives and speakers; one scale per row, "
            "shared by the outlets).")

    def row_link(key: str) -> Callable[[dict[str, Any]], str | None] | None:
        if link is None:
            return None
        return lambda r: link({"outlet": r["outlet"], key: r[key], period: r["period"]})

    tables = "".join(f"<details><summary>{_e(name)}</summary>"
                     f"{table(rows_of[name], 200, link=row_link(key))}</details>"
                     for name, key, *_ in views)
    body = f'<div class="pair">{"".join(cols)}</div>' if cols else '<p class="empty">No dated articles.</p>'
    return (f"<section><h2>Outlets over time</h2><p class=\"note\">{_e(note)}</p>{body}"
            f"{tables}</section>")


def _static_filters(data: dict[str, Any], aliases: str | None) -> str:
    f = data["filters"]
    summary = data["summary"]
    params: dict[str, list[str]] = {}
    for k, v in f["params"]:
        params.setdefault(k, []).append(v)
    applied = [
        ("view", f["description"]),
        ("copies", "every copy counted" if "all-copies" in params else
         f"each story once ({summary['copies_folded']} copies folded; --all-copies counts "
         "them)"),
        ("speaker aliases", aliases or "automatic merge only"),
    ]
    items = "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in applied)
    outlet_flags = " ".join(f"<code>--outlet {_e(shlex.quote(o['outlet']))}</code>"
                            for o in data["outlets"])
    speaker_flags = " ".join(f"<code>--speaker {_e(shlex.quote(s['speaker']))}</code>"
                             for s in data["top_speakers"][:10])
    return ("<section><h2>Filters</h2><p class=\"note\">This page is static: to filter, "
            "rerun the command with the flags below (the page, CSV and JSON then count only "
            "the matching articles), or explore it live with <code>unspin serve --corpus "
            "OUT</code>.</p>"
            f"<ul>{items}</ul><p>This view: <code>{_e(f['command'])}"
            "</code></p><p>Dates: <code>--since YYYY-MM-DD</code> <code>--until YYYY-MM-DD"
            "</code>; narratives, techniques: <code>--narrative NAME</code> <code>--technique "
            "NAME</code>; timelines: <code>--period week</code>; two outlets side by side: "
            "<code>--compare A,B</code>.</p>"
            f"<p>Outlets: {outlet_flags or '–'}</p><p>Top speakers: {speaker_flags or '–'}</p>"
            "</section>")


def filter_form(data: dict[str, Any], choices: dict[str, list[str]], *, action: str,
                q: str | None = None) -> str:
    """The live page's filter form: a plain GET form (no script) whose field names are the
    ``unspin corpus`` flags, set to the view's values; ``q`` adds the search box."""
    given: dict[str, list[str]] = {}
    for k, v in data["filters"]["params"]:
        given.setdefault(k, []).append(v)

    def one(k: str) -> str:
        return _e(given.get(k, [""])[0])

    def select(key: str, label: str, multiple: bool = True) -> str:
        chosen = set(given.get(key, []))
        opts = "".join(f'<option value="{_e(v)}"{" selected" if v in chosen else ""}>'
                       f"{_e(v)}</option>" for v in choices.get(key, []))
        size = f' size="{min(6, max(2, len(choices.get(key, []))))}"' if multiple else ""
        return (f'<label>{_e(label)}<select name="{key}" id="f-{key}"'
                f'{" multiple" if multiple else ""}{size}>'
                f'{"" if multiple else chr(60) + "option value=" + chr(34) * 2 + ">any</option>"}'
                f"{opts}</select></label>")

    speakers = "".join(f'<option value="{_e(s)}"></option>' for s in choices.get("speaker", []))
    period = given.get("period", ["month"])[0]
    search = (f'<label class="wide">Search the text (phrases in "quotes", AND, OR, NOT, '
              f'speaker:, outlet:, quote:)<input type="search" name="q" id="f-q" '
              f'value="{_e(q)}"></label>' if q is not None else "")
    return (f'<section class="form"><h2>Filters</h2><p class="note">{_e(data["filters"]["description"])}'
            f'</p><form method="get" action="{_e(action)}">{search}'
            f'<label>Since<input type="date" name="since" id="f-since" value="{one("since")}"></label>'
            f'<label>Until<input type="date" name="until" id="f-until" value="{one("until")}"></label>'
            + select("outlet", "Outlets") +
            f'<label>Speaker<input name="speaker" id="f-speaker" list="speakers" '
            f'value="{one("speaker")}"></label><datalist id="speakers">{speakers}</datalist>'
            + select("narrative", "Narratives") + select("technique", "Techniques")
            + select("gender", "Speaker gender") + select("stance", "Reporting-verb stance") +
            f'<label>Compare two outlets<input name="compare" id="f-compare" '
            f'placeholder="A,B" value="{one("compare")}"></label>'
            f'<label>Period<select name="period" id="f-period">'
            + "".join(f'<option{" selected" if p == period else ""}>{p}</option>'
                      for p in ("month", "week")) + "</select></label>"
            f'<label class="check"><input type="checkbox" name="all-copies" value="true" '
            f'id="f-all-copies"{" checked" if "all-copies" in given else ""}> count every copy '
            "of a story</label>"
            '<p><button type="submit">Apply</button> <a href="?">clear</a></p></form>'
            f'<p class="note">This view on the command line: <code>{_e(data["filters"]["command"])}'
            "</code></p></section>")


def page_html(data: dict[str, Any], *, title: str, subtitle: str, link: Link | None = None,
              form: str | None = None, aliases: str | None = None, nav: str = "") -> str:
    """The corpus page from :func:`unspin.corpus.views.page_data`: summary cards, the
    filters (``form`` on the live page, else the flags that change the view), then one
    chart and its table per question, and the outlets over time.

    With ``link``, every count — a card, a bar, a heatmap cell, a point on a timeline, a
    number in a table — links to the page ``link`` names for its drill-down (:data:`Drill`)."""
    summary = data["summary"]
    speakers = data["top_speakers"]
    outlets = data["outlets"]
    sn, ot, nt = data["speaker_narrative"], data["outlet_technique"], data["narratives_over_time"]
    fails, by_gender = data["failures_by_code"], data["quotes_by_gender"]
    repeated, altered, stance = data["repeated_quotes"], data["altered_quotes"], data["stance_outlet_speaker"]
    period = dict(map(tuple, data["filters"]["params"])).get("period", "month")
    compare = any(k == "compare" for k, _ in data["filters"]["params"])
    top = int(dict(map(tuple, data["filters"]["params"])).get("top", 20))

    card_drill: dict[str, Drill] = {
        "articles": {}, "failures": {"failures": ""}, "quotes": {"has": "quotes"},
        "techniques": {"has": "techniques"}, "narratives": {"has": "narratives"},
        "copies_folded": {"copies": ""}}
    card_anchor = {"outlets": "#outlets", "speakers": "#speakers"}

    def card(k: str, v: Any) -> str:
        number = _e("–" if v is None else v)
        href = (link(card_drill[k]) if k in card_drill else card_anchor.get(k)) if link else None
        return (f'<div class="card"><b>{_a(href if v else None, number)}</b>'
                f'<span>{_e(k.replace("_", " "))}</span></div>')

    def drill(*keys: str) -> Callable[[dict[str, Any]], str | None] | None:
        return (lambda r: link({k: str(r[k]) for k in keys})) if link else None

    cards = "".join(card(k, v) for k, v in summary.items())
    sp_chart = bar_chart([r["speaker"] for r in speakers], [r["quotes"] for r in speakers],
                         title="quotes per speaker",
                         hrefs=[link({"speaker": r["speaker"]}) for r in speakers] if link else None)
    rows, cols, cells = _pivot(sn, "speaker", "narrative", "articles")
    sn_chart = heatmap(rows, cols, cells, title="speaker × narrative", hrefs={
        key: link({"speaker": key[0], "narrative": key[1]}) for key in cells} if link else None)
    rows, cols, cells = _pivot(ot, "outlet", "technique", "spans_per_article")
    ot_chart = heatmap(rows, cols, cells, title="outlet × technique", hrefs={
        key: link({"outlet": key[0], "technique": key[1]}) for key in cells} if link else None)
    months = sorted({r["month"] for r in nt})
    series: dict[str, dict[str, float]] = {}
    for r in nt:
        series.setdefault(r["narrative"], {})[r["month"]] = r["share"]
    nt_chart = line_chart(months, series, title="narratives over time", hrefs={
        (n, m): link({"narrative": n, "month": m}) for n, ps in series.items() for m in ps}
        if link else None)
    fail_chart = bar_chart([f'{r["stage"]} {r["code"]}' for r in fails],
                           [r["records"] for r in fails], title="failures by stage and code",
                           hrefs=[link({"failures": "", "stage": r["stage"], "code": r["code"]})
                                  for r in fails] if link else None)
    alias_rows = [{**r, "aliases": "; ".join(r["aliases"])} for r in data["speaker_aliases"]]
    rows, cols, cells = _pivot(by_gender, "outlet", "gender", "quotes")
    gender_chart = heatmap(rows, cols, cells, title="quotes by outlet and speaker gender", hrefs={
        key: link({"outlet": key[0], "gender": key[1]}) for key in cells} if link else None)
    rq_chart = bar_chart([_short(r["quote"]) for r in repeated], [r["articles"] for r in repeated],
                         title="articles carrying the quote",
                         hrefs=[link({"quote": str(r["cluster"])}) for r in repeated]
                         if link else None)
    quote_link = (lambda r: link({"quote": str(r["cluster"])})) if link else None
    stance_rows = [{**r, "outlet · speaker": f'{r["outlet"]} · {r["speaker"]}'} for r in stance]
    rows, cols, cells = _pivot(stance_rows, "outlet · speaker", "stance", "quotes")
    pair = {f'{r["outlet"]} · {r["speaker"]}': (r["outlet"], r["speaker"]) for r in stance}
    stance_chart = heatmap(rows, cols, cells, title="reporting-verb stance by outlet and speaker",
                           hrefs={key: link({"outlet": pair[key[0]][0],
                                             "speaker": pair[key[0]][1]}) for key in cells}
                           if link else None)
    sections = [
        form if form is not None else _static_filters(data, aliases),
        _section("Top speakers", "Canonical speakers quoted most often (names merged across "
                 "articles: \u201cMr. Trump\u201d = \u201cDonald J. Trump\u201d), with the "
                 "articles and outlets they are quoted in.", sp_chart, speakers, "No quotes "
                 "with a resolved speaker yet (the quotes and actors stages fill this).",
                 f"<details><summary>Merged names</summary>{table(alias_rows, link=drill('speaker'))}"
                 "</details>", link=drill("speaker"), id="speakers"),
        _section("Speakers × narratives", "Articles where the speaker is quoted and the narrative "
                 "is detected; the table's 'voiced' counts narrative evidence in the speaker's own "
                 "voice.", sn_chart, sn, "No speaker co-occurs with a detected narrative yet.",
                 link=drill("speaker", "narrative")),
        _section("Outlets", "Articles per outlet (each story once unless --all-copies; "
                 "'copies' counts the copies of other outlets' stories it carries).",
                 bar_chart([r["outlet"] for r in outlets[:top]],
                           [r["articles"] for r in outlets[:top]], title="articles per outlet",
                           hrefs=[link({"outlet": r["outlet"]}) for r in outlets[:top]]
                           if link else None),
                 outlets, "No articles.", link=drill("outlet"), id="outlets"),
        _section("Outlets × techniques", "Persuasion-technique spans per article, by outlet "
                 "(the largest outlets; a cell shows the value to two figures, its exact value "
                 "is in its tooltip and the table).", ot_chart, ot, "No technique spans yet.",
                 link=drill("outlet", "technique")),
        _section("Narratives over time", "Share of each month's articles carrying the narrative "
                 "(the six most frequent narratives).", nt_chart, nt,
                 "No dated articles with narratives yet.", link=drill("narrative", "month")),
        _section("Quotes by gender", "Quotes of people by their canonical speaker's gender, "
                 "read from the articles' own words (honorifics, gendered role nouns, resolved "
                 "pronouns; never first names), per outlet; 'unknown' where the words give none "
                 "or conflict.", gender_chart, by_gender, "No quotes of people yet.",
                 link=drill("outlet", "gender"), id="gender"),
        _section("Repeated quotes", "Direct quotes found in two articles or more (the same "
                 "words, or trimmed or changed: 'altered'), most carried first.", rq_chart,
                 repeated, "No direct quote appears in two articles.",
                 f"<details><summary>Altered quotes</summary>{table(altered, link=quote_link)}"
                 "</details>", link=quote_link, id="repeated"),
        _section("Stance of the reporting verb", "How each outlet introduces the most-quoted "
                 "speakers: neutral (said, told), distancing (claimed, alleged), endorsing "
                 "(admitted, revealed) or other.", stance_chart, stance,
                 "No quotes with a resolved speaker yet.", link=drill("outlet", "speaker")),
        _outlets_over_time(data, period=period, compare=compare, link=link),
        _section("Failures", "Records that could not be analysed, by stage and error code.",
                 fail_chart, fails, "No failures.",
                 link=(lambda r: link({"failures": "", "stage": r["stage"], "code": r["code"]}))
                 if link else None),
    ]
    return shell(title, f"<p>{_e(subtitle)}</p>{nav}",
                 f"<div class=\"cards\">{cards}</div>{models_note(data.get('models', []))}"
                 f"{''.join(sections)}")


def models_note(models: list[dict[str, Any]]) -> str:
    """Which model made the reports; a warning when the corpus's outputs mix models (their
    layers' counts were found by different models and do not compare)."""

    def name(m: dict[str, Any]) -> str:
        if m["model"] is None:
            return "an unknown model (no manifest)"
        return f'the {m["model"]} model' + (f' ({m["encoder"]})' if m["encoder"] else "")

    kinds = sorted({(m["model"] or "", m["weights_sha256"] or "", m["adapter_sha256"] or "")
                    for m in models})
    if len(kinds) <= 1:
        return (f'<p class="note models">Reports made by {_e(name(models[0]))}.</p>'
                if models and models[0]["model"] else "")
    each = "; ".join(f'{_e(m["output"])}: {_e(name(m))}'
                     + (f' adapters {_e(str(m["adapter_sha256"])[:12])}'
                        if m["adapter_sha256"] else "") for m in models)
    return ('<p class="warning models" role="alert">This corpus mixes reports from '
            f"{len(kinds)} models ({each}): their techniques, narratives, roles and quotes "
            "were found by different models, so counts from one output do not compare with "
            "another's.</p>")


def shell(title: str, header: str, body: str) -> str:
    """A whole page: the style inline, the header, the body."""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{_e(title)}</h1>{header}</header><main>{body}</main></body></html>\n")


def describe_drill(drill: Drill) -> str:
    """What a count page lists, in words."""
    if "copies" in drill:
        return "Copies folded into their originals"
    if "failures" in drill:
        parts = [f"{k} {v}" for k, v in drill.items() if k != "failures"]
        return "Failed records" + (f" ({', '.join(parts)})" if parts else "")
    if not drill:
        return "All articles"
    return "Articles with " + ", ".join(f"{k} = {v}" for k, v in sorted(drill.items()))


def rows_table(cols: Sequence[str], rows: list[dict[str, Any]], *,
               linked: dict[str, str] | None = None,
               href: Callable[[str], str | None] | None = None) -> str:
    """Rows as a table; a column in ``linked`` links to the report of the article whose
    id is in the named column (``{"title": "id"}``), at ``href(id)``."""
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            id_col = (linked or {}).get(c)
            target = href(str(r.get(id_col))) if id_col and href else None
            v = r.get(c)
            text = _e("" if v is None else v) or (_e(r.get(id_col)) if id_col else "")
            cells.append(f"<td><a href=\"{_e(target)}\">{text}</a></td>" if target
                         else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def count_page(data: dict[str, Any], *, href: Callable[[str], str | None], up: str,
               more: str = "", nav: str = "") -> str:
    """What is behind one count (:func:`unspin.corpus.views.behind_data`): how many,
    and the listed rows, each article linked to its report at ``href(id)``."""
    kind, rows, total = data["kind"], data["rows"], data["articles"]
    if kind == "failures":
        tab = rows_table(["id", "source", "stage", "code", "type", "message"], rows)
    elif kind == "copies":
        tab = rows_table(["title", "id", "original_title", "duplicate_of", "similarity"], rows,
                         linked={"title": "id", "original_title": "duplicate_of"}, href=href)
    else:
        tab = rows_table(["title", "outlet", "published", "id"], rows, linked={"title": "id"},
                         href=href)
    shown = (f"<p class=\"note\">Showing the first {len(rows)} of {total}.{more}</p>"
             if total > len(rows) else "")
    body = (f"<p class=\"note total\" data-total=\"{total}\">{total} in this view of the corpus "
            f"(the same filters and copy folding as the corpus page: "
            f"{_e(data['filters']['description'])})</p>{shown}{tab if rows else ''}")
    return shell(describe_drill(data["behind"]),
                 f"<p><a href=\"{_e(up)}\">← the corpus page</a>{nav}</p>", body)


def search_page(data: dict[str, Any] | None, *, form: str, href: Callable[[str], str | None],
                up: str, error: str | None = None) -> str:
    """The search page: the form, then the hits (title linked to the report, outlet, date,
    the snippet with the matched words in bold), or the query's error."""
    if error is not None:
        result = f'<p class="error" role="alert">{_e(error)}</p>'
    elif data is None:
        result = ""
    else:
        items = []
        for r in data["rows"]:
            target = href(str(r["id"]))
            title = _e(r.get("title") or r["id"])
            items.append(f'<li class="hit"><a href="{_e(target)}">{title}</a> '
                         f'<span class="meta">{_e(r.get("outlet"))} · {_e(r.get("published") or "undated")}'
                         f'</span><p class="snippet">{r["snippet"]}</p></li>')
        exact = "" if data["exact"] else " (at least; the filters were applied to the best-scored hits)"
        result = (f'<p class="note total" data-total="{data["matches"]}">{data["matches"]} matching articles'
                  f'{exact}.</p><ol class="hits">{"".join(items)}</ol>')
    return shell("Search the corpus", f"<p><a href=\"{_e(up)}\">← the corpus page</a></p>",
                 form + f"<section>{result}</section>")
