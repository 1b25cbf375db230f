"""The corpus's SQL: named queries over the article tables, and the drill-down sources.

Every query reads the relations ``articles``, ``quotes``, ``techniques``, ``narratives``,
``roles``, ``voices``, ``actors``, ``removed``, ``failures`` and ``filtered_all`` (the
articles that pass the filters, copies included), which :class:`unspin.corpus.db.Corpus`
supplies per request as common table expressions over the shard views ``<table>_all``
with the filters' values bound (:meth:`unspin.corpus.filters.Filters.where`), and the
corpus-wide views ``speakers``, ``speaker_actors``, ``duplicates`` and ``quote_copies``.
Parameters are ``$top`` (rows per ranking) and ``$period`` (``week`` or ``month``); no
value is ever written into the SQL text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from unspin.errors import FilterError

__all__ = ["AGG_QUERIES", "BEHIND_KEYS", "DAY", "OUTLET", "PERIODS", "QUERIES", "QUOTED",
           "Drill", "Link", "Period", "agg_key_source", "check_drill", "key_source",
           "period_of"]

OUTLET = ("coalesce(nullif(a.source_site, ''), nullif(regexp_extract(a.source_url, "
           "'^[A-Za-z]+://(?:www\\.)?([^/:?#]+)', 1), ''), 'unknown')")
#: An article's publication day (NULL when its date does not parse).
DAY = "TRY_CAST(a.source_published AS DATE)"


def period_of(day: str) -> str:
    """The ``$period`` (week, labelled by its Monday, or month) of the day ``day``."""
    return (f"strftime(date_trunc($period, {day}), "
            "CASE WHEN $period = 'week' THEN '%Y-%m-%d' ELSE '%Y-%m' END)")


_PERIOD = period_of(DAY)
#: Speakers of quotes: one row per quote with its article and canonical speaker.
QUOTED = """
          SELECT q.article_id, q.speaker AS actor_id, sa.speaker
          FROM quotes q
          JOIN speaker_actors sa ON sa.article_id = q.article_id AND sa.actor_id = q.speaker
"""

#: Each dated article with its outlet and ``$period`` (the timelines' common table).
_DATED = ("dated AS (SELECT a.id, " + OUTLET + " AS outlet, " + _PERIOD + " AS period "
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
          (SELECT count(DISTINCT """ + OUTLET + """) FROM articles a) AS outlets,
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
               count(DISTINCT """ + OUTLET + """) AS outlets
        FROM (""" + QUOTED + """) qs
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
        WITH sp AS (SELECT DISTINCT * FROM (""" + QUOTED + """)),
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
        SELECT """ + OUTLET + """ AS outlet,
               count(*) FILTER (WHERE a.id IN (SELECT id FROM articles)) AS articles,
               count(*) FILTER (WHERE a.id NOT IN (SELECT id FROM articles)) AS copies_folded,
               min(TRY_CAST(a.source_published AS DATE)) AS first_date,
               max(TRY_CAST(a.source_published AS DATE)) AS last_date
        FROM filtered_all a GROUP BY outlet ORDER BY articles DESC, outlet
    """,
    "outlet_technique": """
        WITH outlets AS (
          SELECT """ + OUTLET + """ AS outlet, count(*) AS n_articles
          FROM articles a GROUP BY outlet ORDER BY n_articles DESC, outlet LIMIT $top
        )
        SELECT o.outlet, t.technique, count(*) AS spans,
               count(DISTINCT t.article_id) AS articles,
               round(count(*) / any_value(o.n_articles), 3) AS spans_per_article
        FROM techniques t
        JOIN articles a ON a.id = t.article_id
        JOIN outlets o ON o.outlet = """ + OUTLET + """
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
        qs AS (""" + QUOTED + """),
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
        SELECT """ + OUTLET + """ AS outlet, coalesce(s.gender, 'unknown') AS gender,
               count(*) AS quotes, count(DISTINCT qs.speaker) AS speakers
        FROM (""" + QUOTED + """) qs
        JOIN articles a ON a.id = qs.article_id
        LEFT JOIN speakers s ON s.speaker = qs.speaker
        WHERE coalesce(s.type, 'person') = 'person'
        GROUP BY outlet, gender ORDER BY outlet, gender
    """,
    "gender_over_time": """
        WITH """ + _DATED + """
        SELECT d.outlet, d.period, coalesce(s.gender, 'unknown') AS gender,
               count(*) AS quotes, count(DISTINCT qs.speaker) AS speakers
        FROM (""" + QUOTED + """) qs
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
        SELECT """ + OUTLET + """ AS outlet, qs.speaker, qs.cue_stance AS stance,
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


_GPERIOD = period_of("day")
#: The view's dated articles per outlet and period, from the partial tables.
_GPER = ("per AS (SELECT outlet, " + _GPERIOD + " AS period, sum(articles) AS n "
         "FROM g_articles WHERE day IS NOT NULL GROUP BY outlet, period)")
#: The same queries over the precomputed partial tables (:mod:`unspin.batch.aggregates`),
#: under any filters: same columns, same rows, same order
#: (``tests/corpus/test_aggregates.py`` compares every one with :data:`QUERIES`).
#: They read ``g_<table>`` (the rows of the articles the view keeps), ``g_articles_all``
#: (the rows of the articles that pass its filters, copies included, with a ``kept``
#: column) and ``agg_quote_texts_all`` (every row); a distinct count of articles is a sum,
#: since every row is about one article.
AGG_QUERIES: dict[str, str] = {
    "summary": """
        SELECT
          (SELECT coalesce(sum(articles), 0) FROM g_articles) AS articles,
          (SELECT count(*) FROM failures) AS failures,
          (SELECT count(DISTINCT outlet) FROM g_articles) AS outlets,
          (SELECT count(DISTINCT speaker) FROM g_speakers) AS speakers,
          (SELECT coalesce(sum(quotes), 0) FROM g_articles) AS quotes,
          (SELECT coalesce(sum(techniques), 0) FROM g_articles) AS techniques,
          (SELECT coalesce(sum(narratives), 0) FROM g_articles) AS narratives,
          (SELECT coalesce(sum(articles), 0) FROM g_articles_all WHERE NOT kept)
            AS copies_folded,
          (SELECT min(day) FROM g_articles) AS first_date,
          (SELECT max(day) FROM g_articles) AS last_date
    """,
    "top_speakers": """
        SELECT g.speaker, any_value(s.type) AS type, sum(g.quotes) AS quotes,
               sum(g.articles) AS articles, count(DISTINCT g.outlet) AS outlets
        FROM g_speakers g LEFT JOIN speakers s ON s.speaker = g.speaker
        GROUP BY g.speaker
        ORDER BY quotes DESC, g.speaker
        LIMIT $top
    """,
    "speaker_narrative": """
        WITH top AS (
          SELECT speaker FROM g_speakers GROUP BY speaker
          ORDER BY sum(articles) DESC, speaker LIMIT $top
        )
        SELECT speaker, narrative, sum(articles) AS articles, sum(voiced) AS voiced
        FROM g_speaker_narratives WHERE speaker IN (SELECT speaker FROM top)
        GROUP BY speaker, narrative
        ORDER BY speaker, articles DESC, narrative
    """,
    "outlets": """
        SELECT outlet, coalesce(sum(articles) FILTER (WHERE kept), 0) AS articles,
               coalesce(sum(articles) FILTER (WHERE NOT kept), 0) AS copies_folded,
               min(day) AS first_date, max(day) AS last_date
        FROM g_articles_all GROUP BY outlet ORDER BY articles DESC, outlet
    """,
    "outlet_technique": """
        WITH outlets AS (
          SELECT outlet, sum(articles) AS n_articles
          FROM g_articles GROUP BY outlet ORDER BY n_articles DESC, outlet LIMIT $top
        )
        SELECT o.outlet, t.technique, sum(t.spans) AS spans, sum(t.articles) AS articles,
               round(sum(t.spans) / any_value(o.n_articles), 3) AS spans_per_article
        FROM g_techniques t JOIN outlets o ON o.outlet = t.outlet
        GROUP BY o.outlet, t.technique
        ORDER BY o.outlet, spans DESC, t.technique
    """,
    "narratives_over_time": """
        WITH per_month AS (
          SELECT date_trunc('month', day) AS month, sum(articles) AS n
          FROM g_articles WHERE day IS NOT NULL GROUP BY month
        ),
        top AS (
          SELECT narrative FROM g_narratives GROUP BY narrative
          ORDER BY sum(articles) DESC, narrative LIMIT $top
        )
        SELECT strftime(p.month, '%Y-%m') AS month, n.narrative, sum(n.articles) AS articles,
               round(sum(n.articles) / any_value(p.n), 4) AS share
        FROM g_narratives n JOIN per_month p ON p.month = date_trunc('month', n.day)
        WHERE n.day IS NOT NULL AND n.narrative IN (SELECT narrative FROM top)
        GROUP BY p.month, n.narrative
        ORDER BY month, articles DESC, n.narrative
    """,
    "outlet_techniques_over_time": """
        WITH """ + _GPER + """,
        top AS (
          SELECT technique FROM g_techniques GROUP BY technique
          ORDER BY sum(spans) DESC, technique LIMIT $top
        ),
        cells AS (
          SELECT outlet, """ + _GPERIOD + """ AS period, technique, sum(spans) AS spans,
                 sum(articles) AS articles
          FROM g_techniques WHERE day IS NOT NULL AND technique IN (SELECT technique FROM top)
          GROUP BY outlet, period, technique
        )
        SELECT c.outlet, c.period, c.technique, c.spans, c.articles,
               round(c.spans / p.n, 3) AS spans_per_article
        FROM cells c JOIN per p ON p.outlet = c.outlet AND p.period = c.period
        ORDER BY c.outlet, c.period, c.spans DESC, c.technique
    """,
    "outlet_narratives_over_time": """
        WITH """ + _GPER + """,
        top AS (
          SELECT narrative FROM g_narratives GROUP BY narrative
          ORDER BY sum(articles) DESC, narrative LIMIT $top
        ),
        cells AS (
          SELECT outlet, """ + _GPERIOD + """ AS period, narrative, sum(articles) AS articles
          FROM g_narratives WHERE day IS NOT NULL AND narrative IN (SELECT narrative FROM top)
          GROUP BY outlet, period, narrative
        )
        SELECT c.outlet, c.period, c.narrative, c.articles, round(c.articles / p.n, 4) AS share
        FROM cells c JOIN per p ON p.outlet = c.outlet AND p.period = c.period
        ORDER BY c.outlet, c.period, c.articles DESC, c.narrative
    """,
    "outlet_speakers_over_time": """
        WITH top AS (
          SELECT speaker FROM g_speakers GROUP BY speaker
          ORDER BY sum(quotes) DESC, speaker LIMIT $top
        )
        SELECT outlet, """ + _GPERIOD + """ AS period, speaker, sum(quotes) AS quotes,
               sum(articles) AS articles
        FROM g_speakers WHERE day IS NOT NULL AND speaker IN (SELECT speaker FROM top)
        GROUP BY outlet, period, speaker
        ORDER BY outlet, period, quotes DESC, speaker
    """,
    "quotes_by_gender": """
        SELECT g.outlet, coalesce(s.gender, 'unknown') AS gender, sum(g.quotes) AS quotes,
               count(DISTINCT g.speaker) AS speakers
        FROM g_speakers g LEFT JOIN speakers s ON s.speaker = g.speaker
        WHERE coalesce(s.type, 'person') = 'person'
        GROUP BY g.outlet, gender ORDER BY g.outlet, gender
    """,
    "gender_over_time": """
        SELECT g.outlet, """ + period_of("g.day") + """ AS period,
               coalesce(s.gender, 'unknown') AS gender, sum(g.quotes) AS quotes,
               count(DISTINCT g.speaker) AS speakers
        FROM g_speakers g LEFT JOIN speakers s ON s.speaker = g.speaker
        WHERE g.day IS NOT NULL AND coalesce(s.type, 'person') = 'person'
        GROUP BY g.outlet, period, gender ORDER BY g.outlet, period, gender
    """,
    "repeated_quotes": """
        SELECT c.cluster, count(*) AS occurrences, count(DISTINCT c.article_id) AS articles,
               count(DISTINCT c.qc_outlet) AS outlets,
               count(*) FILTER (WHERE c.altered) AS altered,
               min(c.qc_published) AS first_published,
               any_value(c.qc_outlet ORDER BY c.first DESC, c.qc_published) AS first_outlet,
               any_value(c.quote ORDER BY c.first DESC, c.qc_published) AS quote
        FROM g_quote_texts c
        GROUP BY c.cluster HAVING count(DISTINCT c.article_id) >= 2
        ORDER BY articles DESC, occurrences DESC, c.cluster LIMIT $top
    """,
    "altered_quotes": """
        WITH firsts AS (
          SELECT cluster, quote AS original FROM agg_quote_texts_all WHERE first
        )
        SELECT c.cluster, c.article_id, c.qc_outlet AS outlet, c.qc_published AS published,
               c.similarity, f.original, c.quote
        FROM g_quote_texts c JOIN firsts f ON f.cluster = c.cluster
        WHERE c.altered
        ORDER BY c.similarity, c.cluster, c.article_id LIMIT $top
    """,
    "stance_outlet_speaker": """
        WITH top AS (
          SELECT speaker FROM g_speakers GROUP BY speaker
          ORDER BY sum(quotes) DESC, speaker LIMIT $top
        )
        SELECT outlet, speaker, stance, sum(quotes) AS quotes
        FROM g_stances WHERE speaker IN (SELECT speaker FROM top)
        GROUP BY outlet, speaker, stance ORDER BY outlet, speaker, stance
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


def check_drill(keys: Drill) -> None:
    unknown = sorted(set(keys) - set(BEHIND_KEYS))
    if unknown:
        raise FilterError(f"cannot break a count down by {', '.join(unknown)}; use "
                          f"{', '.join(BEHIND_KEYS)}")
    if "has" in keys and keys["has"] not in _HAS:
        raise FilterError(f"has={keys['has']!r}: choose one of {', '.join(_HAS)}")


def key_source(key: str) -> str:
    """A relation ``(article_id, v)``: each article with its value(s) for ``key``."""
    if key == "speaker":
        return "SELECT article_id, speaker AS v FROM (" + QUOTED + ")"
    if key in ("narrative", "technique"):
        return f"SELECT article_id, {key} AS v FROM {key}s"
    if key == "quote":  # a repeated quote's cluster
        return "SELECT article_id, CAST(cluster AS VARCHAR) AS v FROM quote_copies"
    if key == "gender":  # the gender of a speaker quoted in the article
        return ("SELECT qs.article_id, coalesce(s.gender, 'unknown') AS v FROM (" + QUOTED
                + ") qs LEFT JOIN speakers s ON s.speaker = qs.speaker")
    if key == "outlet":
        return "SELECT a.id AS article_id, " + OUTLET + " AS v FROM articles a"
    if key in ("month", "week"):
        fmt = "%Y-%m" if key == "month" else "%Y-%m-%d"
        return (f"SELECT a.id AS article_id, strftime(date_trunc('{key}', "
                f"TRY_CAST(a.source_published AS DATE)), '{fmt}') AS v FROM articles a")
    return " UNION ALL ".join(f"SELECT article_id, '{t}' AS v FROM {t}" for t in _HAS)



def agg_key_source(key: str) -> str:
    """:func:`key_source` over the partial tables of the view's kept articles (the
    ``g_<table>`` relations of :meth:`unspin.corpus.db.Corpus._scoped_aggregates`): a
    relation ``(article_no, v)`` with the same values for the same articles."""
    if key == "speaker":
        return "SELECT article_no, speaker AS v FROM g_speakers"
    if key in ("narrative", "technique"):
        return f"SELECT article_no, {key} AS v FROM g_{key}s"
    if key == "quote":
        return "SELECT article_no, CAST(cluster AS VARCHAR) AS v FROM g_quote_texts"
    if key == "gender":
        return ("SELECT g.article_no, coalesce(s.gender, 'unknown') AS v FROM g_speakers g "
                "LEFT JOIN speakers s ON s.speaker = g.speaker")
    if key == "outlet":
        return "SELECT article_no, outlet AS v FROM g_articles"
    if key in ("month", "week"):
        fmt = "%Y-%m" if key == "month" else "%Y-%m-%d"
        return (f"SELECT article_no, strftime(date_trunc('{key}', day), '{fmt}') AS v "
                "FROM g_articles")
    return " UNION ALL ".join(f"SELECT article_no, '{t}' AS v FROM g_articles WHERE {t} > 0"
                              for t in _HAS)
