"""The corpus as a folder of static pages, where every count leads to its articles.

``unspin corpus OUT --site DIR`` writes::

    DIR/index.html            the corpus page (:func:`unspin.corpus.render_html`), every
                              count a link
    DIR/counts/<key>.html     what is behind one count: its articles (title, outlet, date),
                              the first ``per_count`` of them, newest first, each linked to
                              its report; or the failed records, or the folded copies
    DIR/articles/<id>.html    one article's report page (:func:`unspin.render.render_html`),
                              rebuilt from the batch tables (no model loaded)

Every page is self-contained (inline style, no request outside the folder, every string
escaped), so the folder can be zipped, mailed or opened from disk. A count page past
``per_count`` says how many more there are and the command that lists them all
(``unspin corpus OUT --behind KEY=VALUE --format csv``).
"""

from __future__ import annotations

import hashlib
import html
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspin.corpus import Corpus, Drill, Period, cli_equivalent, render_html

__all__ = ["SiteResult", "article_file", "write_site"]

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 28px}header h1{margin:0;font-size:20px}
header a{color:#c9d8ff}main{max-width:1100px;margin:0 auto;padding:12px 28px 40px}
table{border-collapse:collapse;font-size:14px;background:#fff;box-shadow:0 1px 2px #0002}
th,td{border-bottom:1px solid #e3e6eb;padding:5px 12px;text-align:left;vertical-align:top}
th{background:#f0f2f5}p.note{color:#5b6475}code{background:#e9ecf1;padding:1px 4px;border-radius:3px}
"""


@dataclass(frozen=True)
class SiteResult:
    """What :func:`write_site` wrote: the count pages, the article pages, and the articles
    linked from a count page that the batch tables could not rebuild (none, normally)."""

    folder: Path
    counts: int
    articles: int
    missing: tuple[str, ...]


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _slug(text: str, n: int = 40) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:n].lower() or "x"


def article_file(article_id: str) -> str:
    """The file name of an article's page: readable, and unique by a hash of the id."""
    digest = hashlib.sha256(article_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{_slug(article_id)}-{digest}.html"


def _count_file(drill: Drill) -> str:
    key = "&".join(f"{k}={v}" for k, v in sorted(drill.items()))
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    readable = "-".join(_slug(f"{k} {v}", 30) for k, v in sorted(drill.items())) or "all"
    return f"{readable[:80]}-{digest}.html"


def _describe(drill: Drill) -> str:
    if "copies" in drill:
        return "Copies folded into their originals"
    if "failures" in drill:
        parts = [f"{k} {v}" for k, v in drill.items() if k != "failures"]
        return "Failed records" + (f" ({', '.join(parts)})" if parts else "")
    if not drill:
        return "All articles"
    return "Articles with " + ", ".join(f"{k} = {v}" for k, v in sorted(drill.items()))


def _page(title: str, body: str, *, up: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
            f"<header><h1>{_e(title)}</h1><p><a href=\"{_e(up)}\">← the corpus page</a></p>"
            f"</header><main>{body}</main></body></html>\n")


def _table(cols: list[str], rows: list[dict[str, Any]], *,
           linked: dict[str, str] | None = None, pages: dict[str, str] | None = None) -> str:
    """Rows as a table; a column in ``linked`` links to the page of the article whose id
    is in the named column (``{"title": "id"}``)."""
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = []
    for r in rows:
        cells = []
        for c in cols:
            id_col = (linked or {}).get(c)
            href = (pages or {}).get(str(r.get(id_col))) if id_col else None
            text = _e(r.get(c)) or (_e(r.get(id_col)) if id_col else "")
            cells.append(f"<td><a href=\"{_e(href)}\">{text}</a></td>" if href
                         else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _all_of_them(db: Corpus, drill: Drill) -> str:
    """Where the whole list behind ``drill`` is: the command (this view's filters and
    ``--behind``), or the table that holds it."""
    if "failures" in drill:
        return "the failures table: shards/*/failures.parquet"
    if "copies" in drill:
        return "the duplicates table: derived/duplicates.parquet"
    behind = [arg for k, v in sorted(drill.items()) for arg in ("--behind", f"{k}={v}")]
    return cli_equivalent(db) + " " + shlex.join([*behind, "--format", "csv"])


def write_site(db: Corpus, folder: Path, *, top: int = 20, period: Period = "month",
               compare: tuple[str, str] | None = None, per_count: int = 100) -> SiteResult:
    """Write the corpus page, a page per count and a report page per linked article."""
    from unspin.batch.reports import load_reports
    from unspin.render import render_html as render_report

    (folder / "counts").mkdir(parents=True, exist_ok=True)
    (folder / "articles").mkdir(exist_ok=True)
    drills: dict[str, Drill] = {}

    def link(drill: Drill) -> str:
        name = _count_file(drill)
        drills.setdefault(name, dict(drill))
        return f"counts/{name}"

    (folder / "index.html").write_text(
        render_html(db, top=top, period=period, compare=compare, link=link), encoding="utf-8")
    wanted: set[str] = set()
    listed: dict[str, tuple[Drill, int, list[dict[str, Any]]]] = {}
    plain = [name for name, d in drills.items() if "failures" not in d and "copies" not in d]
    # every count of the same kind in one query (a few scans of a million articles, not
    # one scan per count)
    for name, (total, rows) in zip(plain, db.articles_behind_many(
            [drills[n] for n in plain], limit=per_count), strict=True):
        listed[name] = (drills[name], total, rows)
        wanted.update(str(r["id"]) for r in rows)
    for name, drill in drills.items():
        if "failures" in drill:
            total, rows = db.failures_behind(stage=drill.get("stage"), code=drill.get("code"),
                                             limit=per_count)
        elif "copies" in drill:
            total, rows = db.copies(limit=per_count)
            wanted.update(str(r["id"]) for r in rows)
            wanted.update(str(r["duplicate_of"]) for r in rows)
        else:
            continue
        listed[name] = (drill, total, rows)

    reports: dict[str, Any] = {}
    for out in db.outs:
        left = wanted - set(reports)
        if left:
            reports.update(load_reports(out, left))
    for rid, report in reports.items():
        (folder / "articles" / article_file(rid)).write_text(render_report(report),
                                                              encoding="utf-8")
    links = {rid: f"../articles/{article_file(rid)}" for rid in reports}

    for name, (drill, total, rows) in listed.items():
        title = _describe(drill)
        if "failures" in drill:
            table = _table(["id", "source", "stage", "code", "type", "message"], rows)
        elif "copies" in drill:
            table = _table(["title", "id", "original_title", "duplicate_of", "similarity"], rows,
                           linked={"title": "id", "original_title": "duplicate_of"}, pages=links)
        else:
            table = _table(["title", "outlet", "published", "id"], rows,
                           linked={"title": "id"}, pages=links)
        more = (f"<p class=\"note\">Showing the first {len(rows)} of {total}. All of them: "
                f"<code>{_e(_all_of_them(db, drill))}</code></p>" if total > len(rows) else "")
        body = (f"<p class=\"note\">{total} in this view of the corpus (the same filters and "
                f"copy folding as the corpus page).</p>{more}{table if rows else ''}")
        (folder / "counts" / name).write_text(_page(title, body, up="../index.html"),
                                              encoding="utf-8")
    return SiteResult(folder=folder, counts=len(listed), articles=len(reports),
                      missing=tuple(sorted(wanted - set(reports))))
