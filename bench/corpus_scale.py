"""Corpus query times at scale: a synthetic batch output of N articles, then every query.

    python bench/corpus_scale.py [--articles 1000000] [--small 10000] [--shard-size 10000]
                                 [--seed 0] [--repeat 3] [--dir /tmp/unspin-scale]
                                 [--keep] [--json FILE]

1. **Generate** (vectorised numpy / pyarrow, deterministic for ``--seed``) a batch output
   folder laid out as ``unspin batch`` writes it (``OUT/shards/part-NNNNNN/<table>.parquet``,
   zstd, ``--shard-size`` articles a shard, plus a ``manifest.json`` marked synthetic), with
   one table per entry of :data:`unspin.batch.tables.SCHEMAS` and exactly that schema.
   Every column is filled: Zipf-distributed speakers from a generated pool of people (with
   the alias variants a crawl shows: "Ana Ruiz", "Ruiz", "Ms. Ruiz", "Minister Ana Ruiz",
   "Ana M. Ruiz"; people who share a surname), organisations, places and groups; Zipf
   outlets (some known only by their URL's host); dates over two years (a few missing);
   about 6 actors, 5 quotes, 3 technique spans, 1 narrative and 1 role per article; voices
   summarised from those rows as the voice stage does; about 0.5 % failed records. Labels
   are the project's own: techniques from :data:`unspin.taxonomy.TECHNIQUES`, narratives,
   subnarratives, main and fine roles from the shipped models' ``meta.json``. Spans are
   valid offsets into ``text`` (quotes cover sentences, voiced techniques lie inside their
   quote), but ``text`` is pseudo-words drawn from a generated vocabulary: it reads as
   nothing, so no query may depend on what it says. A table the generator has no rule for
   (a schema added later) is written empty, with its schema, and named on stderr; a column
   it has no rule for is filled with nulls (or a type's zero where the column is required).
   **Derived tables**: ``OUT/derived/`` as ``unspin batch`` leaves it after a run
   (:mod:`unspin.batch.derived`: the same schemas, and a ``meta.json`` naming the shards,
   so that ``is_fresh`` holds and ``Corpus`` reads them rather than recomputing them),
   written from the generator's truth rather than by the speaker merge and the MinHash:
   each generated entity quoted is one canonical speaker (its full name), its aliases the
   forms it was quoted under (a person quoted often shows several), every quoted actor
   linked to it in ``speaker_actors``; about 2 % of the articles (:data:`COPY_SHARE`) are
   ``duplicates`` of an earlier article of their shard (published 1–3 days after it,
   similarity a multiple of 1/``NUM_PERM`` from ``THRESHOLD`` up). The copies' texts are
   not copies of their originals' (no query reads the text).
2. **Time** (each target in a fresh process, so its peak RSS is its own): every named query
   in :data:`unspin.corpus.QUERIES` through ``Corpus.query`` (defaults: top 20, period
   month), ``render_html`` of the whole page, ``to_json`` of every query, ``to_csv`` of
   each, ``open`` (a second ``Corpus`` opened and closed: its views), a filtered corpus
   (the largest outlet, the first half of 2024 and the top speaker: open and
   ``render_html``), ``articles_behind`` for the top speaker and for the largest outlet's
   most frequent technique, and (on the small set only, once) ``write_site``; and, only
   when named (``--time-one filtered:QUERY``), one query under the filtered corpus's
   filters, each run on a freshly opened corpus (its view's articles found anew);
   ``--repeat`` runs each (the first run reads Parquet from the OS page cache, as the data
   was just written); median and min wall seconds, the peak RSS of the process (Python,
   DuckDB, the results).
3. The same for a ``--small`` set (default 10,000 articles, same seed) in the same run, so
   the ratio big / small shows how each query scales.

Prints one Markdown table (and ``--json FILE``). The folders are deleted afterwards unless
``--keep``. Needs the ``batch`` extra (pyarrow, duckdb).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from unspin import __version__
from unspin.batch.aggregates import update_aggregates
from unspin.batch.derived import DERIVED, DERIVED_SCHEMAS, derived_meta
from unspin.batch.duplicates import NUM_PERM, THRESHOLD
from unspin.batch.tables import SCHEMAS, TABLES
from unspin.report.models import SCHEMA_VERSION
from unspin.taxonomy import TECHNIQUES

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "src" / "unspin" / "models"
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
#: The share of articles generated as near-copies of another (``duplicates``).
COPY_SHARE = 0.02

# --------------------------------------------------------------------------- pools

_FIRST = ("Ana", "Boris", "Carla", "Daniel", "Elena", "Farid", "Greta", "Hugo", "Irina", "Jonas",
          "Katja", "Luis", "Marta", "Nikolai", "Olga", "Pavel", "Rosa", "Samuel", "Tanja",
          "Viktor", "Wanda", "Yusuf", "Zofia", "Anton", "Bianca", "Cem", "Dina", "Emil", "Fatima",
          "Georg", "Helena", "Igor", "Julia", "Karim", "Lena", "Mikhail", "Nadia", "Oskar",
          "Petra", "Rafael", "Sofia", "Tomas", "Ursula", "Vera", "Walter", "Xenia", "Yara",
          "Zoran", "Alma", "Bruno", "Clara", "Dmitri", "Eva", "Felix", "Gloria", "Henrik",
          "Ines", "Jakob", "Klara", "Leon")
_FEMALE = frozenset({"Ana", "Carla", "Elena", "Greta", "Irina", "Katja", "Marta", "Olga", "Rosa",
                     "Tanja", "Wanda", "Zofia", "Bianca", "Dina", "Fatima", "Helena", "Julia",
                     "Lena", "Nadia", "Petra", "Sofia", "Ursula", "Vera", "Xenia", "Yara", "Alma",
                     "Clara", "Eva", "Gloria", "Ines", "Klara"})
_SUR_A = ("Al", "Bar", "Cor", "Dan", "El", "Fer", "Gal", "Har", "Iv", "Jor", "Kal", "Lar", "Mar",
          "Nor", "Or", "Pet", "Quin", "Ros", "Sal", "Tor", "Ul", "Val", "Wil", "Yar", "Zan", "Ber",
          "Dor", "Kov", "Mel", "Stan")
_SUR_B = ("", "a", "e", "i", "o", "an", "en", "in", "ov", "ar")
_SUR_C = ("son", "ez", "ova", "ski", "ing", "ard", "elli", "sen", "ton", "berg", "ic", "man",
          "escu", "ada", "uk")
_TITLES = ("President", "Minister", "Senator", "Governor", "Dr.", "General", "Mayor",
           "Professor", "Chancellor", "Ambassador")
_ORG_NOUNS = ("Energy", "Defence", "Health", "Finance", "Climate", "Trade", "Justice", "Labour",
              "Security", "Transport", "Research", "Water", "Farming", "Media", "Policy")
_PAPER = ("Times", "Herald", "Post", "Ledger", "Observer", "Courier", "Gazette", "Tribune",
          "Chronicle", "Daily", "Wire", "Review", "Standard", "Monitor", "Journal")
_SYLL = ("ka", "lo", "ren", "ta", "mi", "sor", "ven", "da", "pel", "ri", "no", "sta", "gu",
         "bel", "tor", "an", "es", "ul", "mar", "fi", "qui", "lan", "dro", "se", "vo")
_CHANNELS = ("interview", "statement", "press conference", "letter", "post on X", "speech",
             "briefing", "television address")
_FAILURES = (("ingest", "E104", "NoArticleTextError", "no article text found in the page"),
             ("ingest", "E105", "DecodeError", "cannot decode the bytes as text"),
             ("ingest", "E101", "EmptyInputError", "the record is empty"),
             ("ingest", "E103", "InputTooLargeError", "the record exceeds the size limit"),
             ("techniques", "E400", "PipelineError", "RuntimeError: synthetic failure (a bug "
              "in unspin; please report it with the input)"))
_WARNINGS = (("W010", "the text is short; results may be unreliable"),
             ("W301", "quotes: unbalanced quotation mark (at character 120)"),
             ("W401", "techniques: text truncated to the model's window"))
_STAGES = ("ingest", "clean", "language", "paragraphs", "backbone", "actors", "quotes",
           "techniques", "narratives", "roles", "voice", "report")
_TYPES = ("person", "organisation", "place", "group", "outlet")
_ENT_LABEL = ("PERSON", "ORG", "GPE", "NORP", "ORG")
_DOMAINS = ("war", "climate", "neither")
_DOMAIN_KEYS = {"war": "URW", "climate": "CC"}


def _zipf(n: int, a: float) -> F64:
    w: F64 = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** a
    out: F64 = w / w.sum()
    return out


def _join(values: pa.Array, offsets: I64, sep: str) -> pa.Array:
    """Each run ``values[offsets[i]:offsets[i+1]]`` joined by ``sep`` (vectorised)."""
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)
    return pc.binary_join(lists, sep)


def _offsets(counts: I64) -> I64:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _owner(counts: I64) -> I64:
    """The owner's position of each child row (``counts[i]`` children for owner ``i``)."""
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def _within(counts: I64) -> I64:
    """Each child row's position among its owner's children (0, 1, …)."""
    offs = _offsets(counts)
    return np.arange(offs[-1], dtype=np.int64) - np.repeat(offs[:-1], counts)


@dataclass(frozen=True)
class Pools:
    """Everything drawn from: built once per seed, shared by every shard."""

    entity_type: I64                   # index into _TYPES
    aliases: pa.Array                  # 5 surface forms per entity, entity-major
    outlets: pa.Array                  # outlet display names
    outlet_hosts: pa.Array             # their URL hosts
    outlet_p: F64
    outlet_has_site: B                 # False: the outlet is known by its URL's host only
    entity_p: F64
    sentences: pa.Array
    sentence_len: I64
    titles: pa.Array
    techniques: pa.Array
    technique_p: F64
    sub_labels: dict[str, pa.Array]    # domain -> subnarrative full labels
    sub_narrative: dict[str, pa.Array]  # domain -> the parent narrative of each
    sub_short: dict[str, pa.Array]     # domain -> subnarrative (null for "Other")
    sub_p: dict[str, F64]
    role_main: pa.Array                # per fine role: its main role
    role_fine: pa.Array
    role_label: pa.Array               # "Antagonist (Tyrant)"
    ids_a: pa.Array                    # "a1" …
    ids_q: pa.Array                    # "q1" …


def _model_meta(stage: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MODELS / stage / "meta.json").read_text(encoding="utf-8"))
    return data


def make_pools(seed: int, *, people: int = 40_000, orgs: int = 6_000, places: int = 1_500,
               groups: int = 500, outlets: int = 400, vocabulary: int = 20_000,
               sentences: int = 60_000) -> Pools:
    """The pools for ``seed``; ``orgs`` and ``outlets`` are draws, fewer remain distinct
    (2,930 organisations and 394 outlets for seed 0)."""
    rng = np.random.default_rng([seed, 1])
    # people: (first, surname) pairs, surnames shared across people as in a real crawl
    surnames = np.array([a + b + c for a in _SUR_A for b in _SUR_B for c in _SUR_C])
    pairs = rng.choice(len(_FIRST) * len(surnames), size=people, replace=False)
    first = np.array(_FIRST)[pairs // len(surnames)]
    last = surnames[pairs % len(surnames)]
    full = np.char.add(np.char.add(first, " "), last)
    honor = np.where(np.isin(first, list(_FEMALE)), "Ms. ", "Mr. ")
    title = np.array(_TITLES)[rng.integers(0, len(_TITLES), people)]
    has_title = rng.random(people) < 0.3
    titled = np.where(has_title, np.char.add(np.char.add(title, " "), full),
                      np.char.add(honor, full))
    middle = np.array(list("ABCDEFGHJKLMNPRSTW"))[rng.integers(0, 18, people)]
    with_middle = np.char.add(np.char.add(np.char.add(first, " "), np.char.add(middle, ". ")), last)
    person_alias = np.stack([full, last, np.char.add(honor, last), titled, with_middle], axis=1)
    # organisations, places, groups, outlets as actors: one surface form each
    places_n = np.array([(_SYLL[i % 25] + _SYLL[(i // 25) % 25] + _SYLL[(i // 625) % 25]).title()
                         for i in rng.choice(25 ** 3, size=places, replace=False)])
    org_kind = rng.integers(0, 4, orgs)
    noun = np.array(_ORG_NOUNS)[rng.integers(0, len(_ORG_NOUNS), orgs)]
    where = places_n[rng.integers(0, places, orgs)]
    org_n = np.select([org_kind == 0, org_kind == 1, org_kind == 2],
                      [np.char.add("Ministry of ", noun),
                       np.char.add(np.char.add(where, " "), np.char.add(noun, " Council")),
                       np.char.add(np.char.add("National ", noun), " Agency")],
                      np.char.add(np.char.add(where, " "), np.char.add(noun, " Institute")))
    org_n = np.unique(org_n)  # "Ministry of Health" is one organisation, however often drawn
    group_n = np.char.add(places_n[rng.integers(0, places, groups)],
                          np.array([" residents", " farmers", " protesters", " workers",
                                    " voters"])[rng.integers(0, 5, groups)])
    one = np.concatenate([org_n, places_n, group_n])
    aliases = np.concatenate([person_alias, np.repeat(one[:, None], 5, axis=1)]).ravel()
    etype = np.concatenate([np.zeros(people, np.int64), np.ones(len(org_n), np.int64),
                            np.full(places, 2, np.int64), np.full(groups, 3, np.int64)])
    # Zipf over entities in a shuffled order (the top speakers are of every kind)
    order = rng.permutation(len(etype))
    etype = etype[order]
    aliases = aliases.reshape(-1, 5)[order].ravel()
    # outlets
    o_place = places_n[rng.integers(0, places, outlets)]
    o_paper = np.array(_PAPER)[rng.integers(0, len(_PAPER), outlets)]
    o_names = np.char.add(np.char.add("The ", np.char.add(o_place, " ")), o_paper)
    o_names = np.unique(o_names)
    hosts = np.char.add(np.char.lower(np.char.replace(np.char.replace(o_names, "The ", ""),
                                                     " ", "")), ".example")
    # text: pseudo-words, Zipf frequencies; sentences of 8-30 words
    words = np.array(["".join(_SYLL[s] for s in rng.integers(0, 25, k))
                      for k in rng.integers(1, 4, vocabulary)])
    words = np.unique(words)
    rng.shuffle(words)
    n_words = rng.integers(8, 31, sentences)
    picks = rng.choice(len(words), size=int(n_words.sum()), p=_zipf(len(words), 1.05))
    body = _join(pa.array(words[picks]), _offsets(n_words), " ")
    sents = pc.binary_join_element_wise(pc.utf8_capitalize(body), pa.scalar("."), "")
    sent_len = pc.utf8_length(sents).to_numpy().astype(np.int64)
    t_words = rng.integers(4, 11, 5_000)
    t_picks = rng.choice(len(words), size=int(t_words.sum()), p=_zipf(len(words), 1.05))
    titles = pc.utf8_title(_join(pa.array(words[t_picks]), _offsets(t_words), " "))
    # labels: the project's taxonomy and the shipped models' label sets
    techniques = list(TECHNIQUES)
    nar = _model_meta("narratives")["labels"]
    sub_labels, sub_nar, sub_short, sub_p = {}, {}, {}, {}
    for domain, key in _DOMAIN_KEYS.items():
        subs: list[str] = nar[key]["subnarratives"]
        parents: list[str] = nar[key]["narratives"]
        parent = [max((p for p in parents if s.startswith(p + ": ")), key=len) for s in subs]
        short = [s[len(p) + 2:] for s, p in zip(subs, parent, strict=True)]
        sub_labels[domain] = pa.array(subs)
        sub_nar[domain] = pa.array(parent)
        sub_short[domain] = pa.array([None if s == "Other" else s for s in short], pa.string())
        sub_p[domain] = _zipf(len(subs), 0.9)[rng.permutation(len(subs))]
    fine: dict[str, str] = _model_meta("roles")["fine_roles"]
    return Pools(
        entity_type=etype, aliases=pa.array(aliases), outlets=pa.array(o_names),
        outlet_hosts=pa.array(hosts), outlet_p=_zipf(len(o_names), 1.0),
        outlet_has_site=rng.random(len(o_names)) < 0.7,
        entity_p=_zipf(len(etype), 1.1), sentences=sents, sentence_len=sent_len,
        titles=titles, techniques=pa.array(techniques),
        # PTC-like: loaded language and name calling dominate
        technique_p=_zipf(len(techniques), 1.2), sub_labels=sub_labels, sub_narrative=sub_nar,
        sub_short=sub_short, sub_p=sub_p, role_main=pa.array(list(fine.values())),
        role_fine=pa.array(list(fine)),
        role_label=pa.array([f"{m} ({f})" for f, m in fine.items()]),
        ids_a=pa.array([f"a{i}" for i in range(1, 2001)]),
        ids_q=pa.array([f"q{i}" for i in range(1, 2001)]),
    )


# --------------------------------------------------------------------------- arrays


#: Columns and tables the last generation had no rule for (printed on stderr).
_UNFILLED: set[str] = set()


def _zero(tp: pa.DataType, n: int) -> pa.Array:
    """A required column the generator has no rule for: the type's zero."""
    if pa.types.is_string(tp):
        return pa.array([""] * n, tp)
    if pa.types.is_list(tp) or pa.types.is_map(tp):
        return pa.array([[]] * n, tp)
    if pa.types.is_boolean(tp):
        return pa.array(np.zeros(n, np.bool_), tp)
    return pa.array(np.zeros(n, np.int64)).cast(tp)


def _fill(fields: list[pa.Field], n: int,
          values: dict[str, Any], where: str) -> list[pa.Array]:
    """One array per field, in the fields' order: the generated one (cast to the field's type
    where it differs), else nulls, or the type's zero for a required field."""
    out = []
    for f in fields:
        v = values.pop(f.name, None)
        if v is None:
            out.append(_zero(f.type, n) if not f.nullable else pa.nulls(n, f.type))
            _UNFILLED.add(f"{where}.{f.name}")
            continue
        if isinstance(v, dict):  # a struct column, from its children
            out.append(_struct(f.type, n, v, f"{where}.{f.name}"))
            continue
        arr = v if isinstance(v, pa.Array | pa.ChunkedArray) else pa.array(v)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        out.append(arr if arr.type == f.type else arr.cast(f.type))
    return out


def _struct(tp: pa.DataType, n: int, values: dict[str, Any], where: str) -> pa.Array:
    fields = [tp.field(i) for i in range(tp.num_fields)]
    return pa.StructArray.from_arrays(_fill(fields, n, dict(values), where), fields=fields)


def _list_of(tp: pa.DataType, offsets: I64, values: pa.Array | dict[str, Any],
             where: str) -> pa.Array:
    """A list column of type ``tp`` (list<struct> built from named children, or list<scalar>)."""
    item = tp.value_type
    n_items = int(offsets[-1])
    if isinstance(values, dict):
        values = _struct(item, n_items, values, where)
    elif values.type != item:
        values = values.cast(item)
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=tp)


def _empty_lists(tp: pa.DataType, n: int) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, np.int32)),
                                    pa.array([], tp.value_type), type=tp)


def _table(name: str, n: int, values: dict[str, Any]) -> pa.Table:
    schema = SCHEMAS[name]
    cols = _fill(list(schema), n, dict(values), name)
    return pa.Table.from_arrays(cols, schema=schema)


def _grouped(owner: I64, code: I64, n_owner: int) -> tuple[I64, I64, I64]:
    """Distinct (owner, code) pairs with their counts, most frequent first within an owner:
    (list offsets per owner, codes, counts)."""
    if len(owner) == 0:
        return np.zeros(n_owner + 1, np.int64), owner, owner
    k = int(code.max()) + 1
    uniq, counts = np.unique(owner * k + code, return_counts=True)
    own, cod = uniq // k, uniq % k
    order = np.lexsort((cod, -counts, own))
    return _offsets(np.bincount(own, minlength=n_owner).astype(np.int64)), cod[order], \
        counts[order].astype(np.int64)


# --------------------------------------------------------------------------- one shard


@dataclass(frozen=True)
class Speaking:
    """The quoted actors of one shard, with the truth the derived tables are built from:
    which generated entity (and which of its 5 surface forms) each actor row is."""

    article: I64      # the article's position in the shard
    article_id: pa.Array
    actor_id: pa.Array
    name: pa.Array
    entity: I64       # index into the pools' entities
    variant: I64      # which surface form (0: the full name)
    quotes: I64       # resolved quotes the actor speaks in its article


@dataclass(frozen=True)
class Shard:
    """One generated shard: its tables, its quoted actors and its near-duplicate copies
    (a ``duplicates`` table, copies and originals both in this shard)."""

    tables: dict[str, pa.Table]
    speaking: Speaking
    duplicates: pa.Table


def shard_tables(pools: Pools, seed: int, shard: int, start: int, n: int) -> dict[str, pa.Table]:
    """The tables of one shard: articles ``start … start+n-1`` of the synthetic corpus
    (depends only on the seed, the shard number and the range)."""
    return make_shard(pools, seed, shard, start, n).tables


def _copies(seed: int, shard: int, n: int, day: I64) -> tuple[I64, I64, F64]:
    """About :data:`COPY_SHARE` of the shard's articles as near-copies of another of its
    articles: (copy positions, their originals' positions, similarity). Drawn from a
    generator of its own, so the other columns are those of a corpus without copies; moves
    each copy's day to 1-3 days after its original's (``day`` is changed in place), since
    the duplicate finder takes the earliest-published member of a cluster as the original."""
    rng = np.random.default_rng([seed, 3, shard])
    is_copy = rng.random(n) < COPY_SHARE
    copy, pool = np.flatnonzero(is_copy), np.flatnonzero(~is_copy)
    if len(pool) == 0:
        copy = copy[:0]
    orig = pool[rng.integers(0, max(len(pool), 1), len(copy))]
    day[orig] = np.minimum(day[orig], 727)
    day[copy] = day[orig] + rng.integers(1, 4, len(copy))
    # the finder's similarity: the share of NUM_PERM MinHash permutations that agree,
    # at least THRESHOLD; wire copies mostly agree almost everywhere
    lo = int(np.ceil(THRESHOLD * NUM_PERM))
    agree = lo + np.round((NUM_PERM - lo) * rng.beta(4, 1.2, len(copy))).astype(np.int64)
    return copy, orig, agree / NUM_PERM


def make_shard(pools: Pools, seed: int, shard: int, start: int, n: int) -> Shard:
    """:func:`shard_tables` with the shard's quoted actors and copies (see :class:`Shard`)."""
    rng = np.random.default_rng([seed, 2, shard])
    ar = np.arange(start, start + n, dtype=np.int64)
    # ids: 16 hex digits, unique (an odd multiplier is a bijection mod 2**64)
    mixed = (ar.astype(np.uint64) + np.uint64(1) + np.uint64(seed) * np.uint64(1_000_003)) \
        * np.uint64(0x9E3779B97F4A7C15)
    ids = pa.array([f"{int(v):016x}" for v in mixed])

    # text: 12 + Poisson(18) sentences from the pool
    n_sent = (12 + rng.poisson(18, n)).astype(np.int64)
    s_off = _offsets(n_sent)
    pick = rng.integers(0, len(pools.sentence_len), int(s_off[-1]))
    s_len = pools.sentence_len[pick]
    s_art = _owner(n_sent)
    glob = np.cumsum(s_len + 1) - (s_len + 1)
    s_start = glob - glob[s_off[:-1]][s_art]
    s_end = s_start + s_len
    text = _join(pools.sentences.take(pa.array(pick)), s_off, " ")
    text_len = s_end[s_off[1:] - 1]

    def sentence_of(article: I64) -> I64:
        """A random sentence (global index) of each given article."""
        return s_off[article] + (rng.random(len(article)) * n_sent[article]).astype(np.int64)

    def spans_in(sent: I64, lo: float, hi: float) -> tuple[I64, I64]:
        """A span inside each sentence, between fractions ``lo`` and ``hi`` of it."""
        a = s_start[sent] + (s_len[sent] * (lo + (hi - lo) * rng.random(len(sent)) * 0.5)
                             ).astype(np.int64)
        b = np.maximum(a + 1, s_start[sent] + (s_len[sent] * hi).astype(np.int64))
        return a, np.minimum(b, s_end[sent])

    # outlets, dates, sources
    outlet = rng.choice(len(pools.outlet_p), size=n, p=pools.outlet_p)
    day = rng.integers(0, 731, n)
    copy, orig, similarity = _copies(seed, shard, n, day)
    is_orig = np.zeros(n, np.bool_)
    is_orig[orig] = True
    date = (np.datetime64("2023-01-01") + day.astype("timedelta64[D]")).astype(str)
    host = pools.outlet_hosts.take(pa.array(outlet))
    www = np.where(rng.random(n) < 0.5, "www.", "")
    slug = np.char.add(np.char.add(date, "/story-"),
                       np.char.mod("%d", ar))
    url = pc.binary_join_element_wise(pa.array(np.char.add("https://", www)), host,
                                      pa.array(np.char.add("/", slug)), "")
    has_site = pools.outlet_has_site[outlet]
    site = pc.if_else(pa.array(has_site), pools.outlets.take(pa.array(outlet)),
                      pa.nulls(n, pa.string()))
    published = pc.if_else(pa.array((rng.random(n) < 0.97) | is_orig), pa.array(date),
                           pa.nulls(n, pa.string()))
    kind = np.array(["jsonl", "html", "warc", "url"])[
        rng.choice(4, size=n, p=[0.55, 0.2, 0.2, 0.05])]
    inputs = np.char.add(np.char.add("crawl/part-", np.char.mod("%04d", ar // 50_000)),
                         np.char.add(".jsonl:", np.char.mod("%d", ar % 50_000 + 1)))

    # removed boilerplate: 40 % of articles end with a removed segment
    has_removed = rng.random(n) < 0.4
    boiler = np.array(["Subscribe to our newsletter for the latest news.",
                       "Share this article on social media.",
                       "Advertisement. Continue reading below.",
                       "All rights reserved. Do not republish without permission."])
    b_pick = rng.integers(0, len(boiler), n)
    tail = np.where(has_removed, np.char.add("\n\n", boiler[b_pick]), "")
    raw_text = pc.binary_join_element_wise(text, pa.array(tail), "")
    r_art = np.flatnonzero(has_removed)

    # actors: 1 + Poisson(5) Zipf draws, deduplicated within the article
    a_draw = (1 + rng.poisson(5, n)).astype(np.int64)
    ent = rng.choice(len(pools.entity_p), size=int(a_draw.sum()), p=pools.entity_p)
    key = np.unique(_owner(a_draw) * len(pools.entity_p) + ent)
    a_art, a_ent = key // len(pools.entity_p), key % len(pools.entity_p)
    a_ent = a_ent[np.argsort(rng.random(len(a_ent)) + a_art * 2.0, kind="stable")]  # shuffle within
    a_count = np.bincount(a_art, minlength=n).astype(np.int64)
    a_off = _offsets(a_count)
    a_idx = _within(a_count)
    a_type = pools.entity_type[a_ent]
    variant = np.where(a_type == 0, rng.choice(5, size=len(a_ent),
                                                 p=[0.45, 0.25, 0.15, 0.1, 0.05]), 0)
    a_name = pools.aliases.take(pa.array(a_ent * 5 + variant))
    a_id = pools.ids_a.take(pa.array(a_idx))
    m_count = rng.integers(1, 5, len(a_ent)).astype(np.int64)
    m_sent = sentence_of(np.repeat(a_art, m_count))
    m_name_len = pc.utf8_length(a_name).to_numpy().astype(np.int64)[_owner(m_count)]
    m_start = s_start[m_sent]
    m_end = np.minimum(m_start + m_name_len, s_end[m_sent])
    desc = pc.if_else(pa.array(rng.random(len(a_ent)) < 0.15),
                      pa.array(np.array(["a spokesperson", "an official", "an analyst",
                                         "a lawmaker"])[rng.integers(0, 4, len(a_ent))]),
                      pa.nulls(len(a_ent), pa.string()))

    def actor_of(article: I64) -> I64:
        """A random actor (global row) of each given article."""
        return a_off[article] + (rng.random(len(article)) * a_count[article]).astype(np.int64)

    # quotes: Poisson(5); the speaker one of the article's actors (8 % unresolved)
    q_count = rng.poisson(5, n).astype(np.int64)
    q_art = _owner(q_count)
    nq = len(q_art)
    q_actor = actor_of(q_art)
    resolved = rng.random(nq) >= 0.08
    q_kind = np.array(["direct", "indirect", "mixed"])[rng.choice(3, size=nq, p=[0.45, 0.4, 0.15])]
    q_sent = sentence_of(q_art)
    q_len = s_len[q_sent]
    c_start, c_end = s_start[q_sent], s_start[q_sent] + (q_len * 0.7).astype(np.int64)
    cue_start = s_start[q_sent] + (q_len * 0.74).astype(np.int64)
    cue_end = s_start[q_sent] + (q_len * 0.82).astype(np.int64)
    src_start = s_start[q_sent] + (q_len * 0.84).astype(np.int64)
    has_cue = rng.random(nq) < 0.9
    q_idx = _within(q_count)
    q_id = pools.ids_q.take(pa.array(q_idx))
    speaker = pc.if_else(pa.array(resolved), a_id.take(pa.array(q_actor)),
                         pa.nulls(nq, pa.string()))
    addressed = rng.random(nq) < 0.05
    addressee = pc.if_else(pa.array(addressed), a_id.take(pa.array(actor_of(q_art))),
                           pa.nulls(nq, pa.string()))
    v_count = (rng.random(nq) < 0.05).astype(np.int64)
    via = a_id.take(pa.array(actor_of(q_art[v_count == 1])))
    channel = pc.if_else(pa.array(rng.random(nq) < 0.12),
                         pa.array(np.array(_CHANNELS)[rng.integers(0, len(_CHANNELS), nq)]),
                         pa.nulls(nq, pa.string()))
    nested = (rng.random(nq) < 0.03) & (q_idx > 0)
    within = pc.if_else(pa.array(nested), pools.ids_q.take(pa.array(np.maximum(q_idx - 1, 0))),
                        pa.nulls(nq, pa.string()))
    fb = rng.choice(3, size=nq, p=[0.55, 0.15, 0.3])  # rules, tagger, both
    fb_count = np.where(fb == 2, 2, 1).astype(np.int64)
    fb_vals = np.array(["rules", "tagger"])[np.where(fb == 2, 0, fb)]
    fb_vals = np.insert(fb_vals.astype(object), np.flatnonzero(fb == 2) + 1, "tagger")
    q_off = _offsets(q_count)

    def quote_of(article: I64) -> I64:
        """A random quote (global row) of each given article, -1 where it has none."""
        has = q_count[article] > 0
        pos = q_off[article] + (rng.random(len(article)) * q_count[article]).astype(np.int64)
        return np.where(has, pos, -1)

    def voices_for(article: I64, p_actor: float) -> tuple[I64, B]:
        """A quote in whose voice each span is (-1: the outlet's), and actor-voiced flags."""
        q = np.where(rng.random(len(article)) < p_actor, quote_of(article), -1)
        q = np.where((q >= 0) & resolved[np.maximum(q, 0)], q, -1)
        return q, q >= 0

    def voice_columns(q: I64, is_actor: B, prefix: str) -> dict[str, Any]:
        m = len(q)
        qq = pa.array(np.maximum(q, 0))
        null = pa.nulls(m, pa.string())
        mask = pa.array(is_actor)
        return {f"{prefix}kind": pa.array(np.where(is_actor, "actor", "outlet")),
                f"{prefix}actor": pc.if_else(mask, speaker.take(qq), null),
                f"{prefix}via": _empty_lists(pa.list_(pa.string()), m),
                f"{prefix}quote": pc.if_else(mask, q_id.take(qq), null),
                f"{prefix}reported": pa.array(is_actor & (q_kind[np.maximum(q, 0)] == "indirect"))}

    # techniques: Poisson(3); 30 % in a quoted speaker's voice, the span inside the quote
    t_count = rng.poisson(3, n).astype(np.int64)
    t_art = _owner(t_count)
    t_q, t_actor = voices_for(t_art, 0.3)
    t_sent = sentence_of(t_art)
    t_start, t_end = spans_in(t_sent, 0.0, 0.9)
    qs = np.maximum(t_q, 0)
    in_q_start = c_start[qs] + ((c_end[qs] - c_start[qs]) * 0.2).astype(np.int64)
    t_start = np.where(t_actor, in_q_start, t_start)
    t_end = np.where(t_actor, np.maximum(in_q_start + 1, c_end[qs]), t_end)
    t_tech = rng.choice(len(pools.technique_p), size=len(t_art), p=pools.technique_p)

    # narrative domain: war 40 %, climate 25 %, neither 35 %; in-domain Poisson(1.5) labels
    dom = rng.choice(3, size=n, p=[0.4, 0.25, 0.35])
    dscore = rng.dirichlet([1.0, 1.0, 1.0], n) * 0.4
    dscore[np.arange(n), dom] += 0.6
    p_narr = np.where(dom < 2, rng.beta(5, 2, n), rng.beta(1, 6, n)).round(4)
    n_count = np.where(dom < 2, rng.poisson(1.5, n), 0).astype(np.int64)
    n_art = _owner(n_count)
    n_dom = dom[n_art]
    n_code = np.zeros(len(n_art), np.int64)
    for d, domain in enumerate(("war", "climate")):
        sel = np.flatnonzero(n_dom == d)
        pick_s = rng.choice(len(pools.sub_p[domain]), size=len(sel), p=pools.sub_p[domain])
        n_code[sel] = pick_s + d * 1000
    # dedupe labels within the article
    keep = np.ones(len(n_art), np.bool_)
    if len(n_art):
        _, first_pos = np.unique(n_art * 10_000 + n_code, return_index=True)
        keep[:] = False
        keep[np.sort(first_pos)] = True
    n_art, n_code = n_art[keep], n_code[keep]
    n_count = np.bincount(n_art, minlength=n).astype(np.int64)

    def by_code(source: dict[str, pa.Array]) -> pa.Array:
        """The value of each narrative row (code: war index, or 1000 + climate index)."""
        both = pa.concat_arrays([source["war"], source["climate"]])
        return both.take(pa.array(np.where(n_code >= 1000, n_code - 1000 + len(source["war"]),
                                           n_code)))

    n_label = by_code(pools.sub_labels)
    e_count = rng.integers(1, 3, len(n_art)).astype(np.int64)
    e_art = np.repeat(n_art, e_count)
    e_q, e_actor = voices_for(e_art, 0.25)
    e_sent = sentence_of(e_art)
    eq = np.maximum(e_q, 0)
    e_start = np.where(e_actor, c_start[eq], s_start[e_sent])
    e_end = np.where(e_actor, c_end[eq], s_end[e_sent])

    # roles: in-domain articles, Poisson(1.2) over the article's actors (85 % linked)
    r_n = np.where((dom < 2) & (a_count > 0), rng.poisson(1.2, n), 0).astype(np.int64)
    ro_art = _owner(r_n)
    ro_actor = actor_of(ro_art)
    ro_linked = rng.random(len(ro_art)) < 0.85
    ro_fine = rng.integers(0, len(pools.role_fine), len(ro_art))
    ro_m = rng.integers(0, m_count[ro_actor])
    ro_mention = _offsets(m_count)[ro_actor] + ro_m
    ro_start, ro_end = m_start[ro_mention], np.maximum(m_end[ro_mention], m_start[ro_mention] + 1)

    # voices: the outlet, then every actor that is a resolved speaker or holds a linked role
    voiced = np.zeros(len(a_ent), np.bool_)
    voiced[q_actor[resolved]] = True
    voiced[ro_actor[ro_linked]] = True
    vo_count = 1 + np.bincount(a_art[voiced], minlength=n).astype(np.int64)
    vo_off = _offsets(vo_count)
    nv = int(vo_off[-1])
    vrow_actor = np.full(len(a_ent), -1, np.int64)
    va = np.flatnonzero(voiced)
    vrow_actor[va] = vo_off[a_art[va]] + 1 + _within(np.bincount(a_art[va], minlength=n)
                                                     .astype(np.int64))
    v_is_outlet = np.zeros(nv, np.bool_)
    v_is_outlet[vo_off[:-1]] = True
    v_actor_row = np.zeros(nv, np.int64)
    v_actor_row[vrow_actor[va]] = va
    v_art = _owner(vo_count)
    outlet_name = pc.if_else(pa.array(has_site), site, host).take(pa.array(v_art))
    v_name = pc.if_else(pa.array(v_is_outlet), outlet_name, a_name.take(pa.array(v_actor_row)))
    v_actor = pc.if_else(pa.array(v_is_outlet), pa.nulls(nv, pa.string()),
                         a_id.take(pa.array(v_actor_row)))
    v_quotes = np.bincount(vrow_actor[q_actor[resolved]], minlength=nv).astype(np.int64)
    t_owner = np.where(t_actor, vrow_actor[q_actor[np.maximum(t_q, 0)]], vo_off[t_art])
    vt_off, vt_code, vt_n = _grouped(t_owner, t_tech.astype(np.int64), nv)
    e_owner = np.where(e_actor, vrow_actor[q_actor[eq]], vo_off[e_art])
    e_code = np.repeat(_within(n_count), e_count)  # the narrative's position in its article
    vn_off, vn_code, _ = _grouped(e_owner, e_code, nv)
    n_glob = _offsets(n_count)[v_art[np.repeat(np.arange(nv), np.diff(vn_off))]] + vn_code
    ro_owner = vrow_actor[ro_actor[ro_linked]]
    vr_off, vr_code, _ = _grouped(ro_owner, ro_fine[ro_linked].astype(np.int64), nv)

    # failures: about 0.5 % as many failed records, ids outside the articles' range
    f_n = int(rng.binomial(n, 0.005))
    f_kind = rng.choice(len(_FAILURES), size=f_n, p=[0.45, 0.2, 0.15, 0.1, 0.1])
    f_mixed = ((np.arange(f_n, dtype=np.uint64) + np.uint64(10**12 + start)) *
               np.uint64(0xD1B54A32D192ED03))
    failures = {
        "id": [f"{int(v):016x}" for v in f_mixed],
        "source": [f"crawl/part-{(start + i) // 50_000:04d}.jsonl:bad-{start + i}"
                   for i in range(f_n)],
        "stage": [_FAILURES[k][0] for k in f_kind], "code": [_FAILURES[k][1] for k in f_kind],
        "type": [_FAILURES[k][2] for k in f_kind], "message": [_FAILURES[k][3] for k in f_kind],
    }

    warn_count = (rng.random(n) < 0.03).astype(np.int64)
    w_pick = rng.integers(0, len(_WARNINGS), int(warn_count.sum()))
    timing_vals = rng.gamma(2.0, 1.0, (n, len(_STAGES))) * np.array(
        [60, 1, 2, 1, 250, 5, 8, 180, 300, 90, 1, 4])
    art = SCHEMAS["articles"]

    tables = {
        "articles": _table("articles", n, {
            "input": pa.array(inputs), "schema_version": pa.array([SCHEMA_VERSION] * n),
            "unspin_version": pa.array([__version__] * n), "id": ids,
            "source_kind": pa.array(kind), "source_url": url,
            "source_title": pools.titles.take(pa.array(rng.integers(0, len(pools.titles), n))),
            "source_site": site, "source_published": published,
            "source_path": pc.if_else(pa.array(kind == "url"), pa.nulls(n, pa.string()),
                                      pa.array(np.char.add("crawl/", np.char.mod(
                                          "part-%04d.jsonl", ar // 50_000)))),
            "language": pa.array(np.where(rng.random(n) < 0.97, "en", "und")),
            "text": text, "raw_text": raw_text,
            "sentences": _list_of(art.field("sentences").type, s_off,
                                  {"start": s_start, "end": s_end}, "sentences"),
            "entities": _list_of(art.field("entities").type, _offsets(
                np.bincount(np.repeat(a_art, m_count), minlength=n).astype(np.int64)),
                {"start": m_start, "end": m_end,
                 "label": pa.array(np.array(_ENT_LABEL)[np.repeat(a_type, m_count)]),
                 "text": a_name.take(pa.array(_owner(m_count)))}, "entities"),
            "narrative_domain_domain": pa.array(np.array(_DOMAINS)[dom]),
            "narrative_domain_scores": pa.MapArray.from_arrays(
                pa.array(np.arange(0, 3 * n + 1, 3), pa.int32()),
                pa.array(np.tile(np.array(_DOMAINS), n)), pa.array(dscore.round(4).ravel())),
            "narrative_domain_p_narrative": p_narr,
            "warnings": _list_of(art.field("warnings").type, _offsets(warn_count),
                                 {"code": pa.array([_WARNINGS[k][0] for k in w_pick], pa.string()),
                                  "message": pa.array([_WARNINGS[k][1] for k in w_pick],
                                                      pa.string())}, "warnings"),
            "timings": pa.MapArray.from_arrays(
                pa.array(np.arange(0, len(_STAGES) * n + 1, len(_STAGES)), pa.int32()),
                pa.array(np.tile(np.array(_STAGES), n)), pa.array(timing_vals.round(3).ravel())),
        }),
        "removed": _table("removed", len(r_art), {
            "article_id": ids.take(pa.array(r_art)), "index": np.zeros(len(r_art), np.int64),
            "start": text_len[r_art] + 2, "end": text_len[r_art] + 2 + np.char.str_len(
                boiler[b_pick[r_art]]).astype(np.int64),
            "text": pa.array(boiler[b_pick[r_art]]), "reason": pa.array(["boilerplate"] * len(r_art)),
            "at": text_len[r_art]}),
        "actors": _table("actors", len(a_ent), {
            "article_id": ids.take(pa.array(a_art)), "index": a_idx, "id": a_id,
            "name": a_name, "type": pa.array(np.array(_TYPES)[a_type]), "description": desc,
            "mentions": _list_of(SCHEMAS["actors"].field("mentions").type, _offsets(m_count),
                                 {"start": m_start, "end": m_end}, "mentions"),
            # a person's gender as the stage would give it: a third unknown, the rest split
            "gender": pa.array(np.where(a_type == _TYPES.index("person"), np.array(
                ["male", "female", "unknown"])[rng.choice(3, size=len(a_ent), p=[0.45, 0.2, 0.35])],
                "unknown")),
            "gender_evidence": pa.array(np.where(a_type == _TYPES.index("person"),
                                                 rng.integers(0, 6, size=len(a_ent)), 0))}),
        "quotes": _table("quotes", nq, {
            "article_id": ids.take(pa.array(q_art)), "index": q_idx, "id": q_id,
            "kind": pa.array(q_kind),
            "cue_class": pa.array(np.array(["speech", "belief", "intention", "perception",
                                            "finding", "other"])[rng.choice(
                                                6, size=nq, p=[0.78, 0.07, 0.05, 0.03, 0.05,
                                                               0.02])]),
            "cue_stance": pa.array(np.array(["neutral", "other", "endorsing", "distancing"])[
                rng.choice(4, size=nq, p=[0.47, 0.48, 0.04, 0.01])]),
            "content_start": c_start, "content_end": c_end,
            "cue_start": pc.if_else(pa.array(has_cue), pa.array(cue_start),
                                    pa.nulls(nq, pa.int64())),
            "cue_end": pc.if_else(pa.array(has_cue), pa.array(cue_end), pa.nulls(nq, pa.int64())),
            "source_start": pc.if_else(pa.array(resolved), pa.array(src_start),
                                       pa.nulls(nq, pa.int64())),
            "source_end": pc.if_else(pa.array(resolved), pa.array(s_end[q_sent]),
                                     pa.nulls(nq, pa.int64())),
            "speaker": speaker, "addressee": addressee,
            "via": _list_of(pa.list_(pa.string()), _offsets(v_count), via, "via"),
            "channel": channel, "within": within,
            "found_by": _list_of(pa.list_(pa.string()), _offsets(fb_count),
                                 pa.array(fb_vals, pa.string()), "found_by"),
            "confidence": rng.beta(6, 2, nq).round(4)}),
        "techniques": _table("techniques", len(t_art), {
            "article_id": ids.take(pa.array(t_art)), "index": _within(t_count),
            "start": t_start, "end": t_end, "technique": pools.techniques.take(pa.array(t_tech)),
            "score": (0.3 + 0.69 * rng.random(len(t_art))).round(4),
            **voice_columns(t_q, t_actor, "voice_")}),
        "narratives": _table("narratives", len(n_art), {
            "article_id": ids.take(pa.array(n_art)), "index": _within(n_count),
            "label": n_label, "narrative": by_code(pools.sub_narrative),
            "subnarrative": by_code(pools.sub_short),
            "score": (p_narr[n_art] * rng.uniform(0.3, 1.0, len(n_art))).round(4),
            "evidence": _list_of(SCHEMAS["narratives"].field("evidence").type, _offsets(e_count),
                                 {"start": e_start, "end": e_end,
                                  "voice": {k.removeprefix("v_"): v for k, v in
                                            voice_columns(e_q, e_actor, "v_").items()}},
                                 "evidence")}),
        "roles": _table("roles", len(ro_art), {
            "article_id": ids.take(pa.array(ro_art)), "index": _within(r_n),
            "start": ro_start, "end": ro_end,
            "actor": pc.if_else(pa.array(ro_linked), a_id.take(pa.array(ro_actor)),
                                pa.nulls(len(ro_art), pa.string())),
            "main_role": pools.role_main.take(pa.array(ro_fine)),
            "fine_roles": _list_of(pa.list_(pa.string()), np.arange(len(ro_art) + 1),
                                   pools.role_fine.take(pa.array(ro_fine)), "fine_roles"),
            "score": rng.beta(4, 3, len(ro_art)).round(4)}),
        "voices": _table("voices", nv, {
            "article_id": ids.take(pa.array(v_art)), "index": _within(vo_count),
            "voice_kind": pa.array(np.where(v_is_outlet, "outlet", "actor")),
            "voice_actor": v_actor, "voice_via": _empty_lists(pa.list_(pa.string()), nv),
            "voice_quote": pa.nulls(nv, pa.string()),
            "voice_reported": pa.array(np.zeros(nv, np.bool_)), "name": v_name,
            "quotes": v_quotes,
            "techniques": pa.MapArray.from_arrays(pa.array(vt_off, pa.int32()),
                                                  pools.techniques.take(pa.array(vt_code)),
                                                  pa.array(vt_n)),
            "narratives": _list_of(pa.list_(pa.string()), vn_off,
                                   n_label.take(pa.array(n_glob)), "v.narratives"),
            "roles": _list_of(pa.list_(pa.string()), vr_off,
                              pools.role_label.take(pa.array(vr_code)), "v.roles")}),
        "failures": _table("failures", f_n, failures),
    }
    for name in TABLES:
        if name not in tables:
            _UNFILLED.add(f"{name} (whole table)")
            tables[name] = SCHEMAS[name].empty_table()
    a_quotes = np.bincount(q_actor[resolved], minlength=len(a_ent)).astype(np.int64)
    spoke = np.flatnonzero(a_quotes > 0)
    take = pa.array(spoke)
    speaking = Speaking(article=a_art[spoke], article_id=ids.take(pa.array(a_art[spoke])), actor_id=a_id.take(take),
                        name=a_name.take(take), entity=a_ent[spoke], variant=variant[spoke],
                        quotes=a_quotes[spoke])
    duplicates = pa.Table.from_arrays(
        [ids.take(pa.array(copy)), ids.take(pa.array(orig)), pa.array(similarity)],
        schema=DERIVED_SCHEMAS["duplicates"])
    return Shard({name: tables[name] for name in TABLES}, speaking, duplicates)


# --------------------------------------------------------------------------- a folder


class DerivedWriter:
    """``OUT/derived`` as ``unspin batch`` leaves it after a run (see
    :mod:`unspin.batch.derived`), built from the generator's truth instead of the merge and
    the MinHash: each generated entity is one canonical speaker (named by its full form;
    entities of one name, e.g. two "Kalo residents" groups, are one speaker, as the merge
    would make them) whose aliases are the surface forms it was quoted under; the copies
    drawn per shard are the duplicates. Fed a shard at a time; ``speaker_actors`` is
    streamed to disk, the rest held per entity."""

    def __init__(self, out: Path, pools: Pools) -> None:
        self.out, self.pools = out, pools
        self.folder = out / DERIVED
        self.folder.mkdir(parents=True, exist_ok=True)
        n_ent = len(pools.entity_type)
        full = pools.aliases.take(pa.array(np.arange(n_ent, dtype=np.int64) * 5))
        names, inverse = np.unique(np.asarray(full.to_pylist(), dtype=object),
                                   return_inverse=True)
        self.canon: I64 = inverse.astype(np.int64)           # entity -> speaker
        self.speaker_name = pa.array(names.tolist(), pa.string())
        self.speaker_type = np.zeros(len(names), np.int64)
        self.speaker_type[self.canon] = pools.entity_type
        self.seen = np.zeros(n_ent * 5, np.bool_)             # (entity, form) quoted
        self.articles = np.zeros(len(names), np.int64)
        self.quotes = np.zeros(len(names), np.int64)
        self.copies: list[pa.Table] = []
        self.quote_rows: list[dict[str, Any]] = []
        self.cluster = 0
        self.actors = pq.ParquetWriter(self.folder / "speaker_actors.parquet",
                                       DERIVED_SCHEMAS["speaker_actors"], compression="zstd")

    def add(self, shard: Shard) -> None:
        sp = shard.speaking
        g = self.canon[sp.entity]
        k = len(self.articles)
        self.seen[sp.entity * 5 + sp.variant] = True
        self.quotes += np.bincount(g, weights=sp.quotes, minlength=k).astype(np.int64)
        self.articles += np.bincount(np.unique(sp.article * k + g) % k, minlength=k)
        self.actors.write_table(pa.Table.from_arrays(
            [sp.article_id, sp.actor_id, sp.name, self.speaker_name.take(pa.array(g))],
            schema=DERIVED_SCHEMAS["speaker_actors"]))
        self.copies.append(shard.duplicates)
        # two quotes of each shard's first articles carried by another article: the
        # generator draws no quoted words, so repeated quotes are drawn as such
        quotes = shard.tables["quotes"].select(["article_id", "id"]).slice(0, 64).to_pylist()
        firsts = {q["article_id"]: q["id"] for q in quotes}
        pairs = list(firsts.items())[:4]
        for k in range(0, len(pairs) - 1, 2):
            self.cluster += 1
            for j, (art, qid) in enumerate(pairs[k:k + 2]):
                self.quote_rows.append({"cluster": self.cluster, "article_id": art,
                                        "quote_id": qid, "outlet": None, "published": None,
                                        "first": j == 0, "similarity": 1.0 if j == 0 else 0.8,
                                        "altered": j == 1})

    def close(self) -> dict[str, int]:
        """Write ``speakers`` and ``duplicates``, then ``meta.json`` naming the shards now in
        ``out`` (so :func:`unspin.batch.derived.is_fresh` holds); returns the row counts."""
        self.actors.close()
        forms = np.flatnonzero(self.seen)
        aliases: dict[int, set[str]] = {}
        for speaker, name in zip(self.canon[forms // 5].tolist(),
                                 self.pools.aliases.take(pa.array(forms)).to_pylist(),
                                 strict=True):
            aliases.setdefault(speaker, set()).add(name)
        quoted = np.flatnonzero(self.quotes > 0)
        names = self.speaker_name.take(pa.array(quoted)).to_pylist()
        order = sorted(range(len(quoted)), key=lambda i: (-int(self.quotes[quoted[i]]), names[i]))
        rows = quoted[order]
        speakers = pa.Table.from_arrays([
            pa.array([names[i] for i in order], pa.string()),
            pa.array(np.array(_TYPES)[self.speaker_type[rows]]),
            pa.array([sorted(aliases[int(r)]) for r in rows], pa.list_(pa.string())),
            pa.array(self.articles[rows]), pa.array(self.quotes[rows]),
            pa.nulls(len(rows), pa.string()),
            pa.array(["unknown"] * len(rows), pa.string())], schema=DERIVED_SCHEMAS["speakers"])
        copies = pa.concat_tables(self.copies) if self.copies else \
            DERIVED_SCHEMAS["duplicates"].empty_table()
        copies = copies.sort_by("article_id")  # as find_duplicates returns them
        pq.write_table(speakers, self.folder / "speakers.parquet", compression="zstd")
        pq.write_table(copies, self.folder / "duplicates.parquet", compression="zstd")
        quote_copies = pa.Table.from_pylist(self.quote_rows,
                                            schema=DERIVED_SCHEMAS["quote_copies"])
        pq.write_table(quote_copies, self.folder / "quote_copies.parquet", compression="zstd")
        counts = {"speakers": speakers.num_rows,
                  "speaker_actors": pq.read_metadata(
                      self.folder / "speaker_actors.parquet").num_rows,
                  "duplicates": copies.num_rows, "quote_copies": quote_copies.num_rows}
        meta = {**derived_meta(self.out, rows=counts),
                "synthetic": "bench/corpus_scale.py (the generator's truth)"}
        (self.folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n",
                                               encoding="utf-8")
        return counts


def generate(out: Path, articles: int, *, seed: int = 0, shard_size: int = 10_000,
             pools: Pools | None = None, aggregates: bool = True) -> Path:
    """Write a synthetic batch output of ``articles`` articles into ``out`` (replaced):
    the shards, ``OUT/derived`` (:class:`DerivedWriter`), a manifest and, with
    ``aggregates``, the per-shard partial tables in ``OUT/derived/agg``, built by the
    batch's own derived step (:func:`unspin.batch.aggregates.update_aggregates`)."""
    if out.exists():
        shutil.rmtree(out)
    shards = out / "shards"
    shards.mkdir(parents=True)
    pools = pools or make_pools(seed)
    _UNFILLED.clear()
    derived = DerivedWriter(out, pools)
    for k, start in enumerate(range(0, articles, shard_size), start=1):
        folder = shards / f"part-{k:06d}"
        folder.mkdir()
        shard = make_shard(pools, seed, k, start, min(shard_size, articles - start))
        for name, table in shard.tables.items():
            pq.write_table(table, folder / f"{name}.parquet", compression="zstd")
        derived.add(shard)
    derived.close()
    (out / "manifest.json").write_text(json.dumps({
        "format": "unspin-batch/1", "synthetic": True, "generator": "bench/corpus_scale.py",
        "articles": articles, "seed": seed, "shard_size": shard_size,
        "unspin_version": __version__, "schema_version": SCHEMA_VERSION,
        "tables": {t: [f"{f.name}: {f.type}" for f in SCHEMAS[t]] for t in TABLES},
    }, indent=2) + "\n", encoding="utf-8")
    if aggregates:
        update_aggregates(out)
    if _UNFILLED:
        print("corpus_scale: no rule for " + ", ".join(sorted(_UNFILLED))
              + " (filled with nulls / written empty)", file=sys.stderr)
    return out


def folder_bytes(out: Path) -> int:
    return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- timing


#: Timed on the small set only, and once: a page per count and per linked article, one
#: ``articles_behind`` query per count (about 2,000 at 2,000 articles, 33 ms each there).
SMALL_ONLY = ("write_site",)


def targets() -> list[str]:
    """What is timed: every named query, the page, the JSON of all, each query's CSV,
    opening the corpus, a filtered corpus (open and page), the corpus filtered by its top
    speaker alone (open and page), the articles behind a top speaker and behind an
    (outlet, technique) cell, and the static site."""
    from unspin.corpus import QUERIES

    return [*QUERIES, "render_html", "to_json", "to_csv", "open", "filtered_render_html",
            "speaker_render_html", "behind_speaker", "behind_outlet_technique", *SMALL_ONLY]


def drill_keys(db: Any) -> dict[str, str]:
    """What the drill-down and filtered targets pick, from the corpus itself: the top
    speaker, the largest outlet and its most frequent technique."""
    speaker = db.query("top_speakers", top=1)[0]["speaker"]
    cell = db.query("outlet_technique", top=1)[0]
    return {"speaker": str(speaker), "outlet": str(cell["outlet"]),
            "technique": str(cell["technique"])}


#: The filtered corpus's date range (half of the generated two years).
SINCE, UNTIL = dt.date(2024, 1, 1), dt.date(2024, 6, 30)


def _action(name: str, db: Any, scratch: Path) -> Callable[[], int]:
    """A callable that runs target ``name`` (on the open Corpus ``db``, or opening its
    own over ``db.out``) and returns its result size; chosen keys are looked up here,
    before the timing."""
    from unspin import corpus
    from unspin.corpus.site import write_site

    if name == "render_html":
        return lambda: len(corpus.render_html(db))
    if name == "to_json":
        return lambda: len(corpus.to_json(db, list(corpus.QUERIES)))
    if name == "to_csv":
        return lambda: sum(len(corpus.to_csv(db, q)) for q in corpus.QUERIES)
    if name == "open":
        def open_close() -> int:
            with corpus.Corpus(db.out) as fresh:
                return len(fresh.con.execute("SHOW TABLES").fetchall())
        return open_close
    keys = drill_keys(db) if name in ("filtered_render_html", "speaker_render_html",
                                      "behind_speaker", "behind_outlet_technique") or \
        name.startswith("filtered:") else {}
    if name == "speaker_render_html":
        def speaker_page() -> int:
            with corpus.Corpus(db.out, filters=corpus.Filters(
                    speakers=(keys["speaker"],))) as view:
                return len(corpus.render_html(view))
        return speaker_page
    if name == "filtered_render_html" or name.startswith("filtered:"):
        filters = corpus.Filters(since=SINCE, until=UNTIL, outlets=(keys["outlet"],),
                                 speakers=(keys["speaker"],))
        query = name.partition(":")[2]

        def filtered() -> int:
            with corpus.Corpus(db.out, filters=filters) as view:
                return len(view.query(query)) if query else len(corpus.render_html(view))
        return filtered
    if name == "search":  # needs the index (--generate-only --index builds it)
        from unspin.corpus.views import search_data

        word = db.execute("SELECT text FROM articles_all LIMIT 1")[1][0][0].split()[3]
        return lambda: int(search_data(db, word)["matches"])
    if name == "behind_speaker":
        return lambda: db.articles_behind({"speaker": keys["speaker"]})[0]
    if name == "behind_outlet_technique":
        cell = {"outlet": keys["outlet"], "technique": keys["technique"]}
        return lambda: db.articles_behind(cell)[0]
    if name == "write_site":
        def site() -> int:
            shutil.rmtree(scratch, ignore_errors=True)
            written = write_site(db, scratch)
            return written.counts + written.articles
        return site
    return lambda: len(db.query(name))


def time_target(out: Path, name: str, repeat: int, *, raw: bool = False) -> dict[str, Any]:
    """Run ``name`` ``repeat`` times on a fresh Corpus over ``out`` (in this process);
    ``raw``: with the precomputed aggregates ignored (every query scans the shards)."""
    from unspin.corpus import Corpus

    t0 = time.perf_counter()
    db = Corpus(out, aggregates=False) if raw else Corpus(out)
    open_s = time.perf_counter() - t0
    threads, memory_limit = db.con.execute(
        "SELECT current_setting('threads'), current_setting('memory_limit')").fetchone() or (0, "")
    rss_before = _rss_mb("VmRSS:")
    scratch = out.parent / f".site-{out.name}"
    times, cpu, size = [], [], 0
    try:
        action = _action(name, db, scratch)
        for _ in range(repeat):
            t, c = time.perf_counter(), time.process_time()
            size = action()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)  # every DuckDB thread's CPU, this process's
    finally:
        db.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return {"target": name, "seconds": times, "median_s": statistics.median(times),
            "cpu_seconds": cpu, "median_cpu_s": statistics.median(cpu),
            "min_s": min(times), "result": size, "open_s": open_s, "rss_before_mb": rss_before,
            "aggregated": bool(getattr(db, "aggregated", False)),
            "peak_rss_mb": _rss_mb("VmHWM:"),
            "duckdb_threads": threads, "duckdb_memory_limit": memory_limit}


def _rss_mb(field: str = "VmRSS:") -> float:
    """The resident set now (``VmRSS``) or its peak (``VmHWM``) in MB, from Linux ``/proc``.

    Not ``getrusage``: its ``ru_maxrss`` survives ``exec``, so a child started by
    ``subprocess`` reports the parent's peak when that is higher. Elsewhere: ``ru_maxrss``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def time_in_child(out: Path, name: str, repeat: int) -> dict[str, Any]:
    """:func:`time_target` in a fresh interpreter, so the peak RSS is the target's own."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run([sys.executable, __file__, "--time-one", name, "--dir", str(out),
                           "--repeat", str(repeat)], capture_output=True, text=True, env=env,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit(f"timing {name} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure(out: Path, articles: int, *, seed: int, shard_size: int, repeat: int,
            pools: Pools, small: bool = False) -> dict[str, Any]:
    """Generate ``out`` and time every target (those in :data:`SMALL_ONLY` only if
    ``small``) in a fresh process each."""
    from unspin.batch.derived import is_fresh, read_derived

    t0 = time.perf_counter()
    c0 = time.process_time()
    generate(out, articles, seed=seed, shard_size=shard_size, pools=pools, aggregates=False)
    gen = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
    t0, c0 = time.perf_counter(), time.process_time()
    built = update_aggregates(out)
    gen["aggregates"] = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
                         "shards": built["built"], "bytes": folder_bytes(out / DERIVED / "agg")}
    if not is_fresh(out):
        raise SystemExit(f"{out}/{DERIVED} is not fresh: Corpus would recompute it")
    rows = {t: sum(pq.read_metadata(p).num_rows for p in out.glob(f"shards/part-*/{t}.parquet"))
            for t in TABLES}
    rows |= {t: pq.read_metadata(out / DERIVED / f"{t}.parquet").num_rows
             for t in DERIVED_SCHEMAS}
    aliases = pc.list_value_length(read_derived(out, "speakers").column("aliases"))
    load = os.getloadavg()[0]
    results = [time_in_child(out, name, 1 if name in SMALL_ONLY else repeat)
               for name in targets() if small or name not in SMALL_ONLY]
    return {"articles": articles, "shards": len(list(out.glob("shards/part-*"))),
            "generate": gen, "bytes": folder_bytes(out),
            "derived_bytes": folder_bytes(out / DERIVED), "rows": rows,
            "multi_alias_speakers": pc.sum(pc.greater(aliases, 1)).as_py() or 0,
            "load_before": load, "load_after": os.getloadavg()[0], "targets": results}


def markdown(big: dict[str, Any], small: dict[str, Any], repeat: int) -> str:
    nb, ns = big["articles"], small["articles"]
    lines = [f"| target | {nb:,}: median s | min s | median CPU s | RSS MB (open → peak) | "
             f"{ns:,}: median s | min s | median CPU s | RSS MB (open → peak) | "
             f"× median wall ({nb // max(ns, 1):,}× the articles) | × median CPU | "
             "result (rows or characters) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    by_small = {r["target"]: r for r in small["targets"]}
    by_big = {r["target"]: r for r in big["targets"]}
    nan = float("nan")

    def cells(r: dict[str, Any]) -> str:
        if not r:
            return "– | – | – | not timed"
        return (f"{r['median_s']:.3f} | {r['min_s']:.3f} | {r['median_cpu_s']:.3f} | "
                f"{r['rss_before_mb']:.0f} → {r['peak_rss_mb']:.0f}")

    for name in [*by_big, *(t for t in by_small if t not in by_big)]:
        r, s = by_big.get(name, {}), by_small.get(name, {})
        ratio = r["median_s"] / s["median_s"] if r and s.get("median_s") else nan
        cpu_ratio = r["median_cpu_s"] / s["median_cpu_s"] if r and s.get("median_cpu_s") else nan
        result = f"{r['result']:,}" if r else f"{s.get('result', 0):,} (small)"
        lines.append(f"| {name} | {cells(r)} | {cells(s)} | {ratio:.1f} | {cpu_ratio:.1f} | "
                     f"{result} |")
    lines += ["", "| set | articles | shards | generate wall s (CPU s) | on disk MB | KB / article "
                  "(derived MB) | load avg (before, after timing) | rows |",
              "|---|---:|---:|---:|---:|---:|---|---|"]
    for label, m in (("big", big), ("small", small)):
        rows = ", ".join(f"{t} {v:,}" for t, v in m["rows"].items())
        lines.append(f"| {label} | {m['articles']:,} | {m['shards']} | "
                     f"{m['generate']['wall_s']:.1f} ({m['generate']['cpu_s']:.1f}) | "
                     f"{m['bytes'] / 1e6:.1f} | {m['bytes'] / 1e3 / m['articles']:.2f} "
                     f"({m['derived_bytes'] / 1e6:.1f}) | "
                     f"{m['load_before']:.2f}, {m['load_after']:.2f} | {rows} |")
    t = big["targets"][0]
    lines.append(f"\nEach target: {repeat} runs in one fresh process (Corpus opened once; "
                 f"DuckDB threads {t['duckdb_threads']}, memory limit "
                 f"{t['duckdb_memory_limit']}); RSS at open (Python, pyarrow, DuckDB loaded) "
                 "and the process's peak. Speakers with more than one alias: "
                 f"{big['multi_alias_speakers']:,} of {big['rows']['speakers']:,} (big), "
                 f"{small['multi_alias_speakers']:,} of {small['rows']['speakers']:,} (small).")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--articles", type=int, default=1_000_000)
    p.add_argument("--small", type=int, default=10_000, help="the comparison set (0: none)")
    p.add_argument("--shard-size", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--dir", type=Path, default=Path("/tmp/unspin-scale"))
    p.add_argument("--keep", action="store_true", help="keep the generated folders")
    p.add_argument("--json", type=Path, help="write every figure here")
    p.add_argument("--time-one", help=argparse.SUPPRESS)  # the child of time_in_child
    p.add_argument("--generate-only", action="store_true",
                   help="write DIR/big-ARTICLES (shards, derived, aggregates) and time it only")
    p.add_argument("--index", action="store_true",
                   help="with --generate-only: also build the search index, timed")
    p.add_argument("--raw", action="store_true",
                   help="with --time-one: ignore the precomputed aggregates (scan the shards)")
    args = p.parse_args(argv)
    if args.time_one:
        print(json.dumps(time_target(args.dir, args.time_one, args.repeat, raw=args.raw)))
        return 0
    if args.articles < 1 or args.shard_size < 1 or args.repeat < 1:
        raise SystemExit("--articles, --shard-size and --repeat must be at least 1")
    pools = make_pools(args.seed)
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.generate_only:  # the folder (its aggregates and index timed), for --time-one
        folder = args.dir / f"big-{args.articles}"
        t0, c0 = time.perf_counter(), time.process_time()
        generate(folder, args.articles, seed=args.seed, shard_size=args.shard_size, pools=pools,
                 aggregates=False)
        gen = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
        t0, c0 = time.perf_counter(), time.process_time()
        built = update_aggregates(folder)
        agg = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, **built,
               "bytes": folder_bytes(folder / DERIVED / "agg")}
        index: dict[str, Any] = {}
        if args.index:
            from unspin.corpus.search import build_index

            t0, c0 = time.perf_counter(), time.process_time()
            index = {**build_index(folder), "wall_s": time.perf_counter() - t0,
                     "cpu_s": time.process_time() - c0}
        print(json.dumps({"folder": str(folder), "generate": gen, "aggregates": agg,
                          "index": index, "bytes": folder_bytes(folder),
                          "derived_bytes": folder_bytes(folder / DERIVED)}))
        return 0
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sets: dict[str, dict[str, Any]] = {}
    try:
        for label, n in (("small", args.small), ("big", args.articles)):
            if n > 0:
                sets[label] = measure(args.dir / f"{label}-{n}", n, seed=args.seed,
                                      shard_size=args.shard_size, repeat=args.repeat, pools=pools,
                                      small=label == "small")
                print(f"{label}: {n:,} articles measured", file=sys.stderr)
    finally:
        if not args.keep:
            for label, n in (("small", args.small), ("big", args.articles)):
                shutil.rmtree(args.dir / f"{label}-{n}", ignore_errors=True)
    import duckdb

    report = {"started": started, "command": " ".join(["python", "bench/corpus_scale.py",
                                                       *(argv or sys.argv[1:])]),
              "machine": {"cpus": os.cpu_count(), "cpu": _cpu_model(),
                          "python": platform.python_version(),
                          "duckdb": duckdb.__version__, "pyarrow": pa.__version__,
                          "platform": platform.platform()},
              "seed": args.seed, "repeat": args.repeat, **sets}
    if "small" in sets:
        print(markdown(sets["big"], sets["small"], args.repeat))
    else:
        print(json.dumps(sets["big"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
