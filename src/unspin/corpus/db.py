"""The :class:`Corpus`: one DuckDB database over batch outputs, and one guarded ``execute``.

At open, every shard table becomes a view ``<table>_all`` over the Parquet files, and the
corpus-wide tables ``speakers``, ``speaker_actors``, ``duplicates`` and ``quote_copies``
are read from ``OUT/derived`` (or computed, when they do not match the shards). Nothing
about a view's filters is built at open: each query gets them as common table expressions
(``filtered_all``, ``folded``, ``articles``, ``quotes``, …) whose values are bound
parameters (:meth:`Filters.where`), so one open corpus answers any number of differently
filtered requests, concurrently: each runs on a cursor of its own, and a timer interrupts
it past ``time_limit`` seconds (:class:`~unspin.errors.QueryTimeoutError`).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

from unspin.batch.tables import TABLES
from unspin.corpus.filters import Filters
from unspin.corpus.queries import (
    AGG_QUERIES,
    OUTLET,
    PERIODS,
    QUERIES,
    Drill,
    Period,
    agg_key_source,
    check_drill,
    key_source,
)
from unspin.errors import FilterError, InputError, QueryTimeoutError

__all__ = ["Corpus", "plain"]

_LAYERS = [t for t in TABLES if t not in ("articles", "failures")]
#: The partial table that holds every value of a filter key (:meth:`Corpus.known`).
AGG_KNOWN = {"outlet": "articles", "narrative": "narratives", "technique": "techniques",
             "stance": "stances"}
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_T = TypeVar("_T")
#: How many views filtered on contents keep their articles' numbers (:meth:`Corpus._view`).
VIEWS_KEPT = 16


def plain(value: Any) -> Any:
    """A value as JSON holds it (dates as ISO strings)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class Corpus:
    """A DuckDB database with views over one or more batch outputs (several drivers'
    folders read as one corpus; record ids are assumed distinct across them).

    ``filters`` are the default view (what :meth:`query` answers when given none);
    ``all_copies`` sets its ``all_copies``. ``aliases`` (a CSV
    ``alias,canonical[,wikidata_id]``) overrides the automatic speaker merge for this
    corpus (the speakers are then recomputed from the shards). ``time_limit`` (seconds)
    interrupts any query that runs longer; None: no limit.

    Where ``OUT/derived/agg`` is fresh (one output, no alias file of the view's own:
    :func:`unspin.batch.aggregates.aggregates_fresh`) the queries it can answer read the
    precomputed partial tables (:meth:`route`); ``aggregates=False`` always scans the
    shards (the same answers, slower: what the tests compare them with)."""

    def __init__(self, out: Path | list[Path], *, filters: Filters | None = None,
                 all_copies: bool = False, aliases: Path | None = None,
                 time_limit: float | None = None, aggregates: bool = True) -> None:
        import duckdb

        self.outs = list(out) if isinstance(out, list) else [out]
        if not self.outs:
            raise InputError("give at least one batch output folder")
        from unspin.batch.reports import shards

        for folder in self.outs:
            shards(folder)  # InputError (E100) where it holds no finished shard
        self.out = self.outs[0]
        self.aliases = aliases
        self.time_limit = time_limit
        self._lock = threading.Lock()
        self._known: dict[str, Any] = {}
        self._views: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.con = duckdb.connect(":memory:")
        with self._readable():
            for table in TABLES:
                patterns = ", ".join(
                    "'" + str(folder / "shards" / "part-*" / f"{table}.parquet").replace("'", "''")
                    + "'" for folder in self.outs)
                self.con.execute(f"CREATE VIEW {table}_all AS SELECT * FROM "
                                 f"read_parquet([{patterns}], union_by_name = true)")
            stored = self._derived_views()
            #: Whether the queries :meth:`route` sends there read the partial tables.
            self.aggregated = aggregates and stored and self.aliases is None and \
                self._aggregate_views()
        base = filters or Filters()
        self.filters = self.resolve(replace(base, all_copies=base.all_copies or all_copies))

    @property
    def all_copies(self) -> bool:
        return self.filters.all_copies

    def _keep(self, name: str, table: Any) -> None:
        """An Arrow table as a table of the database (not a registration on one connection:
        every cursor sees it)."""
        self.con.register("_arrow_in", table)
        try:
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM _arrow_in")
        finally:
            self.con.unregister("_arrow_in")

    def _aggregate_views(self) -> bool:
        """Views ``agg_<table>_all`` over the partial tables, if they are fresh."""
        from unspin.batch.aggregates import AGG, AGG_TABLES, aggregates_fresh
        from unspin.batch.derived import DERIVED

        if not aggregates_fresh(self.out):
            return False
        for name in AGG_TABLES:
            path = str(self.out / DERIVED / AGG / "part-*" / f"{name}.parquet").replace("'", "''")
            self.con.execute(f"CREATE VIEW agg_{name}_all AS SELECT * FROM read_parquet('{path}')")
        return True

    def _derived_views(self) -> bool:
        """The derived tables as views (or computed tables); whether they are the stored
        ones."""
        from unspin.batch.derived import (
            DERIVED,
            derive_duplicates,
            derive_quote_copies,
            derive_speakers,
            is_fresh,
        )
        from unspin.batch.quote_copies import QuoteText
        from unspin.batch.speakers import read_aliases

        # a bad alias file answers before any work
        aliases = read_aliases(self.aliases) if self.aliases is not None else None
        # what the batch run stored (with the alias file it was given, if any) stands, unless
        # this view brings its own alias file: then only the speakers are recomputed
        stored = len(self.outs) == 1 and is_fresh(self.out, any_aliases=True)
        if stored:
            for name in ("duplicates", "speakers", "speaker_actors", "quote_copies"):
                path = str(self.out / DERIVED / f"{name}.parquet").replace("'", "''")
                self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
        else:
            reader = self.con.sql(
                "SELECT id, text, source_published FROM articles_all").to_arrow_reader()
            self._keep("duplicates", derive_duplicates(reader))
            rows = self.con.execute(
                "SELECT q.article_id, q.id, substr(a.text, q.content_start + 1, "
                "q.content_end - q.content_start), " + OUTLET + ", a.source_published, "
                "q.content_start FROM quotes_all q JOIN articles_all a ON a.id = q.article_id "
                "WHERE q.kind = 'direct'").fetchall()
            self._keep("quote_copies", derive_quote_copies(QuoteText(*r) for r in rows))
        if self.aliases is not None or not stored:
            if stored:
                self.con.execute("DROP VIEW speakers")
                self.con.execute("DROP VIEW speaker_actors")
            have = {r[0] for r in self.con.execute("DESCRIBE actors_all").fetchall()}
            wanted = [c for c in ("article_id", "id", "name", "type", "description", "gender")
                      if c in have]  # shards of an older unspin have no gender
            tables = derive_speakers(
                actors=self.con.sql(
                    f"SELECT {', '.join(wanted)} FROM actors_all").to_arrow_table(),
                quotes=self.con.sql(
                    "SELECT article_id, speaker FROM quotes_all").to_arrow_table(),
                aliases=aliases)
            for name, table in tables.items():
                self._keep(name, table)
        return stored

    def models(self) -> list[dict[str, Any]]:
        """Which model made each output's reports, from its manifest: ``output``,
        ``model`` (:func:`~unspin.batch.writer.manifest_model`; None where the manifest is
        missing or unreadable), the base ``encoder``'s name and the sha256 of its weights
        and of its adapters. A batch keeps to one model (a resume with another is refused),
        so the outputs of a corpus of several folders are what can mix them."""
        from unspin.batch.writer import ShardStore, manifest_model

        found = []
        for folder in self.outs:
            try:
                manifest = ShardStore(folder).read_manifest()
            except InputError:  # a damaged manifest: the tables still read; say "unknown"
                manifest = None
            encoder = ((manifest.get("models") or {}).get("encoder") or {}) if manifest else {}
            found.append({"output": str(folder),
                          "model": manifest_model(manifest) if manifest else None,
                          "encoder": encoder.get("encoder"),
                          "weights_sha256": encoder.get("weights_sha256"),
                          "adapter_sha256": encoder.get("adapter_sha256")})
        return found

    # ------------------------------------------------------------------ the filters

    def known(self, what: str) -> Any:
        """The values the corpus holds for a filter key (cached): ``outlet`` (casefolded
        name -> name), ``speaker`` (casefolded name or alias -> speaker), ``speaker_key``
        (a person's name key -> speakers), ``narrative``, ``technique``, ``gender``,
        ``stance`` (sets). Read from the partial tables where they are fresh (the same
        values, without a pass over the articles' text columns or the quotes)."""
        with self._lock:
            if what in self._known:
                return self._known[what]
        sql = {
            "outlet": "SELECT DISTINCT " + OUTLET + " FROM articles_all a",
            "speaker": "SELECT speaker, aliases FROM speakers",
            "speaker_key": "SELECT speaker, aliases FROM speakers WHERE type = 'person'",
            "narrative": "SELECT DISTINCT narrative FROM narratives_all",
            "technique": "SELECT DISTINCT technique FROM techniques_all",
            "gender": "SELECT DISTINCT coalesce(gender, 'unknown') FROM speakers",
            "stance": "SELECT DISTINCT cue_stance FROM quotes_all",
        }[what]
        if self.aggregated and what in ("outlet", "narrative", "technique", "stance"):
            sql = f"SELECT DISTINCT {what} FROM agg_{AGG_KNOWN[what]}_all"
        rows = self._fetch(sql, {}, limit=None)[1]
        value: Any
        if what == "outlet":
            value = {str(o).casefold(): str(o) for (o,) in rows}
        elif what == "speaker":
            value = {}
            for speaker, aliases in rows:
                for name in [*aliases, speaker]:
                    value.setdefault(name.casefold(), speaker)
        elif what == "speaker_key":  # only needed for a name not found as written
            from unspin.batch.speakers import name_key

            value = {}
            for speaker, aliases in rows:
                for name in [*aliases, speaker]:
                    value.setdefault(name_key(name), set()).add(speaker)
        else:
            value = {str(v) for (v,) in rows if v is not None} | (
                {"unknown"} if what == "gender" else set())
        with self._lock:
            self._known[what] = value
        return value

    def resolve(self, f: Filters) -> Filters:
        """``f`` with each name as the corpus spells it (an outlet in any case, a speaker by
        any alias; else a name with the same key, titles dropped, when it belongs to one
        person only); a name the corpus does not hold is a FilterError that says what it
        holds."""
        if f.resolved:
            return f
        changes: dict[str, Any] = {"resolved": True}
        if f.outlets:
            known: dict[str, str] = self.known("outlet")
            missing = [o for o in f.outlets if o.casefold() not in known]
            if missing:
                shown = sorted(known.values())
                raise FilterError(f"no outlet {', '.join(map(repr, missing))} in the corpus; "
                                  f"outlets: {', '.join(shown[:40])}"
                                  f"{' …' if len(shown) > 40 else ''}", param="outlet")
            changes["outlets"] = tuple(known[o.casefold()] for o in f.outlets)
            if f.compare:
                changes["compare"] = (known[f.compare[0].casefold()],
                                      known[f.compare[1].casefold()])
        if f.speakers:
            from unspin.batch.speakers import name_key

            names = self.known("speaker")

            def find(given: str) -> str | None:  # the name as written, else a person by key
                if given.casefold() in names:
                    return str(names[given.casefold()])
                found = self.known("speaker_key").get(name_key(given), set())
                return next(iter(found)) if len(found) == 1 else None

            resolved = {s: find(s) for s in f.speakers}
            missing = [s for s, r in resolved.items() if r is None]
            if missing:
                raise FilterError(f"no speaker {', '.join(map(repr, missing))} in the corpus "
                                  "(give a canonical name or an alias; see the speaker_aliases "
                                  "and top_speakers queries)", param="speaker")
            changes["speakers"] = tuple(dict.fromkeys(r for r in resolved.values() if r))
        for key, attr in (("narrative", "narratives"), ("technique", "techniques"),
                          ("gender", "genders"), ("stance", "stances")):
            given = getattr(f, attr)
            if given:
                have: set[str] = self.known(key)
                missing = [v for v in given if v not in have]
                if missing:
                    raise FilterError(f"no {key} {', '.join(map(repr, missing))} in the corpus; "
                                      f"choose from {', '.join(sorted(have)[:60])}", param=key)
        return replace(f, **changes)

    def _scoped(self, sql: str, f: Filters) -> tuple[str, dict[str, Any]]:
        """``sql`` with the view's relations defined in front of it as common table
        expressions over the ``_all`` views, and the values they bind."""
        where, params = f.where()
        ctes = [
            "filtered_all AS NOT MATERIALIZED (SELECT a.* FROM articles_all a WHERE "
            + (" AND ".join(where) or "TRUE") + ")",
            # a copy is folded only into an original this view keeps (a reprint whose
            # original another outlet or date filtered out is the view's copy of the story)
            "folded AS NOT MATERIALIZED (SELECT d.* FROM duplicates d "
            "JOIN filtered_all o ON o.id = d.duplicate_of)",
            "articles AS NOT MATERIALIZED (SELECT * FROM filtered_all"
            + ("" if f.all_copies else " WHERE id NOT IN (SELECT article_id FROM folded)") + ")",
            *(f"{t} AS NOT MATERIALIZED (SELECT * FROM {t}_all WHERE article_id IN "
              "(SELECT id FROM articles))" for t in _LAYERS
              if re.search(rf"\b{t}\b", sql)),
            "failures AS NOT MATERIALIZED (SELECT * FROM failures_all)",
        ]
        body = sql.strip()
        if body[:4].upper() == "WITH":
            text = "WITH " + ",\n".join(ctes) + ",\n" + body[4:]
        else:
            text = "WITH " + ",\n".join(ctes) + "\n" + body
        return text, params

    def route(self, name: str, f: Filters | None = None) -> Literal["aggregates", "raw"]:
        """Where query ``name`` reads (under any filters ``f``): the partial tables when
        they are fresh and the query has an aggregate form (:data:`AGG_QUERIES`); the
        shards otherwise."""
        if self.aggregated and name in AGG_QUERIES:
            return "aggregates"
        return "raw"

    def _scoped_aggregates(self, sql: str, f: Filters) -> tuple[str, dict[str, Any]]:
        """``sql`` (an :data:`AGG_QUERIES` entry) with the partial tables restricted to the
        view's articles defined in front of it, and the values they bind. Filtered by date
        and outlet only, that is a condition on each row's key (:meth:`Filters.kept`);
        filtered :attr:`~Filters.on_contents`, each table is semi-joined on the numbers of
        the view's kept articles, the relation ``g_view`` (:meth:`_view`), which the
        caller registers on the query's cursor."""
        from unspin.batch.aggregates import AGG_TABLES

        passing, kept, params = f.kept()
        used = [t for t in AGG_TABLES if re.search(rf"\bg_{t}\b", sql)]
        if not f.on_contents:
            ctes = [f"g_articles_all AS NOT MATERIALIZED (SELECT *, {kept} AS kept "
                    f"FROM agg_articles_all WHERE {passing})",
                    *(f"g_{t} AS NOT MATERIALIZED (SELECT * FROM agg_{t}_all WHERE {kept})"
                      for t in used)]
        else:  # g_view: the numbers of the articles that pass, and whether each is kept
            params = {}
            # each relation once per query (MATERIALIZED): they hold the view's rows only
            ctes = ["g_articles_all AS MATERIALIZED (SELECT a.*, v.kept FROM agg_articles_all a "
                    "JOIN g_view v ON v.article_no = a.article_no)",
                    *(f"g_{t} AS MATERIALIZED (SELECT * FROM agg_{t}_all WHERE "
                      "article_no IN (SELECT article_no FROM g_view WHERE kept))" for t in used)]
        ctes.append("failures AS NOT MATERIALIZED (SELECT * FROM failures_all)")
        body = sql.strip()
        if body[:4].upper() == "WITH":
            return "WITH " + ",\n".join(ctes) + ",\n" + body[4:], params
        return "WITH " + ",\n".join(ctes) + "\n" + body, params

    def _view(self, f: Filters) -> Any:
        """For a view filtered :attr:`~Filters.on_contents`, the articles that pass its
        filters (an Arrow table of ``article_no`` and ``kept``): those that pass the date
        and outlet conditions and hold what it asks (:meth:`Filters.contained`), ``kept``
        unless a copy whose original passes too (and not ``all_copies``). Found once per
        view and kept for the next :data:`VIEWS_KEPT` views' queries (a page asks a dozen
        of the same view), so each query semi-joins its tables on a small table instead of
        finding the view's articles again."""
        key = (f.since, f.until, f.outlets, f.speakers, f.narratives, f.techniques, f.genders,
               f.stances, f.all_copies)
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        passing, _, params = f.kept()
        contained, more = f.contained()
        sql = (f"WITH g_passing AS MATERIALIZED (SELECT article_no, orig_no FROM "
               f"agg_articles_all WHERE {passing} AND {' AND '.join(contained)}) "
               "SELECT article_no, " + ("TRUE" if f.all_copies else
                                        "orig_no IS NULL OR orig_no NOT IN "
                                        "(SELECT article_no FROM g_passing)")
               + " AS kept FROM g_passing")
        table = self._on_cursor(sql, {**params, **more}, self.time_limit, {},
                                lambda cur, bound: cur.sql(sql, params=bound).to_arrow_table())
        with self._lock:
            self._views[key] = table
            while len(self._views) > VIEWS_KEPT:
                self._views.popitem(last=False)
        return table

    # ------------------------------------------------------------------ executing

    def _fetch(self, sql: str, params: dict[str, Any], *, limit: float | None,
               relations: dict[str, Any] | None = None
               ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run ``sql`` on a cursor of its own (so requests in other threads run beside it),
        binding only the parameters it names, interrupted past ``limit`` seconds; each of
        ``relations`` (an Arrow table) is registered on that cursor alone, under its name."""

        def rows(cur: Any, bound: dict[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
            result = cur.execute(sql, bound)
            return [d[0] for d in result.description or []], result.fetchall()

        return self._on_cursor(sql, params, limit, relations or {}, rows)

    def _on_cursor(self, sql: str, params: dict[str, Any], limit: float | None,
                   relations: dict[str, Any], take: Callable[[Any, dict[str, Any]], _T]) -> _T:
        """:meth:`_fetch`'s guards around ``take(cursor, bound parameters)``."""
        import duckdb

        used = set(_PARAM.findall(sql))
        bound = {k: v for k, v in params.items() if k in used}
        cur = self.con.cursor()
        timer = threading.Timer(limit, cur.interrupt) if limit else None
        try:
            for name, table in relations.items():
                cur.register(name, table)
            if timer is not None:
                timer.start()
            with self._readable():
                try:
                    return take(cur, bound)
                except duckdb.InterruptException:
                    raise QueryTimeoutError(
                        f"the query ran past its time limit of {limit:g} s and was stopped; "
                        "narrow the view (a shorter date range, an outlet or a speaker)",
                        limit=limit) from None
        finally:
            if timer is not None:
                timer.cancel()
            cur.close()

    def execute(self, sql: str, params: dict[str, Any] | None = None, *,
                filters: Filters | None = None, limit: float | None = None
                ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of ``sql`` under ``filters`` (default: this corpus's),
        with ``params`` bound, interrupted past ``limit`` seconds (default
        ``time_limit``)."""
        f = self.resolve(filters) if filters is not None else self.filters
        text, bound = self._scoped(sql, f)
        return self._fetch(text, {**bound, **(params or {})},
                           limit=limit if limit is not None else self.time_limit)

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def _readable(self) -> Iterator[None]:
        """A damaged batch output (a truncated or foreign Parquet file, a folder whose name
        DuckDB reads as a pattern) is an InputError naming it, not DuckDB's exception."""
        import duckdb

        try:
            yield
        except duckdb.InterruptException:
            raise
        except duckdb.Error as exc:
            raise InputError(f"cannot read the batch output {', '.join(map(str, self.outs))} "
                             f"({type(exc).__name__}: {str(exc).splitlines()[0]}); rerun "
                             "`unspin batch` on its inputs (with --force to rebuild it)",
                             path=str(self.out)) from exc

    # ------------------------------------------------------------------ the queries

    def run(self, name: str, *, top: int | None = None, period: Period | None = None,
            filters: Filters | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and raw rows of query ``name`` (``top`` and ``period`` default to
        the filters')."""
        if name not in QUERIES:
            raise FilterError(f"unknown query {name!r}; choose from {', '.join(QUERIES)}",
                              param="query")
        f = self.resolve(filters) if filters is not None else self.filters
        top = f.top if top is None else top
        period = f.period if period is None else period
        if period not in PERIODS:
            raise FilterError(f"unknown period {period!r}; choose week or month")
        if top < 0:
            raise FilterError(f"top must be 0 or more, not {top}")
        if self.route(name, f) == "aggregates":
            return self._aggregated(AGG_QUERIES[name], {"top": top, "period": period}, f)
        return self.execute(QUERIES[name], {"top": top, "period": period}, filters=f)

    def _aggregated(self, sql: str, params: dict[str, Any], f: Filters
                    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of ``sql`` over the partial tables (the ``g_<table>``
        relations) under the resolved view ``f``, with ``params`` bound."""
        text, bound = self._scoped_aggregates(sql, f)
        views = {"g_view": self._view(f)} if f.on_contents else {}
        return self._fetch(text, {**bound, **params}, limit=self.time_limit, relations=views)

    def query(self, name: str, *, top: int | None = None, period: Period | None = None,
              filters: Filters | None = None) -> list[dict[str, Any]]:
        """The rows of query ``name`` as dicts (dates as ISO strings)."""
        cols, rows = self.run(name, top=top, period=period, filters=filters)
        return [{c: plain(v) for c, v in zip(cols, row, strict=True)} for row in rows]

    def articles_behind(self, keys: Drill, *, limit: int = 100, filters: Filters | None = None
                        ) -> tuple[int, list[dict[str, Any]]]:
        """The articles behind one count: how many there are, and the first ``limit`` of
        them (id, title, outlet, date; newest first) — under the filters and copy folding,
        so the numbers match the page's."""
        return self.articles_behind_many([keys], limit=limit, filters=filters)[0]

    def articles_behind_many(self, drills: Sequence[Drill], *, limit: int = 100,
                             filters: Filters | None = None
                             ) -> list[tuple[int, list[dict[str, Any]]]]:
        """:meth:`articles_behind` for many counts at once, in order: one query per set of
        keys (all the speakers' counts together, all the speaker × narrative cells…), not
        one per count, so a site of a million articles costs a few scans, not thousands."""
        for drill in drills:
            check_drill(drill)
        groups: dict[tuple[str, ...], list[int]] = {}
        for n, drill in enumerate(drills):
            groups.setdefault(tuple(sorted(drill)), []).append(n)
        found: list[tuple[int, list[dict[str, Any]]]] = [(0, [])] * len(drills)
        for keys, members in groups.items():
            for n, result in zip(members, self._behind_group(
                    keys, [drills[m] for m in members], limit, filters), strict=True):
                found[n] = result
        return found

    def _behind_group(self, keys: tuple[str, ...], drills: list[Drill], limit: int,
                      filters: Filters | None) -> list[tuple[int, list[dict[str, Any]]]]:
        """One query for every drill-down with these ``keys``: each wanted combination of
        values (bound as lists, unnested side by side), with its total and its first
        ``limit`` articles (window functions)."""
        f = self.resolve(filters) if filters is not None else self.filters
        # on the partial tables where they are fresh (the same rows, without a scan of the
        # quotes and of every article's columns)
        aggregated = self.aggregated
        cols = [f"v{i}" for i in range(len(keys))]
        if aggregated:
            joins = "".join(f" JOIN ({agg_key_source(k)}) s{i} ON s{i}.article_no = a.article_no"
                            for i, k in enumerate(keys))
        else:
            joins = "".join(f" JOIN ({key_source(k)}) s{i} ON s{i}.article_id = a.id"
                            for i, k in enumerate(keys))
        params: dict[str, Any] = {"limit": limit}
        if keys:
            wanted = sorted({tuple(d[k] for k in keys) for d in drills})
            for i in range(len(cols)):
                params[f"w{i}"] = [w[i] for w in wanted]
            unnest = ", ".join(f"unnest($w{i}) AS {c}" for i, c in enumerate(cols))
            joins += f" JOIN (SELECT {unnest}) w ON " + " AND ".join(
                f"w.v{i} = s{i}.v" for i in range(len(keys)))
        part = ", ".join(cols) if keys else "NULL"
        shown = ("a.article_id AS id, a.title, a.outlet, a.day AS published, a.input "
                 "FROM g_articles a" if aggregated else
                 "a.id, a.source_title AS title, " + OUTLET + " AS outlet, "
                 "TRY_CAST(a.source_published AS DATE) AS published, a.input FROM articles a")
        sql = ("WITH hits AS (SELECT DISTINCT " + "".join(f"w.{c}, " for c in cols) +
               f"{shown}{joins}) "
               f"SELECT *, count(*) OVER (PARTITION BY {part}) AS total, row_number() OVER "
               f"(PARTITION BY {part} ORDER BY published DESC NULLS LAST, id) AS rn "
               "FROM hits QUALIFY rn <= $limit")
        names, fetched = (self._aggregated(sql, params, f) if aggregated
                          else self.execute(sql, params, filters=f))
        by_value: dict[tuple[str, ...], tuple[int, list[dict[str, Any]]]] = {}
        for row in fetched:
            r = dict(zip(names, row, strict=True))
            value = tuple(str(r.pop(c)) for c in cols)
            total = int(r.pop("total"))
            r.pop("rn")
            by_value.setdefault(value, (total, []))[1].append(
                {c: plain(v) for c, v in r.items()})
        for _, rows in by_value.values():  # newest first, undated last, then by id
            rows.sort(key=lambda r: str(r["id"]))
            rows.sort(key=lambda r: r["published"] or "", reverse=True)
        return [by_value.get(tuple(d[k] for k in keys), (0, [])) for d in drills]

    def articles_by_id(self, ids: Sequence[str], *, numbers: Sequence[int] | None = None,
                       filters: Filters | None = None) -> dict[str, dict[str, Any]]:
        """The articles among ``ids`` that the view keeps (id, title, outlet, published,
        input): what a search hit shows once the filters apply. ``numbers``, beside
        ``ids``, are their :func:`~unspin.batch.aggregates.article_no` (as the search index
        stores them): where the partial tables are fresh the articles are looked up there by
        number (an id whose number names another article, from an index older than its
        shard, is not found), without reading the shards."""
        f = self.resolve(filters) if filters is not None else self.filters
        if self.aggregated and numbers is not None:
            if len(numbers) != len(ids):
                raise ValueError("give one number for each id")
            names, rows = self._aggregated(
                "WITH wanted AS (SELECT unnest($ids) AS id, unnest($nos) AS no) "
                "SELECT a.article_id AS id, a.title, a.outlet, a.day AS published, a.input "
                "FROM g_articles a JOIN wanted w ON w.no = a.article_no AND w.id = a.article_id",
                {"ids": list(ids), "nos": list(numbers)}, f)
        else:
            names, rows = self.execute(
                "SELECT a.id, a.source_title AS title, " + OUTLET + " AS outlet, "
                "TRY_CAST(a.source_published AS DATE) AS published, a.input "
                "FROM articles a JOIN (SELECT DISTINCT unnest($ids) AS id) w ON w.id = a.id",
                {"ids": list(ids)}, filters=f)
        return {str(r[0]): {c: plain(v) for c, v in zip(names, r, strict=True)} for r in rows}

    def failures_behind(self, *, stage: str | None = None, code: str | None = None,
                        limit: int = 100) -> tuple[int, list[dict[str, Any]]]:
        """The failed records behind a failure count (all, or one stage and code)."""
        where: list[str] = ["TRUE"]
        params: dict[str, Any] = {"limit": limit}
        for column, value in (("stage", stage), ("code", code)):
            if value is not None:
                where.append(f"{column} = ${column}")
                params[column] = value
        clause = " AND ".join(where)
        _, rows = self.execute(f"SELECT count(*) FROM failures WHERE {clause}", params)
        total = int(rows[0][0]) if rows else 0
        cols, found = self.execute(f"SELECT id, source, stage, code, type, message FROM failures "
                                   f"WHERE {clause} ORDER BY id LIMIT $limit", params)
        return total, [dict(zip(cols, row, strict=True)) for row in found]

    def copies(self, *, limit: int = 100, filters: Filters | None = None
               ) -> tuple[int, list[dict[str, Any]]]:
        """The near-duplicate copies folded into their originals (under the filters)."""
        sql = ("FROM folded d JOIN filtered_all c ON c.id = d.article_id "
               "JOIN filtered_all o ON o.id = d.duplicate_of")
        _, rows = self.execute(f"SELECT count(*) {sql}", filters=filters)
        total = int(rows[0][0]) if rows else 0
        cols, found = self.execute(
            "SELECT d.article_id AS id, c.source_title AS title, d.duplicate_of, "
            "o.source_title AS original_title, round(d.similarity, 3) AS similarity "
            f"{sql} ORDER BY d.similarity DESC, d.article_id LIMIT $limit", {"limit": limit},
            filters=filters)
        return total, [dict(zip(cols, row, strict=True)) for row in found]
