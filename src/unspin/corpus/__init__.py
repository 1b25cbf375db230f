"""The corpus view: DuckDB over a batch output's Parquet tables (``unspin corpus OUT/``,
and live: ``unspin serve --corpus OUT``).

Which speakers carry which narratives, through which outlets, with which techniques, and
how that changes over time; and full-text search over the articles. One job per module::

    queries.py   the named SQL queries (QUERIES) and the drill-down sources
    filters.py   Filters: from CLI flags or a query string, back to either, to SQL + params
    db.py        Corpus: the database, name resolution, one guarded execute (time limit)
    views.py     one data function per page (page_data, behind_data, search_data, …)
    charts.py    inline SVG bars, heatmaps, lines, each with its text alternative
    render.py    the pages' HTML, from the views' data
    formats.py   CSV and JSON output of the queries
    site.py      the static site (write_site)
    search.py    the tantivy full-text index in OUT/derived/search (build_index, search)
    server.py    the live explorer's routes (/corpus…, /api/corpus…)

Queries (rows of each; ``top`` bounds the rankings; see :mod:`unspin.corpus.queries`):
``summary``, ``top_speakers``, ``speaker_aliases``, ``speaker_narrative``, ``outlets``,
``outlet_technique``, ``narratives_over_time``, ``outlet_techniques_over_time``,
``outlet_narratives_over_time``, ``outlet_speakers_over_time``, ``quotes_by_gender``,
``gender_over_time``, ``repeated_quotes``, ``altered_quotes``, ``stance_outlet_speaker``,
``failures_by_code``.

Definitions:

- *speaker*: a canonical speaker (:mod:`unspin.batch.speakers`): the actors quoted in
  any article, merged across articles by name ("Mr. Trump" = "Donald J. Trump"), the
  user's alias file winning;
- *outlet*: the article's ``source_site``, else the host of its URL (``www.`` dropped),
  else ``unknown``;
- *month* / *period*: the month (or the ISO week, labelled by its Monday) of the article's
  ``source_published`` date (articles without a parseable date are left out of the time
  series);
- *voiced*: a narrative's evidence span lies in that speaker's voice (set by the voice stage);
- *copies folded*: articles left out as near-duplicates of another article in the corpus.
"""

from __future__ import annotations

from unspin.corpus.db import Corpus
from unspin.corpus.filters import Filters
from unspin.corpus.formats import rows_to_csv, to_csv, to_json
from unspin.corpus.queries import BEHIND_KEYS, PERIODS, QUERIES, Drill, Link, Period

__all__ = [
    "BEHIND_KEYS",
    "PERIODS",
    "QUERIES",
    "Corpus",
    "Drill",
    "Filters",
    "Link",
    "Period",
    "cli_equivalent",
    "render_html",
    "rows_to_csv",
    "to_csv",
    "to_json",
]


def cli_equivalent(db: Corpus, *, period: Period | None = None,
                   compare: tuple[str, str] | None = None) -> str:
    """The ``unspin corpus`` command line that renders this view."""
    from unspin.corpus.views import shown_as

    return shown_as(db, period=period, compare=compare).cli(db.outs, db.aliases)


def render_html(db: Corpus, *, top: int | None = None, period: Period | None = None,
                compare: tuple[str, str] | None = None, link: Link | None = None) -> str:
    """The corpus page of ``db``'s view (with ``top``, ``period`` and ``compare`` set when
    given): summary cards, the applied filters, one chart and its table per question, the
    outlets over time. With ``link``, every count links to the page it names."""
    from unspin.corpus.render import page_html
    from unspin.corpus.views import page_data, shown_as

    f = shown_as(db, top=top, period=period, compare=compare)
    return page_html(page_data(db, f), title=f"unspin corpus — {db.out.name}",
                     subtitle=", ".join(map(str, db.outs)), link=link,
                     aliases=str(db.aliases) if db.aliases else None)
