"""One data function per corpus page: what the page shows, as plain JSON-ready dicts.

The static page (``unspin corpus``), the static site (:mod:`unspin.corpus.site`) and
the live explorer (:mod:`unspin.corpus.server`) all call these; the HTML is drawn
from their result (:mod:`unspin.corpus.render`) and the API answers the same result
as JSON, so a page and its JSON twin cannot disagree.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from unspin.corpus.db import Corpus
from unspin.corpus.filters import LIST_KEYS, Filters
from unspin.corpus.queries import Drill, Period

__all__ = ["behind_data", "choices", "filters_data", "page_data", "query_data", "search_data",
           "shown_as"]

#: The queries the page draws, with the ``top`` each is asked for (None: the view's).
PAGE_QUERIES: dict[str, int | None] = {
    "summary": None, "top_speakers": None, "speaker_aliases": None, "outlets": None,
    "speaker_narrative": 15, "outlet_technique": 15, "narratives_over_time": 6,
    "failures_by_code": None, "quotes_by_gender": None, "repeated_quotes": None,
    "altered_quotes": None, "stance_outlet_speaker": 10,
}
#: The timelines of the outlets shown side by side.
TIMELINES: tuple[str, ...] = ("outlet_techniques_over_time", "outlet_narratives_over_time",
                              "outlet_speakers_over_time")


def shown_as(db: Corpus, f: Filters | None = None, *, top: int | None = None,
             period: Period | None = None, compare: tuple[str, str] | None = None) -> Filters:
    """``f`` (default: the corpus's filters) with how the page shows it changed where given
    (``top``, ``period``, the ``compare`` pair, which also keeps only their articles),
    resolved against the corpus: the view the page, its command line and the site draw."""
    f = f if f is not None else db.filters
    changes: dict[str, Any] = {}
    if top is not None:
        changes["top"] = top
    if period is not None:
        changes["period"] = period
    if compare is not None:
        changes.update(compare=compare, outlets=compare, resolved=False)
    return db.resolve(replace(f, **changes) if changes else f)


def filters_data(db: Corpus, f: Filters) -> dict[str, Any]:
    """The view's filters as its URL, command line and words say them."""
    return {"params": [list(p) for p in f.to_params()], "query_string": f.query_string(),
            "command": f.cli(db.outs, db.aliases), "description": f.describe()}


def page_data(db: Corpus, f: Filters | None = None) -> dict[str, Any]:
    """Everything the corpus page shows under ``f`` (default: the corpus's own filters):
    the ``summary`` row, each query's rows (:data:`PAGE_QUERIES`), the outlets ``shown``
    over time (the ``compare`` pair, else the six largest) and their timelines'
    rows, the view's ``filters``, and the ``models`` that made each output's reports
    (:meth:`Corpus.models`)."""
    f = db.resolve(f) if f is not None else db.filters
    data: dict[str, Any] = {"filters": filters_data(db, f), "models": db.models()}
    for name, top in PAGE_QUERIES.items():
        data[name] = db.query(name, top=min(f.top, top) if top is not None else f.top,
                              filters=f)
    data["summary"] = data["summary"][0]
    shown = list(f.compare) if f.compare else [o["outlet"] for o in data["outlets"][:6]]
    data["shown"] = shown
    for name in TIMELINES:
        data[name] = [r for r in db.query(name, filters=f) if r["outlet"] in shown]
    return data


def query_data(db: Corpus, name: str, f: Filters | None = None) -> dict[str, Any]:
    """One named query's rows under ``f``."""
    f = db.resolve(f) if f is not None else db.filters
    return {"query": name, "filters": filters_data(db, f), "rows": db.query(name, filters=f)}


def behind_data(db: Corpus, drill: Drill, f: Filters | None = None, *,
                limit: int = 100) -> dict[str, Any]:
    """What is behind one count under ``f``: ``articles`` (how many) and the first
    ``limit`` ``rows`` (articles; or failed records for ``{"failures": ""}`` with
    ``stage``/``code``; or folded copies for ``{"copies": ""}``)."""
    f = db.resolve(f) if f is not None else db.filters
    if "failures" in drill:
        total, rows = db.failures_behind(stage=drill.get("stage"), code=drill.get("code"),
                                         limit=limit)
        kind = "failures"
    elif "copies" in drill:
        total, rows = db.copies(limit=limit, filters=f)
        kind = "copies"
    else:
        total, rows = db.articles_behind(drill, limit=limit, filters=f)
        kind = "articles"
    return {"behind": dict(drill), "kind": kind, "filters": filters_data(db, f),
            "articles": total, "rows": rows}


def search_data(db: Corpus, q: str, f: Filters | None = None, *, limit: int = 50
                ) -> dict[str, Any]:
    """A full-text search under ``f``: ``matches`` (articles that match the query and pass
    the filters), and the first ``limit`` ``rows`` by relevance, each with its escaped
    ``snippet`` (the matched words in ``<b>``)."""
    from unspin.corpus.search import search

    f = db.resolve(f) if f is not None else db.filters
    found = search(db, q, f, limit=limit)
    return {"q": q, "filters": filters_data(db, f), "matches": found.matches,
            "exact": found.exact, "rows": found.rows}


def choices(db: Corpus) -> dict[str, list[str]]:
    """What each filter of the form can be set to: the corpus's outlets, top speakers,
    narratives, techniques, genders and stances (cached by the corpus)."""
    out: dict[str, list[str]] = {}
    for key in LIST_KEYS:
        if key == "outlet":
            out[key] = sorted(db.known("outlet").values(), key=str.casefold)
        elif key == "speaker":
            out[key] = [r["speaker"] for r in db.query("top_speakers", top=200,
                                                       filters=Filters())]
        else:
            out[key] = sorted(db.known(key))
    return out
