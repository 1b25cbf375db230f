"""One :class:`Filters` object: which articles a corpus view keeps, and how it shows them.

The same object comes from the command line (:meth:`Filters.from_cli`, ``unspin corpus
--since … --outlet …``) and from a URL's query string (:meth:`Filters.from_params`, the
live explorer's ``/corpus?since=…&outlet=…``): the query parameters are the flags' names
without their dashes, so a view's URL and its command line say the same thing
(:meth:`Filters.to_params`, :meth:`Filters.cli_args`). :meth:`Filters.where` turns it into
SQL fragments with ``$f_…`` placeholders and the values to bind; no value is ever written
into the SQL text. :meth:`Filters.describe` says the same in words.

Within one key the values are alternatives (two outlets: articles of either); across keys
they all apply (an outlet and a speaker: that outlet's articles quoting that speaker).
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from unspin.corpus.queries import DAY, OUTLET, PERIODS, QUOTED, Period
from unspin.errors import FilterError

__all__ = ["LIST_KEYS", "PARAMS", "Filters"]

#: The keys that take several values (repeat the parameter or the flag, or separate by commas).
LIST_KEYS: tuple[str, ...] = ("outlet", "speaker", "narrative", "technique", "gender", "stance")
#: Every query parameter a view takes, in the order URLs write them.
PARAMS: tuple[str, ...] = ("since", "until", *LIST_KEYS, "compare", "period", "all-copies",
                           "top")
#: Longest value, and most values of one key, a request may give (beyond: a FilterError).
MAX_VALUE, MAX_VALUES, MAX_TOP = 300, 50, 1000
_TRUE, _FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no", "")
#: The field of each list key, and the words :meth:`Filters.describe` uses for it.
_FIELDS = {"outlet": "outlets", "speaker": "speakers", "narrative": "narratives",
           "technique": "techniques", "gender": "genders", "stance": "stances"}


def _date(value: str, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise FilterError(f"{key} {value!r} is not a date; give YYYY-MM-DD", param=key,
                          value=value) from None


def _values(key: str, raw: Sequence[str]) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v.strip() for item in raw for v in item.split(",")
                                 if v.strip()))
    if len(values) > MAX_VALUES:
        raise FilterError(f"{key} takes at most {MAX_VALUES} values, not {len(values)}", param=key)
    for v in values:
        if len(v) > MAX_VALUE or not v.isprintable():
            raise FilterError(f"{key}: a value of at most {MAX_VALUE} printable characters, "
                              f"please (got {len(v)} characters)", param=key)
    return values


@dataclass(frozen=True)
class Filters:
    """Which articles a corpus view keeps: published in ``[since, until]`` (both inclusive;
    an undated article is dropped by either bound), from one of ``outlets``, quoting one of
    ``speakers`` (canonical names or aliases), carrying one of ``narratives`` or
    ``techniques``, quoting a speaker of one of ``genders``, with a quote whose reporting
    verb has one of ``stances``; ``all_copies`` counts every copy of a story (default: each
    story once). How it is shown: ``period`` of the timelines, the ``compare`` pair of
    outlets side by side (it also keeps only their articles), ``top`` rows per ranking.
    Empty means no restriction."""

    since: dt.date | None = None
    until: dt.date | None = None
    outlets: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    narratives: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    stances: tuple[str, ...] = ()
    all_copies: bool = False
    period: Period = "month"
    compare: tuple[str, str] | None = None
    top: int = 20
    #: Names as the corpus spells them, set by ``Corpus.resolve`` (not part of the URL).
    resolved: bool = field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise FilterError(f"--since {self.since} is after --until {self.until}")
        if self.period not in PERIODS:
            raise FilterError(f"unknown period {self.period!r}; choose week or month",
                              param="period")
        if not 0 <= self.top <= MAX_TOP:
            raise FilterError(f"top must be 0 to {MAX_TOP}, not {self.top}", param="top")
        if self.compare is not None and set(self.outlets) != set(self.compare):
            raise FilterError("--compare takes two outlets, A,B (and replaces --outlet)")

    # ------------------------------------------------------------------ parsing

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]], *,
                    ignore: Sequence[str] = ()) -> Filters:
        """From a query string's parameters (each name with its values, as
        ``urllib.parse.parse_qs`` gives them); a name that is neither a filter nor in
        ``ignore`` is a FilterError (a typo must not silently widen a view)."""
        unknown = sorted(set(params) - set(PARAMS) - set(ignore))
        if unknown:
            raise FilterError(f"unknown parameter {', '.join(map(repr, unknown))}; the filters "
                              f"are {', '.join(PARAMS)}", param=unknown[0])

        def one(key: str) -> str | None:
            values = [v for v in params.get(key, ()) if v.strip()]
            if len(values) > 1:
                raise FilterError(f"{key} takes one value, not {len(values)}", param=key)
            return values[0].strip() if values else None

        lists = {_FIELDS[k]: _values(k, params.get(k, ())) for k in LIST_KEYS}
        flag = (one("all-copies") or "").lower()
        if flag not in _TRUE + _FALSE:
            raise FilterError(f"all-copies is true or false, not {flag!r}", param="all-copies")
        period = one("period") or "month"
        if period not in PERIODS:
            raise FilterError(f"unknown period {period!r}; choose week or month", param="period")
        top = one("top")
        if top is not None and not (top.isdigit() and len(top) <= 4):
            raise FilterError(f"top is a whole number 0 to {MAX_TOP}, not {top!r}", param="top")
        compare: tuple[str, str] | None = None
        named = one("compare")
        if named is not None:
            pair = _values("compare", [named])
            if len(pair) != 2 or lists["outlets"]:
                raise FilterError("compare takes two outlets, A,B (and replaces outlet)",
                                  param="compare")
            compare = (pair[0], pair[1])
            lists["outlets"] = pair
        since, until = one("since"), one("until")
        return cls(since=_date(since, "since") if since else None,
                   until=_date(until, "until") if until else None,
                   outlets=lists["outlets"], speakers=lists["speakers"],
                   narratives=lists["narratives"], techniques=lists["techniques"],
                   genders=lists["genders"], stances=lists["stances"],
                   all_copies=flag in _TRUE, period="week" if period == "week" else "month",
                   compare=compare, top=int(top) if top is not None else 20)

    @classmethod
    def from_cli(cls, *, since: str | None = None, until: str | None = None,
                 all_copies: bool = False, period: str = "month", compare: str | None = None,
                 top: int = 20, **lists: Sequence[str] | None) -> Filters:
        """From ``unspin corpus``'s flags (``outlet=[...]`` and the other list keys)."""
        unknown = sorted(set(lists) - set(LIST_KEYS))
        if unknown:
            raise FilterError(f"unknown filter {', '.join(unknown)}")
        params: dict[str, list[str]] = {k: list(v or []) for k, v in lists.items()}
        for key, value in (("since", since), ("until", until), ("compare", compare)):
            if value is not None:
                params[key] = [value]
        params["all-copies"] = ["true" if all_copies else ""]
        params["period"] = [period]
        params["top"] = [str(top)]
        return cls.from_params(params)

    # ------------------------------------------------------------------ writing

    def to_params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query parameters of this view (defaults left out), after ``changes``."""
        f = replace(self, **changes) if changes else self
        out: list[tuple[str, str]] = []
        if f.since:
            out.append(("since", f.since.isoformat()))
        if f.until:
            out.append(("until", f.until.isoformat()))
        for key in LIST_KEYS:
            if key == "outlet" and f.compare:
                out.append(("compare", ",".join(f.compare)))
                continue
            out += [(key, v) for v in getattr(f, _FIELDS[key])]
        if f.period != "month":
            out.append(("period", f.period))
        if f.all_copies:
            out.append(("all-copies", "true"))
        if f.top != 20:
            out.append(("top", str(f.top)))
        return out

    def query_string(self, **changes: Any) -> str:
        """:meth:`to_params` as ``a=1&b=2`` (empty for no filter)."""
        return urlencode(self.to_params(**changes))

    def cli_args(self) -> list[str]:
        """The ``unspin corpus`` flags of this view."""
        args: list[str] = []
        for key, value in self.to_params():
            if key == "all-copies":
                args.append("--all-copies")
            else:
                args += [f"--{key}", value]
        return args

    def cli(self, outs: Sequence[object], aliases: object | None = None) -> str:
        """The whole ``unspin corpus`` command line of this view."""
        extra = ["--aliases", str(aliases)] if aliases is not None else []
        return shlex.join(["unspin", "corpus", *map(str, outs), *self.cli_args(), *extra])

    @property
    def empty(self) -> bool:
        """No restriction on the articles (how they are shown may still differ)."""
        return not (self.since or self.until or self.outlets or self.speakers
                    or self.narratives or self.techniques or self.genders or self.stances)

    def describe(self) -> str:
        """This view in words: "Articles from Ledger, published 2024-01-01 or later, …"."""
        parts = []
        if self.outlets:
            parts.append("from " + " or ".join(self.outlets))
        if self.since and self.until:
            parts.append(f"published {self.since} to {self.until}")
        elif self.since:
            parts.append(f"published {self.since} or later")
        elif self.until:
            parts.append(f"published {self.until} or earlier")
        if self.speakers:
            parts.append("quoting " + " or ".join(self.speakers))
        if self.genders:
            parts.append("quoting a speaker whose gender is " + " or ".join(self.genders))
        if self.stances:
            parts.append("with a quote introduced with a " + " or ".join(self.stances)
                         + " reporting verb")
        if self.narratives:
            parts.append("carrying the narrative " + " or ".join(self.narratives))
        if self.techniques:
            parts.append("with the technique " + " or ".join(self.techniques))
        what = ("All articles" if not parts else "Articles " + ", ".join(parts))
        copies = "every copy of a story counted" if self.all_copies else "each story once"
        return f"{what}; {copies}; timelines per {self.period}."

    # ------------------------------------------------------------------ SQL

    @property
    def on_contents(self) -> bool:
        """Whether the view keeps articles by what they contain (a speaker, narrative,
        technique, gender or stance), not only by their date and outlet."""
        return bool(self.speakers or self.narratives or self.techniques or self.genders
                    or self.stances)

    def _dated(self, day: str, outlet: str) -> tuple[list[str], dict[str, Any]]:
        """The date and outlet conditions on the SQL expressions ``day`` and ``outlet``,
        and their values (the part of :meth:`where` that :meth:`kept` shares)."""
        where: list[str] = []
        params: dict[str, Any] = {}
        if self.since:
            where.append(f"{day} >= $f_since")
            params["f_since"] = self.since
        if self.until:
            where.append(f"{day} <= $f_until")
            params["f_until"] = self.until
        if self.outlets:
            where.append(f"list_contains($f_outlets, {outlet})")
            params["f_outlets"] = list(self.outlets)
        return where, params

    def kept(self) -> tuple[str, str, dict[str, Any]]:
        """Two SQL conditions on the columns of a partial table (``outlet``, ``day``,
        ``copy``, ``orig_outlet``, ``orig_day``: :mod:`unspin.batch.aggregates`), from the
        date and outlet filters only: *passing* (the article passes them, as
        ``filtered_all`` keeps it) and *kept* (it passes and is not a copy folded into an
        original that passes too, unless ``all_copies``: the ``articles`` of
        :meth:`unspin.corpus.db.Corpus.execute`); and the values they bind. Where the view
        also filters :attr:`on_contents`, :meth:`contained` says which articles hold what
        it asks, and the folding is decided on the articles' ids instead."""
        where, params = self._dated("day", "outlet")
        orig, _ = self._dated("orig_day", "orig_outlet")
        passing = "coalesce(" + (" AND ".join(where) or "TRUE") + ", FALSE)"
        folded = "coalesce(copy AND " + (" AND ".join(orig) or "TRUE") + ", FALSE)"
        return passing, (passing if self.all_copies else f"{passing} AND NOT {folded}"), params

    def contained(self) -> tuple[list[str], dict[str, Any]]:
        """The content filters as SQL conditions on the ``article_no`` of a partial table
        (semi-joins on the partial tables ``agg_speakers_all``, ``agg_narratives_all``,
        ``agg_techniques_all``, ``agg_stances_all`` and the corpus-wide ``speakers``), the
        same conditions :meth:`where` writes for the scan; and the values they bind."""
        where: list[str] = []
        params: dict[str, Any] = {}
        if self.speakers:
            where.append("article_no IN (SELECT article_no FROM agg_speakers_all "
                         "WHERE list_contains($f_speakers, speaker))")
            params["f_speakers"] = list(self.speakers)
        for attr, table, column in (("narratives", "narratives", "narrative"),
                                    ("techniques", "techniques", "technique"),
                                    ("stances", "stances", "stance")):
            if getattr(self, attr):
                where.append(f"article_no IN (SELECT article_no FROM agg_{table}_all "
                             f"WHERE list_contains($f_{attr}, {column}))")
                params[f"f_{attr}"] = list(getattr(self, attr))
        if self.genders:
            where.append("article_no IN (SELECT g.article_no FROM agg_speakers_all g "
                         "LEFT JOIN speakers s ON s.speaker = g.speaker "
                         "WHERE coalesce(s.type, 'person') = 'person' AND "
                         "list_contains($f_genders, coalesce(s.gender, 'unknown')))")
            params["f_genders"] = list(self.genders)
        return where, params

    def where(self) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions on ``articles_all a`` (all must hold) and the values they bind
        (``$f_since``, ``$f_outlets``, …). Give resolved filters (``Corpus.resolve``), so
        the names are spelled as the corpus spells them."""
        where, params = self._dated(DAY, OUTLET)
        if self.speakers:
            where.append("a.id IN (SELECT article_id FROM (" + QUOTED.replace(
                "FROM quotes q", "FROM quotes_all q") + ") WHERE list_contains($f_speakers, "
                "speaker))")
            params["f_speakers"] = list(self.speakers)
        if self.narratives:
            where.append("a.id IN (SELECT article_id FROM narratives_all "
                         "WHERE list_contains($f_narratives, narrative))")
            params["f_narratives"] = list(self.narratives)
        if self.techniques:
            where.append("a.id IN (SELECT article_id FROM techniques_all "
                         "WHERE list_contains($f_techniques, technique))")
            params["f_techniques"] = list(self.techniques)
        if self.genders:
            where.append("a.id IN (SELECT qs.article_id FROM (" + QUOTED.replace(
                "FROM quotes q", "FROM quotes_all q") + ") qs LEFT JOIN speakers s ON "
                "s.speaker = qs.speaker WHERE coalesce(s.type, 'person') = 'person' AND "
                "list_contains($f_genders, coalesce(s.gender, 'unknown')))")
            params["f_genders"] = list(self.genders)
        if self.stances:
            where.append("a.id IN (SELECT article_id FROM quotes_all "
                         "WHERE list_contains($f_stances, cue_stance))")
            params["f_stances"] = list(self.stances)
        return where, params
