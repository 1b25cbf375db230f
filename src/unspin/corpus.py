"""The corpus view: DuckDB over a batch output's Parquet tables (``unspin corpus OUT/``).

Which speakers carry which narratives, through which outlets, with which techniques, and
how that changes over time. The SQL lives here (:data:`QUERIES`); queries take the
parameters ``top`` (rows per ranking) and ``period`` (``week`` or ``month``, for the
timelines). Results come out as rows (``Corpus.query``), CSV, JSON, or a self-contained
HTML page whose charts are inline SVG drawn here (no script, no external request; every
string from the data is escaped).

Views. Every shard table is a view ``<table>_all`` (``articles_all``, ``quotes_all``, …);
the views the queries read, ``articles``, ``actors``, ``quotes``, ``techniques``,
``narratives``, ``roles``, ``voices``, ``removed``, keep only the articles that pass the
:class:`Filters` and, unless ``all_copies``, only one copy of each story (copies listed in
``duplicates`` are folded into their original). ``failures`` is never filtered. The derived
tables (:mod:`unspin.batch.derived`) are the views ``speakers``, ``speaker_actors``,
``duplicates`` and ``quote_copies``, read from ``OUT/derived`` when they match the shards, computed here
otherwise (several outputs read as one corpus, an alias file given, or a run that stopped
before rebuilding them).

Queries (rows of each; ``top`` bounds the rankings):

- ``summary``: one row of totals, with ``speakers`` (canonical) and ``copies_folded``;
- ``top_speakers``: speaker, type, quotes, articles, outlets;
- ``speaker_aliases``: the speakers that merge several names (or carry a Wikidata id), with
  their ``aliases``;
- ``speaker_narrative``: speaker, narrative, articles, voiced;
- ``outlets``: outlet, articles, copies_folded, first and last date;
- ``outlet_technique``: outlet, technique, spans, articles, spans_per_article;
- ``narratives_over_time``: month, narrative, articles, share (of the month's articles);
- ``outlet_techniques_over_time``: outlet, period, technique, spans, articles,
  spans_per_article (of that outlet's articles in the period);
- ``outlet_narratives_over_time``: outlet, period, narrative, articles, share;
- ``outlet_speakers_over_time``: outlet, period, speaker, quotes, articles;
- ``quotes_by_gender``: outlet, gender (of the canonical speaker, people only), quotes,
  speakers; ``gender_over_time``: outlet, period, gender, quotes, speakers;
- ``repeated_quotes``: the quotes found in the most articles (``quote_copies``): cluster,
  occurrences, articles, outlets, altered, first_published, first_outlet, quote (its first
  appearance's words); ``altered_quotes``: each altered occurrence beside the original;
- ``stance_outlet_speaker``: outlet, speaker, stance (the reporting verb's ``cue_stance``),
  quotes, for the ``top`` most-quoted speakers;
- ``failures_by_code``: stage, code, type, records, example.

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

import csv
import datetime as dt
import html
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from unspin.batch.tables import TABLES
from unspin.errors import ConfigError, InputError

__all__ = [
    "BEHIND_KEYS",
    "PERIODS",
    "QUERIES",
    "Corpus",
    "Filters",
    "cli_equivalent",
    "render_html",
    "rows_to_csv",
    "to_csv",
    "to_json",
]

_OUTLET = ("coalesce(nullif(a.source_site, ''), nullif(regexp_extract(a.source_url, "
           "'^[A-Za-z]+://(?:www\\.)?([^/:?#]+)', 1), ''), 'unknown')")
_PERIOD = ("strftime(date_trunc($period, TRY_CAST(a.source_published AS DATE)), "
           "CASE WHEN $period = 'week' THEN '%Y-%m-%d' ELSE '%Y-%m' END)")
#: Speakers of quotes: one row per quote with its article and canonical speaker.
_QUOTED = """
          SELECT q.article_id, q.speaker AS actor_id, sa.speaker
          FROM quotes q
          JOIN speaker_actors sa ON sa.article_id = q.article_id AND sa.actor_id = q.speaker
"""

#: Each dated article with its outlet and ``$period`` (the timelines' common table).
_DATED = ("dated AS (SELECT a.id, " + _OUTLET + " AS outlet, " + _PERIOD + " AS period "
          "FROM articles a WHERE TRY_CAST(a.source_published AS DATE) IS NOT NULL)")
#: Articles per outlet and period, over ``dated``.
_PER = "per AS (SELECT outlet, period, count(*) AS n FROM dated GROUP BY outlet, period)"

#: A timeline period.
Period = Literal["week", "month"]
#: What a count on the page breaks down into (``BEHIND_KEYS``, or ``{"failures": ""}`` with
#: ``stage``/``code``, or ``{"copies": ""}``); a :data:`Link` turns it into an href.
Drill = dict[str, str]
#: Given the drill-down of a count, the href of the page listing what is behind it.
Link = Callable[[Drill], str]
#: The timeline periods.
PERIODS: tuple[str, ...] = ("week", "month")

#: Named queries over the views (see the module docstring).
QUERIES: dict[str, str] = {
    "summary": """
        SELECT
          (SELECT count(*) FROM articles) AS articles,
          (SELECT count(*) FROM failures) AS failures,
          (SELECT count(DISTINCT """ + _OUTLET + """) FROM articles a) AS outlets,
          (SELECT count(DISTINCT sa.speaker) FROM quotes q JOIN speaker_actors sa
             ON sa.article_id = q.article_id AND sa.actor_id = q.speaker) AS speakers,
          (SELECT count(*) FROM quotes) AS quotes,
          (SELECT count(*) FROM techniques) AS techniques,
          (SELECT count(*) FROM narratives) AS narratives,
          (SELECT count(*) FROM filtered_all WHERE id NOT IN (SELECT id FROM articles))
            AS copies_folded,
          (SELECT min(TRY_CAST(source_published AS DATE)) FROM articles) AS first_date,
          (SELECT max(TRY_CAST(source_published AS DATE)) FROM articles) AS last_date
    """,
    "top_speakers": """
        SELECT qs.speaker, any_value(s.type) AS type, count(*) AS quotes,
               count(DISTINCT qs.article_id) AS articles,
               count(DISTINCT """ + _OUTLET + """) AS outlets
        FROM (""" + _QUOTED + """) qs
        JOIN articles a ON a.id = qs.article_id
        LEFT JOIN speakers s ON s.speaker = qs.speaker
        GROUP BY qs.speaker
        ORDER BY quotes DESC, qs.speaker
        LIMIT $top
    """,
    "speaker_aliases": """
        SELECT speaker, type, aliases, articles, quotes, wikidata_id
        FROM speakers
        WHERE len(aliases) > 1 OR wikidata_id IS NOT NULL
        ORDER BY quotes DESC, speaker
        LIMIT $top
    """,
    "speaker_narrative": """
        WITH sp AS (SELECT DISTINCT * FROM (""" + _QUOTED + """)),
        top AS (
          SELECT speaker FROM sp GROUP BY speaker
          ORDER BY count(DISTINCT article_id) DESC, speaker LIMIT $top
        ),
        co AS (
          SELECT sp.speaker, n.narrative, count(DISTINCT n.article_id) AS articles
          FROM (SELECT DISTINCT article_id, speaker FROM sp) sp
          JOIN narratives n ON n.article_id = sp.article_id
          WHERE sp.speaker IN (SELECT speaker FROM top)
          GROUP BY sp.speaker, n.narrative
        ),
        ev AS (
          SELECT n.article_id, n.narrative, unnest(n.evidence) AS e FROM narratives n
        ),
        voiced AS (
          SELECT sp.speaker, ev.narrative, count(*) AS voiced
          FROM ev JOIN sp ON sp.article_id = ev.article_id AND sp.actor_id = ev.e.voice.actor
          GROUP BY sp.speaker, ev.narrative
        )
        SELECT co.speaker, co.narrative, co.articles, coalesce(v.voiced, 0) AS voiced
        FROM co LEFT JOIN voiced v ON v.speaker = co.speaker AND v.narrative = co.narrative
        ORDER BY co.speaker, co.articles DESC, co.narrative
    """,
    "outlets": """
        SELECT """ + _OUTLET + """ AS outlet,
               count(*) FILTER (WHERE a.id IN (SELECT id FROM articles)) AS articles,
               count(*) FILTER (WHERE a.id NOT IN (SELECT id FROM articles)) AS copies_folded,
               min(TRY_CAST(a.source_published AS DATE)) AS first_date,
               max(TRY_CAST(a.source_published AS DATE)) AS last_date
        FROM filtered_all a GROUP BY outlet ORDER BY articles DESC, outlet
    """,
    "outlet_technique": """
        WITH outlets AS (
          SELECT """ + _OUTLET + """ AS outlet, count(*) AS n_articles
          FROM articles a GROUP BY outlet ORDER BY n_articles DESC, outlet LIMIT $top
        )
        SELECT o.outlet, t.technique, count(*) AS spans,
               count(DISTINCT t.article_id) AS articles,
               round(count(*) / any_value(o.n_articles), 3) AS spans_per_article
        FROM techniques t
        JOIN articles a ON a.id = t.article_id
        JOIN outlets o ON o.outlet = """ + _OUTLET + """
        GROUP BY o.outlet, t.technique
        ORDER BY o.outlet, spans DESC, t.technique
    """,
    "narratives_over_time": """
        WITH dated AS (
          SELECT id, date_trunc('month', TRY_CAST(source_published AS DATE)) AS month
          FROM articles WHERE TRY_CAST(source_published AS DATE) IS NOT NULL
        ),
        per_month AS (SELECT month, count(*) AS n FROM dated GROUP BY month),
        top AS (
          SELECT narrative FROM narratives GROUP BY narrative
          ORDER BY count(DISTINCT article_id) DESC, narrative LIMIT $top
        )
        SELECT strftime(d.month, '%Y-%m') AS month, n.narrative,
               count(DISTINCT n.article_id) AS articles,
               round(count(DISTINCT n.article_id) / any_value(p.n), 4) AS share
        FROM narratives n
        JOIN dated d ON d.id = n.article_id
        JOIN per_month p ON p.month = d.month
        WHERE n.narrative IN (SELECT narrative FROM top)
        GROUP BY d.month, n.narrative
        ORDER BY month, articles DESC, n.narrative
    """,
    "outlet_techniques_over_time": """
        WITH """ + _DATED + """,
        """ + _PER + """,
        top AS (
          SELECT technique FROM techniques GROUP BY technique
          ORDER BY count(*) DESC, technique LIMIT $top
        )
        SELECT d.outlet, d.period, t.technique, count(*) AS spans,
               count(DISTINCT t.article_id) AS articles,
               round(count(*) / any_value(p.n), 3) AS spans_per_article
        FROM techniques t
        JOIN dated d ON d.id = t.article_id
        JOIN per p ON p.outlet = d.outlet AND p.period = d.period
        WHERE t.technique IN (SELECT technique FROM top)
        GROUP BY d.outlet, d.period, t.technique
        ORDER BY d.outlet, d.period, spans DESC, t.technique
    """,
    "outlet_narratives_over_time": """
        WITH """ + _DATED + """,
        """ + _PER + """,
        top AS (
          SELECT narrative FROM narratives GROUP BY narrative
          ORDER BY count(DISTINCT article_id) DESC, narrative LIMIT $top
        )
        SELECT d.outlet, d.period, n.narrative, count(DISTINCT n.article_id) AS articles,
               round(count(DISTINCT n.article_id) / any_value(p.n), 4) AS share
        FROM narratives n
        JOIN dated d ON d.id = n.article_id
        JOIN per p ON p.outlet = d.outlet AND p.period = d.period
        WHERE n.narrative IN (SELECT narrative FROM top)
        GROUP BY d.outlet, d.period, n.narrative
        ORDER BY d.outlet, d.period, articles DESC, n.narrative
    """,
    "outlet_speakers_over_time": """
        WITH """ + _DATED + """,
        qs AS (""" + _QUOTED + """),
        top AS (
          SELECT speaker FROM qs GROUP BY speaker ORDER BY count(*) DESC, speaker LIMIT $top
        )
        SELECT d.outlet, d.period, qs.speaker, count(*) AS quotes,
               count(DISTINCT qs.article_id) AS articles
        FROM qs JOIN dated d ON d.id = qs.article_id
        WHERE qs.speaker IN (SELECT speaker FROM top)
        GROUP BY d.outlet, d.period, qs.speaker
        ORDER BY d.outlet, d.period, quotes DESC, qs.speaker
    """,
    "quotes_by_gender": """
        SELECT """ + _OUTLET + """ AS outlet, coalesce(s.gender, 'unknown') AS gender,
               count(*) AS quotes, count(DISTINCT qs.speaker) AS speakers
        FROM (""" + _QUOTED + """) qs
        JOIN articles a ON a.id = qs.article_id
        LEFT JOIN speakers s ON s.speaker = qs.speaker
        WHERE coalesce(s.type, 'person') = 'person'
        GROUP BY outlet, gender ORDER BY outlet, gender
    """,
    "gender_over_time": """
        WITH """ + _DATED + """
        SELECT d.outlet, d.period, coalesce(s.gender, 'unknown') AS gender,
               count(*) AS quotes, count(DISTINCT qs.speaker) AS speakers
        FROM (""" + _QUOTED + """) qs
        JOIN dated d ON d.id = qs.article_id
        LEFT JOIN speakers s ON s.speaker = qs.speaker
        WHERE coalesce(s.type, 'person') = 'person'
        GROUP BY d.outlet, d.period, gender ORDER BY d.outlet, d.period, gender
    """,
    "repeated_quotes": """
        SELECT c.cluster, count(*) AS occurrences, count(DISTINCT c.article_id) AS articles,
               count(DISTINCT c.outlet) AS outlets,
               count(*) FILTER (WHERE c.altered) AS altered,
               min(c.published) AS first_published,
               any_value(c.outlet ORDER BY c.first DESC, c.published) AS first_outlet,
               any_value(substr(a.text, q.content_start + 1, q.content_end - q.content_start)
                         ORDER BY c.first DESC, c.published) AS quote
        FROM quote_copies c
        JOIN articles a ON a.id = c.article_id
        JOIN quotes q ON q.article_id = c.article_id AND q.id = c.quote_id
        GROUP BY c.cluster HAVING count(DISTINCT c.article_id) >= 2
        ORDER BY articles DESC, occurrences DESC, c.cluster LIMIT $top
    """,
    "altered_quotes": """
        WITH firsts AS (
          SELECT c.cluster, substr(a.text, q.content_start + 1,
                                   q.content_end - q.content_start) AS original
          FROM quote_copies c JOIN articles_all a ON a.id = c.article_id
          JOIN quotes_all q ON q.article_id = c.article_id AND q.id = c.quote_id
          WHERE c.first
        )
        SELECT c.cluster, c.article_id, c.outlet, c.published, c.similarity, f.original,
               substr(a.text, q.content_start + 1, q.content_end - q.content_start) AS quote
        FROM quote_copies c
        JOIN articles a ON a.id = c.article_id
        JOIN quotes q ON q.article_id = c.article_id AND q.id = c.quote_id
        JOIN firsts f ON f.cluster = c.cluster
        WHERE c.altered
        ORDER BY c.similarity, c.cluster, c.article_id LIMIT $top
    """,
    "stance_outlet_speaker": """
        WITH qs AS (
          SELECT q.article_id, sa.speaker, q.cue_stance FROM quotes q
          JOIN speaker_actors sa ON sa.article_id = q.article_id AND sa.actor_id = q.speaker
        ),
        top AS (
          SELECT speaker FROM qs GROUP BY speaker ORDER BY count(*) DESC, speaker LIMIT $top
        )
        SELECT """ + _OUTLET + """ AS outlet, qs.speaker, qs.cue_stance AS stance,
               count(*) AS quotes
        FROM qs JOIN articles a ON a.id = qs.article_id
        WHERE qs.speaker IN (SELECT speaker FROM top)
        GROUP BY outlet, qs.speaker, stance ORDER BY outlet, qs.speaker, stance
    """,
    "failures_by_code": """
        SELECT stage, code, any_value(type) AS type, count(*) AS records,
               any_value(message) AS example
        FROM failures GROUP BY stage, code ORDER BY records DESC, stage, code LIMIT $top
    """,
}


#: What a count can be broken down into, as :meth:`Corpus.articles_behind` keys: a
#: canonical speaker quoted in the article, a narrative or technique found in it, its
#: outlet, its month (``YYYY-MM``) or ISO week (its Monday, ``YYYY-MM-DD``), ``has`` a
#: layer at all (``quotes``, ``techniques``, ``narratives``), a repeated ``quote`` (its
#: ``quote_copies`` cluster) or the ``gender`` of a speaker quoted in it.
BEHIND_KEYS: tuple[str, ...] = ("speaker", "narrative", "technique", "outlet", "month", "week",
                                "has", "quote", "gender")
_HAS = ("quotes", "techniques", "narratives")


def _check_drill(keys: Drill) -> None:
    unknown = sorted(set(keys) - set(BEHIND_KEYS))
    if unknown:
        raise ConfigError(f"cannot break a count down by {', '.join(unknown)}; use "
                          f"{', '.join(BEHIND_KEYS)}")
    if "has" in keys and keys["has"] not in _HAS:
        raise ConfigError(f"has={keys['has']!r}: choose one of {', '.join(_HAS)}")


def _key_source(key: str) -> str:
    """A relation ``(article_id, v)``: each article with its value(s) for ``key``."""
    if key == "speaker":
        return "SELECT article_id, speaker AS v FROM (" + _QUOTED + ")"
    if key in ("narrative", "technique"):
        return f"SELECT article_id, {key} AS v FROM {key}s"
    if key == "quote":  # a repeated quote's cluster
        return "SELECT article_id, CAST(cluster AS VARCHAR) AS v FROM quote_copies"
    if key == "gender":  # the gender of a speaker quoted in the article
        return ("SELECT qs.article_id, coalesce(s.gender, 'unknown') AS v FROM (" + _QUOTED
                + ") qs LEFT JOIN speakers s ON s.speaker = qs.speaker")
    if key == "outlet":
        return "SELECT a.id AS article_id, " + _OUTLET + " AS v FROM articles a"
    if key in ("month", "week"):
        fmt = "%Y-%m" if key == "month" else "%Y-%m-%d"
        return (f"SELECT a.id AS article_id, strftime(date_trunc('{key}', "
                f"TRY_CAST(a.source_published AS DATE)), '{fmt}') AS v FROM articles a")
    return " UNION ALL ".join(f"SELECT article_id, '{t}' AS v FROM {t}" for t in _HAS)


@dataclass(frozen=True)
class Filters:
    """Which articles the corpus views keep: published in ``[since, until]`` (both
    inclusive; an undated article is dropped by either bound), from one of ``outlets``,
    quoting one of ``speakers`` (canonical names or any of their aliases, case-insensitive;
    else a name with the same key, titles dropped, when it belongs to one person only).
    Empty means no restriction."""

    since: dt.date | None = None
    until: dt.date | None = None
    outlets: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"--since {self.since} is after --until {self.until}")

    @property
    def empty(self) -> bool:
        return not (self.since or self.until or self.outlets or self.speakers)


_LAYERS = [t for t in TABLES if t not in ("articles", "failures")]


class Corpus:
    """A DuckDB connection with views over one or more batch outputs (several drivers'
    folders read as one corpus; record ids are assumed distinct across them).

    ``filters`` restricts the articles every query sees; ``all_copies`` counts every copy
    of a story instead of folding near-duplicates into their original; ``aliases`` (a CSV
    ``alias,canonical[,wikidata_id]``) overrides the automatic speaker merge for this
    view (the speakers are then recomputed from the shards)."""

    def __init__(self, out: Path | list[Path], *, filters: Filters | None = None,
                 all_copies: bool = False, aliases: Path | None = None) -> None:
        import duckdb

        self.outs = list(out) if isinstance(out, list) else [out]
        if not self.outs:
            raise InputError("give at least one batch output folder")
        for folder in self.outs:
            if not any((folder / "shards").glob("part-*/articles.parquet")):
                raise InputError(f"{folder} holds no finished batch shards; run `unspin batch … "
                                 f"-o {folder}` first", path=str(folder))
        self.out = self.outs[0]
        self.filters = filters or Filters()
        self.all_copies = all_copies
        self.aliases = aliases
        self.con = duckdb.connect(":memory:")
        with self._readable():
            for table in TABLES:
                patterns = ", ".join(
                    "'" + str(folder / "shards" / "part-*" / f"{table}.parquet").replace("'", "''")
                    + "'" for folder in self.outs)
                self.con.execute(f"CREATE VIEW {table}_all AS SELECT * FROM "
                                 f"read_parquet([{patterns}], union_by_name = true)")
            self._derived_views()
            self._filtered_views()

    def _derived_views(self) -> None:
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
            self.con.register("duplicates", derive_duplicates(reader))
            rows = self.con.execute(
                "SELECT q.article_id, q.id, substr(a.text, q.content_start + 1, "
                "q.content_end - q.content_start), " + _OUTLET + ", a.source_published, "
                "q.content_start FROM quotes_all q JOIN articles_all a ON a.id = q.article_id "
                "WHERE q.kind = 'direct'").fetchall()
            self.con.register("quote_copies", derive_quote_copies(QuoteText(*r) for r in rows))
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
                self.con.register(name, table)

    def _filtered_views(self) -> None:
        f = self.filters
        self.con.execute("CREATE TABLE filter_outlets (outlet VARCHAR)")
        self.con.execute("CREATE TABLE filter_speakers (speaker VARCHAR)")
        if f.outlets:
            known = {o.casefold(): o for (o,) in self.con.execute(
                "SELECT DISTINCT " + _OUTLET + " FROM articles_all a").fetchall()}
            missing = [o for o in f.outlets if o.casefold() not in known]
            if missing:
                raise ConfigError(f"no outlet {', '.join(map(repr, missing))} in the corpus; "
                                  f"outlets: {', '.join(sorted(known.values()))}")
            self.con.executemany("INSERT INTO filter_outlets VALUES (?)",
                                 [[known[o.casefold()]] for o in f.outlets])
        if f.speakers:
            from unspin.batch.speakers import name_key

            names: dict[str, str] = {}
            keys: dict[str, set[str]] = {}
            for speaker, type_, aliases in self.con.execute(
                    "SELECT speaker, type, aliases FROM speakers").fetchall():
                for name in [*aliases, speaker]:
                    names.setdefault(name.casefold(), speaker)
                    if type_ == "person":
                        keys.setdefault(name_key(name), set()).add(speaker)

            def resolve(given: str) -> str | None:  # the name as written, else a person by key
                if given.casefold() in names:
                    return names[given.casefold()]
                found = keys.get(name_key(given), set())
                return next(iter(found)) if len(found) == 1 else None

            resolved = {s: resolve(s) for s in f.speakers}
            missing = [s for s, r in resolved.items() if r is None]
            if missing:
                raise ConfigError(f"no speaker {', '.join(map(repr, missing))} in the corpus "
                                  "(give a canonical name or an alias; see the speaker_aliases "
                                  "and top_speakers queries)")
            self.con.executemany("INSERT INTO filter_speakers VALUES (?)",
                                 [[r] for r in resolved.values()])
        where = ["TRUE"]
        params: dict[str, Any] = {}
        if f.since:
            where.append(f"TRY_CAST(a.source_published AS DATE) >= DATE '{f.since.isoformat()}'")
        if f.until:
            where.append(f"TRY_CAST(a.source_published AS DATE) <= DATE '{f.until.isoformat()}'")
        if f.outlets:
            where.append(_OUTLET + " IN (SELECT outlet FROM filter_outlets)")
        if f.speakers:
            where.append("a.id IN (SELECT q.article_id FROM quotes_all q JOIN speaker_actors sa "
                         "ON sa.article_id = q.article_id AND sa.actor_id = q.speaker "
                         "WHERE sa.speaker IN (SELECT speaker FROM filter_speakers))")
        self.con.execute("CREATE VIEW filtered_all AS SELECT a.* FROM articles_all a WHERE "
                         + " AND ".join(where), params)
        # a copy is folded only into an original this view keeps (a reprint whose original
        # another outlet or date filtered out is the view's copy of the story)
        self.con.execute("CREATE VIEW folded AS SELECT d.* FROM duplicates d "
                         "JOIN filtered_all o ON o.id = d.duplicate_of")
        fold = ("" if self.all_copies else
                " WHERE id NOT IN (SELECT article_id FROM folded)")
        self.con.execute(f"CREATE VIEW articles AS SELECT * FROM filtered_all{fold}")
        for table in _LAYERS:
            self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM {table}_all "
                             "WHERE article_id IN (SELECT id FROM articles)")
        self.con.execute("CREATE VIEW failures AS SELECT * FROM failures_all")

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
        except duckdb.Error as exc:
            raise InputError(f"cannot read the batch output {', '.join(map(str, self.outs))} "
                             f"({type(exc).__name__}: {str(exc).splitlines()[0]}); rerun "
                             "`unspin batch` on its inputs (with --force to rebuild it)",
                             path=str(self.out)) from exc

    def run(self, name: str, *, top: int = 20, period: Period = "month"
            ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and raw rows of query ``name``."""
        if period not in PERIODS:
            raise ConfigError(f"unknown period {period!r}; choose week or month")
        sql = QUERIES[name]
        params: dict[str, Any] = {}
        if "$top" in sql:
            params["top"] = top
        if "$period" in sql:
            params["period"] = period
        if top < 0:
            raise ConfigError(f"top must be 0 or more, not {top}")
        with self._readable():
            cur = self.con.execute(sql, params)
            return [d[0] for d in cur.description], cur.fetchall()

    def query(self, name: str, *, top: int = 20, period: Period = "month"
              ) -> list[dict[str, Any]]:
        """The rows of query ``name`` as dicts (dates as ISO strings)."""
        cols, rows = self.run(name, top=top, period=period)
        return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in rows]


    def articles_behind(self, keys: Drill, *, limit: int = 100
                        ) -> tuple[int, list[dict[str, Any]]]:
        """The articles behind one count: how many there are, and the first ``limit`` of
        them (id, title, outlet, date; newest first) — under this corpus's filters and
        copy folding, so the numbers match the page's."""
        return self.articles_behind_many([keys], limit=limit)[0]

    def articles_behind_many(self, drills: list[Drill], *, limit: int = 100
                             ) -> list[tuple[int, list[dict[str, Any]]]]:
        """:meth:`articles_behind` for many counts at once, in order: one query per set of
        keys (all the speakers' counts together, all the speaker × narrative cells…), not
        one per count, so a site of a million articles costs a few scans, not thousands."""
        for drill in drills:
            _check_drill(drill)
        with self._readable():
            return self._behind_many(drills, limit)

    def _behind_many(self, drills: list[Drill], limit: int
                     ) -> list[tuple[int, list[dict[str, Any]]]]:
        groups: dict[tuple[str, ...], list[int]] = {}
        for n, drill in enumerate(drills):
            groups.setdefault(tuple(sorted(drill)), []).append(n)
        found: list[tuple[int, list[dict[str, Any]]]] = [(0, [])] * len(drills)
        for keys, members in groups.items():
            for n, result in zip(members, self._behind_group(keys, [drills[m] for m in members],
                                                             limit), strict=True):
                found[n] = result
        return found

    def _behind_group(self, keys: tuple[str, ...], drills: list[Drill], limit: int
                      ) -> list[tuple[int, list[dict[str, Any]]]]:
        """One query for every drill-down with these ``keys``: each wanted combination of
        values, with its total and its first ``limit`` articles (window functions)."""
        import pyarrow as pa

        cols = [f"v{i}" for i in range(len(keys))]
        name = "behind_wanted"
        joins = "".join(f" JOIN ({_key_source(k)}) s{i} ON s{i}.article_id = a.id"
                        for i, k in enumerate(keys))
        if keys:
            wanted = sorted({tuple(d[k] for k in keys) for d in drills})
            self.con.register(name, pa.table({c: pa.array([w[i] for w in wanted], pa.string())
                                              for i, c in enumerate(cols)}))
            joins += f" JOIN {name} w ON " + " AND ".join(f"w.v{i} = s{i}.v"
                                                         for i in range(len(keys)))
        part = ", ".join(cols) if keys else "NULL"
        sql = ("WITH hits AS (SELECT DISTINCT " + "".join(f"w.{c}, " for c in cols) +
               "a.id, a.source_title AS title, " + _OUTLET + " AS outlet, "
               "TRY_CAST(a.source_published AS DATE) AS published, a.input "
               f"FROM articles a{joins}) "
               f"SELECT *, count(*) OVER (PARTITION BY {part}) AS total, row_number() OVER "
               f"(PARTITION BY {part} ORDER BY published DESC NULLS LAST, id) AS rn "
               "FROM hits QUALIFY rn <= ?")
        try:
            cur = self.con.execute(sql, [limit])
            names = [d[0] for d in cur.description]
            fetched = cur.fetchall()
        finally:
            if keys:
                self.con.unregister(name)
        by_value: dict[tuple[str, ...], tuple[int, list[dict[str, Any]]]] = {}
        for row in fetched:
            r = dict(zip(names, row, strict=True))
            value = tuple(str(r.pop(c)) for c in cols)
            total = int(r.pop("total"))
            r.pop("rn")
            by_value.setdefault(value, (total, []))[1].append(
                {c: _plain(v) for c, v in r.items()})
        for _, rows in by_value.values():  # newest first, undated last, then by id
            rows.sort(key=lambda r: str(r["id"]))
            rows.sort(key=lambda r: r["published"] or "", reverse=True)
        return [by_value.get(tuple(d[k] for k in keys), (0, [])) for d in drills]

    def failures_behind(self, *, stage: str | None = None, code: str | None = None,
                        limit: int = 100) -> tuple[int, list[dict[str, Any]]]:
        """The failed records behind a failure count (all, or one stage and code)."""
        with self._readable():
            return self._failures_behind(stage, code, limit)

    def _failures_behind(self, stage: str | None, code: str | None, limit: int
                         ) -> tuple[int, list[dict[str, Any]]]:
        where, params = ["TRUE"], []
        for column, value in (("stage", stage), ("code", code)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = " AND ".join(where)
        (total,) = self.con.execute(f"SELECT count(*) FROM failures WHERE {clause}",
                                    params).fetchone() or (0,)
        cur = self.con.execute(f"SELECT id, source, stage, code, type, message FROM failures "
                               f"WHERE {clause} ORDER BY id LIMIT ?", [*params, limit])
        cols = [d[0] for d in cur.description]
        return int(total), [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def copies(self, *, limit: int = 100) -> tuple[int, list[dict[str, Any]]]:
        """The near-duplicate copies folded into their originals (under the filters)."""
        with self._readable():
            return self._copies(limit)

    def _copies(self, limit: int) -> tuple[int, list[dict[str, Any]]]:
        sql = ("FROM folded d JOIN filtered_all c ON c.id = d.article_id "
               "JOIN filtered_all o ON o.id = d.duplicate_of")
        (total,) = self.con.execute(f"SELECT count(*) {sql}").fetchone() or (0,)
        cur = self.con.execute(
            "SELECT d.article_id AS id, c.source_title AS title, d.duplicate_of, "
            "o.source_title AS original_title, round(d.similarity, 3) AS similarity "
            f"{sql} ORDER BY d.similarity DESC, d.article_id LIMIT ?", [limit])
        cols = [d[0] for d in cur.description]
        return int(total), [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def to_json(db: Corpus, names: list[str], *, top: int = 20, period: Period = "month") -> str:
    """The queries ``names`` as one JSON object of row lists, keyed by name."""
    return json.dumps({name: db.query(name, top=top, period=period) for name in names}, indent=2,
                      ensure_ascii=False) + "\n"


def to_csv(db: Corpus, name: str, *, top: int = 20, period: Period = "month") -> str:
    """Query ``name`` as CSV with a header (a list cell, e.g. aliases, joined by "; ")."""
    cols, rows = db.run(name, top=top, period=period)
    return rows_to_csv([dict(zip(cols, row, strict=True)) for row in rows], cols)


def rows_to_csv(rows: list[dict[str, Any]], cols: list[str]) -> str:
    """Rows as CSV with a header of ``cols`` (a list cell joined by "; ")."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(["; ".join(map(str, v)) if isinstance(v, list) else _plain(v)
                      for v in (r.get(c) for c in cols)] for r in rows)
    return buf.getvalue()


# --------------------------------------------------------------------------- SVG charts

_PALETTE = ("#3b6fb6", "#d9822b", "#3a9a5b", "#b8434f", "#7a5cb0", "#8c6d3f", "#c45fa0",
            "#5f8f9e")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _trim(label: str, n: int = 38) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def _a(href: str | None, inner: str) -> str:
    """``inner`` inside a link to ``href`` (SVG or HTML alike), or as it is."""
    return f'<a href="{_e(href)}">{inner}</a>' if href else inner


def bar_chart(labels: list[str], values: list[float], *, title: str,
              hrefs: list[str | None] | None = None) -> str:
    """Horizontal bars, one per label (inline SVG); ``hrefs`` links each bar."""
    if not labels:
        return ""
    width, left, bar, gap = 640, 230, 18, 6
    height = len(labels) * (bar + gap) + 10
    top = max(values) or 1
    parts = [f'<svg class="chart" role="img" aria-label="{_e(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + i * (bar + gap)
        w = (width - left - 60) * value / top
        parts.append(_a(hrefs[i] if hrefs else None,
                        f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{_e(_trim(label, 34))}'
                        f'<title>{_e(label)}</title></text>'
                        f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{_PALETTE[0]}"/>'
                        f'<text x="{left + w + 5:.1f}" y="{y + 13}">{_e(_num(value))}</text>'))
    parts.append("</svg>")
    return "".join(parts)


def heatmap(rows: list[str], cols: list[str], values: dict[tuple[str, str], float], *,
            title: str, hrefs: dict[tuple[str, str], str] | None = None) -> str:
    """A grid of cells shaded by value (inline SVG); column labels are slanted; ``hrefs``
    links each non-empty cell."""
    if not rows or not cols:
        return ""
    cell, left, head = 34, 230, 170
    width, height = left + cell * len(cols) + 140, head + cell * len(rows) + 10  # room for slanted labels
    top = max(values.values(), default=1) or 1
    parts = [f'<svg class="chart" role="img" aria-label="{_e(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for j, col in enumerate(cols):
        x = left + j * cell + cell / 2
        parts.append(f'<text transform="translate({x:.1f},{head - 6}) rotate(-50)">'
                     f'{_e(_trim(col, 30))}<title>{_e(col)}</title></text>')
    for i, row in enumerate(rows):
        y = head + i * cell
        parts.append(f'<text x="{left - 8}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">'
                     f'{_e(_trim(row, 34))}<title>{_e(row)}</title></text>')
        for j, col in enumerate(cols):
            v = values.get((row, col), 0)
            opacity = 0.08 + 0.92 * v / top if v else 0.03
            square = (f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                      f'fill="{_PALETTE[0]}" fill-opacity="{opacity:.2f}">'
                      f'<title>{_e(row)} × {_e(col)}: {_e(_num(v))}</title></rect>')
            if v:
                square += (f'<text x="{left + j * cell + cell / 2 - 1:.1f}" y="{y + cell / 2 + 3:.1f}" '
                           f'text-anchor="middle" class="{"on" if v / top > 0.55 else ""}">'
                           f'{_e(_num(v))}</text>')
            parts.append(_a((hrefs or {}).get((row, col)) if v else None, square))
    parts.append("</svg>")
    return "".join(parts)


def line_chart(xs: list[str], series: dict[str, dict[str, float]], *, title: str,
               y_max: float | None = None, max_labels: int = 8,
               hrefs: dict[tuple[str, str], str] | None = None) -> str:
    """One line per series over the ordered x labels (inline SVG), with a legend; ``y_max``
    fixes the scale (charts set side by side share one); at most about ``max_labels``
    x labels are written."""
    if not xs or not series:
        return ""
    width, height, left, right, top_pad, bottom = 640, 260, 50, 40, 15, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = y_max or max((v for s in series.values() for v in s.values()), default=1) or 1
    step = plot_w / max(len(xs) - 1, 1)
    legend_h = 18 * len(series)
    parts = [f'<svg class="chart" role="img" aria-label="{_e(title)}" viewBox="0 0 {width} '
             f'{height + legend_h}" width="{width}" height="{height + legend_h}" '
             'xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#999"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{_e(_num(top))}</text>',
             f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    label_every = max(1, -(-len(xs) // max_labels))
    for i, x in enumerate(xs):
        if i % label_every == 0:
            parts.append(f'<text x="{left + i * step:.1f}" y="{top_pad + plot_h + 16}" '
                         f'text-anchor="middle">{_e(x)}</text>')
    for k, (name, points) in enumerate(series.items()):
        color = _PALETTE[k % len(_PALETTE)]
        coords = [(left + i * step, top_pad + plot_h - plot_h * points.get(x, 0) / top)
                  for i, x in enumerate(xs)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2">'
                     f'<title>{_e(name)}</title></polyline>')
        for x_label, (cx, cy) in zip(xs, coords, strict=True):
            dot = (f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{color}">'
                   f'<title>{_e(name)}, {_e(x_label)}: {_e(_num(points.get(x_label, 0)))}</title>'
                   '</circle>')
            parts.append(_a((hrefs or {}).get((name, x_label)) if points.get(x_label) else None,
                            dot))
        ly = height + 18 * k
        parts.append(f'<rect x="{left}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + 16}" y="{ly}">{_e(_trim(name, 80))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _num(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _table(rows: list[dict[str, Any]], limit: int = 50,
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


_CSS = """
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
"""


def _section(title: str, note: str, chart: str, rows: list[dict[str, Any]], empty: str,
             extra: str = "", link: Callable[[dict[str, Any]], str | None] | None = None,
             id: str = "") -> str:
    inner = chart or f'<p class="empty">{_e(empty)}</p>'
    return (f"<section{f' id={chr(34)}{id}{chr(34)}' if id else ''}><h2>{_e(title)}</h2>"
            f"<p class=\"note\">{_e(note)}</p>{inner}"
            f"<details><summary>Table</summary>{_table(rows, link=link)}</details>{extra}</section>")


def cli_equivalent(db: Corpus, *, period: Period = "month",
                   compare: tuple[str, str] | None = None) -> str:
    """The ``unspin corpus`` command line that renders this view."""
    import shlex

    f = db.filters
    args = ["unspin", "corpus", *map(str, db.outs)]
    if f.since:
        args += ["--since", f.since.isoformat()]
    if f.until:
        args += ["--until", f.until.isoformat()]
    if compare:
        args += ["--compare", ",".join(compare)]
    else:
        for outlet in f.outlets:
            args += ["--outlet", outlet]
    for speaker in f.speakers:
        args += ["--speaker", speaker]
    if period != "month":
        args += ["--period", period]
    if db.all_copies:
        args.append("--all-copies")
    if db.aliases is not None:
        args += ["--aliases", str(db.aliases)]
    return shlex.join(args)


def _filters_section(db: Corpus, summary: dict[str, Any], outlets: list[dict[str, Any]],
                     speakers: list[dict[str, Any]], *, period: Period,
                     compare: tuple[str, str] | None) -> str:
    f = db.filters
    applied = [
        ("dates", f"{f.since or 'any'} to {f.until or 'any'}"),
        ("outlets", ", ".join(f.outlets) or "all"),
        ("speakers", ", ".join(f.speakers) or "all"),
        ("copies", "every copy counted" if db.all_copies else
         f"each story once ({summary['copies_folded']} copies folded; --all-copies counts "
         "them)"),
        ("timeline period", period),
        ("speaker aliases", str(db.aliases) if db.aliases else "automatic merge only"),
    ]
    items = "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in applied)
    outlet_flags = " ".join(f"<code>--outlet {_e(_quote(o['outlet']))}</code>" for o in outlets)
    speaker_flags = " ".join(f"<code>--speaker {_e(_quote(s['speaker']))}</code>"
                             for s in speakers[:10])
    return ("<section><h2>Filters</h2><p class=\"note\">This page is static: to filter, "
            "rerun the command with the flags below (the page, CSV and JSON then count only "
            "the matching articles).</p>"
            f"<ul>{items}</ul><p>This view: <code>{_e(cli_equivalent(db, period=period, compare=compare))}"
            "</code></p><p>Dates: <code>--since YYYY-MM-DD</code> <code>--until YYYY-MM-DD"
            "</code>; timelines: <code>--period week</code>; two outlets side by side: "
            "<code>--compare A,B</code>.</p>"
            f"<p>Outlets: {outlet_flags or '–'}</p><p>Top speakers: {speaker_flags or '–'}</p>"
            "</section>")


def _quote(value: str) -> str:
    import shlex

    return shlex.quote(value)


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


def _outlets_over_time(db: Corpus, outlets: list[str], *, period: Period, top: int,
                       compare: bool, link: Link | None = None) -> str:
    views = [
        ("outlet_techniques_over_time", "technique", "spans_per_article",
         "technique spans per article"),
        ("outlet_narratives_over_time", "narrative", "share", "share of articles with the narrative"),
        ("outlet_speakers_over_time", "speaker", "quotes", "quotes of the top speakers"),
    ]
    data = {name: [r for r in db.query(name, top=top, period=period) if r["outlet"] in outlets]
            for name, *_ in views}
    xs = sorted({r["period"] for rows in data.values() for r in rows})
    cols = []
    for outlet in outlets:
        charts = []
        for name, key, value, what in views:
            rows = data[name]
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
                     f"{_table(data[name], 200, link=row_link(key))}</details>"
                     for name, key, *_ in views)
    body = f'<div class="pair">{"".join(cols)}</div>' if cols else '<p class="empty">No dated articles.</p>'
    return (f"<section><h2>Outlets over time</h2><p class=\"note\">{_e(note)}</p>{body}"
            f"{tables}</section>")


def render_html(db: Corpus, *, top: int = 20, period: Period = "month",
                compare: tuple[str, str] | None = None, link: Link | None = None) -> str:
    """The corpus page: summary cards, the applied filters (and the flags that change
    them), then one chart and its table per question, and the outlets over time (the two
    ``compare`` outlets side by side, else the largest outlets).

    With ``link`` (what :func:`unspin.corpus_site.write_site` passes), every count — a card,
    a bar, a heatmap cell, a point on a timeline, a number in a table — links to the page
    ``link`` names for its drill-down (:data:`Drill`)."""
    summary = db.query("summary")[0]
    speakers = db.query("top_speakers", top=top)
    aliases = db.query("speaker_aliases", top=top)
    outlets = db.query("outlets")
    sn = db.query("speaker_narrative", top=min(top, 15))
    ot = db.query("outlet_technique", top=min(top, 15))
    nt = db.query("narratives_over_time", top=6)
    fails = db.query("failures_by_code", top=top)
    by_gender = db.query("quotes_by_gender")
    repeated = db.query("repeated_quotes", top=top)
    altered = db.query("altered_quotes", top=top)
    stance = db.query("stance_outlet_speaker", top=min(top, 10))
    shown = list(compare) if compare else [o["outlet"] for o in outlets[:6]]

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
    alias_rows = [{**r, "aliases": "; ".join(r["aliases"])} for r in aliases]
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
        _filters_section(db, summary, outlets, speakers, period=period, compare=compare),
        _section("Top speakers", "Canonical speakers quoted most often (names merged across "
                 "articles: \u201cMr. Trump\u201d = \u201cDonald J. Trump\u201d), with the "
                 "articles and outlets they are quoted in.", sp_chart, speakers, "No quotes "
                 "with a resolved speaker yet (the quotes and actors stages fill this).",
                 f"<details><summary>Merged names</summary>{_table(alias_rows, link=drill('speaker'))}"
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
                 "(the largest outlets).", ot_chart, ot, "No technique spans yet.",
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
                 f"<details><summary>Altered quotes</summary>{_table(altered, link=quote_link)}"
                 "</details>", link=quote_link, id="repeated"),
        _section("Stance of the reporting verb", "How each outlet introduces the most-quoted "
                 "speakers: neutral (said, told), distancing (claimed, alleged), endorsing "
                 "(admitted, revealed) or other.", stance_chart, stance,
                 "No quotes with a resolved speaker yet.", link=drill("outlet", "speaker")),
        _outlets_over_time(db, shown, period=period, top=top, compare=compare is not None,
                           link=link),
        _section("Failures", "Records that could not be analysed, by stage and error code.",
                 fail_chart, fails, "No failures.",
                 link=(lambda r: link({"failures": "", "stage": r["stage"], "code": r["code"]}))
                 if link else None),
    ]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>unspin corpus — {_e(db.out.name)}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>unspin corpus</h1><p>{_e(', '.join(map(str, db.outs)))}</p></header><main>"
            f"<div class=\"cards\">{cards}</div>{''.join(sections)}</main></body></html>\n")
