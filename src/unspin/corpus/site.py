"""The corpus as a folder of static pages, where every count leads to its articles.

``unspin corpus OUT --site DIR`` writes::

    DIR/index.html            the corpus page (:func:`unspin.corpus.render.page_html`),
                              every count a link
    DIR/counts/<key>.html     what is behind one count: its articles (title, outlet, date),
                              the first ``per_count`` of them, newest first, each linked to
                              its report; or the failed records, or the folded copies
    DIR/articles/<id>.html    one article's report page (:func:`unspin.render.render_html`),
                              rebuilt from the batch tables (no model loaded)

The pages are the live explorer's (:mod:`unspin.corpus.server`), drawn by the same
renderer from the same data functions; only the links differ (files here, URLs there).
Every page is self-contained (inline style, no request outside the folder, every string
escaped), so the folder can be zipped, mailed or opened from disk. A count page past
``per_count`` says how many more there are and the command that lists them all
(``unspin corpus OUT --behind KEY=VALUE --format csv``).
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspin.corpus.charts import e as _e
from unspin.corpus.db import Corpus
from unspin.corpus.filters import Filters
from unspin.corpus.queries import Drill, Period
from unspin.corpus.render import count_page, page_html
from unspin.corpus.views import behind_data, filters_data, page_data, shown_as

__all__ = ["SiteResult", "article_file", "write_site"]


@dataclass(frozen=True)
class SiteResult:
    """What :func:`write_site` wrote: the count pages, the article pages, and the articles
    linked from a count page that the batch tables could not rebuild (none, normally)."""

    folder: Path
    counts: int
    articles: int
    missing: tuple[str, ...]


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


def all_of_them(command: str, drill: Drill) -> str:
    """Where the whole list behind ``drill`` is: the view's command with ``--behind``, or
    the table that holds it."""
    if "failures" in drill:
        return "the failures table: shards/*/failures.parquet"
    if "copies" in drill:
        return "the duplicates table: derived/duplicates.parquet"
    behind = [arg for k, v in sorted(drill.items()) for arg in ("--behind", f"{k}={v}")]
    return command + " " + shlex.join([*behind, "--format", "csv"])


def write_site(db: Corpus, folder: Path, *, top: int | None = None,
               period: Period | None = None, compare: tuple[str, str] | None = None,
               per_count: int = 100, filters: Filters | None = None) -> SiteResult:
    """Write the corpus page, a page per count and a report page per linked article."""
    from unspin.batch.reports import load_reports
    from unspin.render import render_html as render_report

    f = shown_as(db, filters, top=top, period=period, compare=compare)
    (folder / "counts").mkdir(parents=True, exist_ok=True)
    (folder / "articles").mkdir(exist_ok=True)
    drills: dict[str, Drill] = {}

    def link(drill: Drill) -> str:
        name = _count_file(drill)
        drills.setdefault(name, dict(drill))
        return f"counts/{name}"

    data = page_data(db, f)
    (folder / "index.html").write_text(
        page_html(data, title=f"unspin corpus — {db.out.name}",
                  subtitle=", ".join(map(str, db.outs)), link=link,
                  aliases=str(db.aliases) if db.aliases else None), encoding="utf-8")
    wanted: set[str] = set()
    listed: dict[str, tuple[Drill, int, list[dict[str, Any]], str]] = {}
    plain = [name for name, d in drills.items() if "failures" not in d and "copies" not in d]
    # every count of the same kind in one query (a few scans of a million articles, not
    # one scan per count)
    for name, (total, rows) in zip(plain, db.articles_behind_many(
            [drills[n] for n in plain], limit=per_count, filters=f), strict=True):
        listed[name] = (drills[name], total, rows, "articles")
        wanted.update(str(r["id"]) for r in rows)
    for name in [n for n in drills if n not in listed]:  # failed records, folded copies
        behind = behind_data(db, drills[name], f, limit=per_count)
        if behind["kind"] == "copies":
            wanted.update(str(r[k]) for r in behind["rows"] for k in ("id", "duplicate_of"))
        listed[name] = (drills[name], behind["articles"], behind["rows"], behind["kind"])

    reports: dict[str, Any] = {}
    for out in db.outs:
        left = wanted - set(reports)
        if left:
            reports.update(load_reports(out, left))
    for rid, report in reports.items():
        (folder / "articles" / article_file(rid)).write_text(render_report(report),
                                                              encoding="utf-8")
    links = {rid: f"../articles/{article_file(rid)}" for rid in reports}
    about = filters_data(db, f)
    for name, (drill, total, rows, kind) in listed.items():
        behind = {"behind": drill, "kind": kind, "filters": about, "articles": total,
                  "rows": rows}
        more = f" All of them: <code>{_e(all_of_them(about['command'], drill))}</code>"
        (folder / "counts" / name).write_text(
            count_page(behind, href=links.get, up="../index.html", more=more), encoding="utf-8")
    return SiteResult(folder=folder, counts=len(listed), articles=len(reports),
                      missing=tuple(sorted(wanted - set(reports))))
