"""Corpus-wide tables, derived from every shard at once: ``speakers``, ``speaker_actors``,
``duplicates``, ``quote_copies``.

The shard tables hold what one article says; these hold what only the whole corpus can
say, so they are rebuilt (not appended to) whenever a run adds records, and live beside the
shards::

    OUT/derived/
      speakers.parquet        one row per canonical speaker (unspin.batch.speakers)
      speaker_actors.parquet  every speaking actor -> its canonical speaker (join on
                              article_id + actor_id, i.e. quotes.speaker)
      duplicates.parquet      every near-duplicate copy -> its original (unspin.batch.duplicates)
      quote_copies.parquet    every occurrence of a direct quote found in two articles or
                              more, altered or not (unspin.batch.quote_copies)
      meta.json               the shards and alias file they were built from

Each file is written atomically and ``meta.json`` last, so a reader that finds ``meta.json``
naming the current shards reads tables built from exactly those shards (:func:`is_fresh`);
otherwise it computes them itself with :func:`derive_tables`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from unspin.batch.duplicates import find_duplicates
from unspin.batch.quote_copies import QuoteText, find_quote_copies
from unspin.batch.speakers import Alias, Mention, canonical_speakers, decide_gender, read_aliases

__all__ = [
    "DERIVED",
    "DERIVED_FORMAT",
    "DERIVED_SCHEMAS",
    "derive_duplicates",
    "derive_quote_copies",
    "derive_speakers",
    "derive_tables",
    "derived_meta",
    "is_fresh",
    "read_derived",
    "rebuild_derived",
]

DERIVED = "derived"
_META = "meta.json"
#: Bumped when the speaker merge or the duplicate finder changes what it computes, so that
#: tables built by an older unspin are rebuilt instead of trusted.
DERIVED_FORMAT = "unspin-derived/2"


def _params() -> dict[str, Any]:
    from unspin.batch import duplicates, quote_copies, speakers

    return {"format": DERIVED_FORMAT, "dominance": speakers.DOMINANCE,
            "gender_agreement": speakers.GENDER_AGREEMENT,
            "shingle": duplicates.SHINGLE, "num_perm": duplicates.NUM_PERM,
            "threshold": duplicates.THRESHOLD, "min_words": duplicates.MIN_WORDS,
            "quote_copies": [quote_copies.MIN_WORDS, quote_copies.SHINGLE,
                             quote_copies.CANDIDATE, quote_copies.CONTAINMENT,
                             quote_copies.MIN_SHARED]}

#: The derived tables' explicit Arrow schemas (pinned in ``tests/batch/test_tables.py``).
DERIVED_SCHEMAS: dict[str, pa.Schema] = {
    "speakers": pa.schema([
        pa.field("speaker", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("aliases", pa.list_(pa.string()), nullable=False),
        pa.field("articles", pa.int64(), nullable=False),
        pa.field("quotes", pa.int64(), nullable=False),
        pa.field("wikidata_id", pa.string()),
        pa.field("gender", pa.string(), nullable=False),
    ]),
    "speaker_actors": pa.schema([
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("actor_id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("speaker", pa.string(), nullable=False),
    ]),
    "duplicates": pa.schema([
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("duplicate_of", pa.string(), nullable=False),
        pa.field("similarity", pa.float64(), nullable=False),
    ]),
    "quote_copies": pa.schema([
        pa.field("cluster", pa.int64(), nullable=False),
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("quote_id", pa.string(), nullable=False),
        pa.field("outlet", pa.string()),
        pa.field("published", pa.string()),
        pa.field("first", pa.bool_(), nullable=False),
        pa.field("similarity", pa.float64(), nullable=False),
        pa.field("altered", pa.bool_(), nullable=False),
    ]),
}


def derive_speakers(*, actors: pa.Table, quotes: pa.Table,
                    aliases: list[Alias] | None = None) -> dict[str, pa.Table]:
    """``speakers`` and ``speaker_actors`` from the corpus's ``actors`` (``article_id``,
    ``id``, ``name``, ``type``, and where present ``description`` and ``gender``) and
    ``quotes`` (``article_id``, ``speaker``) rows. Every actor is evidence for the merge
    (the articles naming a full name, its titles and gender); the quoted ones become
    speakers, except those whose name is no name (:func:`unspin.batch.speakers.usable_name`),
    which get no ``speaker_actors`` row."""
    quote_count = Counter(zip(quotes.column("article_id").to_pylist(),
                              quotes.column("speaker").to_pylist(), strict=True))

    def column(name: str) -> list[Any]:
        if name in actors.column_names:
            values: list[Any] = actors.column(name).to_pylist()
            return values
        return [None] * actors.num_rows

    every = [(a, i, Mention(n, t, a, d, g or "unknown")) for a, i, n, t, d, g in zip(
        column("article_id"), column("id"), column("name"), column("type"),
        column("description"), column("gender"), strict=True) if n]
    speaking = [(a, i, m) for a, i, m in every if (a, i) in quote_count]
    merged = canonical_speakers([m for _, _, m in speaking], aliases or (),
                                evidence=[m for _, _, m in every])
    speaker_rows: list[dict[str, Any]] = []
    seen: dict[int, dict[str, Any]] = {}
    votes: dict[int, dict[str, str]] = {}
    actor_rows: list[dict[str, Any]] = []
    for a, i, m in speaking:
        sp = merged.get((m.name, m.type, m.article))
        if sp is None:
            continue  # no name: the report keeps it, no canonical speaker does
        row = seen.get(id(sp))
        if row is None:
            row = seen[id(sp)] = {"speaker": sp.name, "type": sp.type,
                                  "aliases": sorted(sp.aliases), "articles": len(sp.articles),
                                  "quotes": 0, "wikidata_id": sp.wikidata_id}
            votes[id(sp)] = {}
            speaker_rows.append(row)
        row["quotes"] += quote_count[(a, i)]
        if m.gender in {"male", "female"}:
            votes[id(sp)][a] = m.gender
        actor_rows.append({"article_id": a, "actor_id": i, "name": m.name, "speaker": sp.name})
    for key, row in seen.items():
        row["gender"] = (decide_gender(Counter(votes[key].values())) if row["type"] == "person"
                         else None) or "unknown"
    speaker_rows.sort(key=lambda r: (-r["quotes"], r["speaker"]))
    return {
        "speakers": pa.Table.from_pylist(speaker_rows, schema=DERIVED_SCHEMAS["speakers"]),
        "speaker_actors": pa.Table.from_pylist(actor_rows, schema=DERIVED_SCHEMAS["speaker_actors"]),
    }


def derive_duplicates(articles: pa.Table | Iterable[pa.RecordBatch]) -> pa.Table:
    """``duplicates`` from the corpus's ``articles`` rows (``id``, ``text``,
    ``source_published``): a table, or record batches read one at a time, so that only
    the MinHash signatures (not every text) are held in memory."""
    batches = articles.to_batches() if isinstance(articles, pa.Table) else articles

    def rows() -> Iterator[tuple[str, str, str | None]]:
        for batch in batches:
            yield from zip(batch.column("id").to_pylist(), batch.column("text").to_pylist(),
                           batch.column("source_published").to_pylist(), strict=True)

    dups = find_duplicates(rows())
    return pa.Table.from_pylist(
        [{"article_id": d.article_id, "duplicate_of": d.duplicate_of,
          "similarity": d.similarity} for d in dups], schema=DERIVED_SCHEMAS["duplicates"])


def _outlet(site: str | None, url: str | None) -> str:
    """The outlet as the corpus names it: the site, else the URL's host, else "unknown"."""
    if site:
        return site
    match = re.match(r"^[A-Za-z]+://(?:www\.)?([^/:?#]+)", url or "")
    return match.group(1) if match and match.group(1) else "unknown"


def _direct_quotes(quotes: pa.Table) -> dict[str, list[tuple[str, int, int]]]:
    """Each article's direct quotes as ``(quote id, start, end)``."""
    out: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    if not {"id", "kind", "content_start", "content_end"} <= set(quotes.column_names):
        return out
    for a, i, kind, start, end in zip(*(quotes.column(c).to_pylist() for c in (
            "article_id", "id", "kind", "content_start", "content_end")), strict=True):
        if kind == "direct" and start is not None and end is not None:
            out[a].append((i, start, end))
    return out


def derive_quote_copies(rows: Iterable[QuoteText]) -> pa.Table:
    """``quote_copies`` from every direct quote's text (:mod:`unspin.batch.quote_copies`)."""
    return pa.Table.from_pylist([vars(c) for c in find_quote_copies(rows)],
                                schema=DERIVED_SCHEMAS["quote_copies"])


def derive_tables(*, articles: pa.Table | Iterable[pa.RecordBatch], actors: pa.Table, quotes: pa.Table,
                  aliases: list[Alias] | None = None) -> dict[str, pa.Table]:
    """Every derived table (see :func:`derive_speakers`, :func:`derive_duplicates`,
    :func:`derive_quote_copies`). The articles are read once: each batch's direct quotes
    are cut from its texts on the way to the duplicate finder."""
    batches = articles.to_batches() if isinstance(articles, pa.Table) else articles
    direct = _direct_quotes(quotes)
    quoted: list[QuoteText] = []

    def tee() -> Iterator[pa.RecordBatch]:
        for batch in batches:
            names = batch.schema.names
            cols = {c: batch.column(c).to_pylist() if c in names else [None] * batch.num_rows
                    for c in ("id", "text", "source_published", "source_site", "source_url")}
            for a, text, published, site, url in zip(*cols.values(), strict=True):
                for qid, start, end in direct.get(a, ()):
                    quoted.append(QuoteText(a, qid, (text or "")[start:end], _outlet(site, url),
                                            published, start))
            yield batch

    duplicates = derive_duplicates(tee())
    return {**derive_speakers(actors=actors, quotes=quotes, aliases=aliases),
            "duplicates": duplicates, "quote_copies": derive_quote_copies(quoted)}


def _shards(out: Path) -> list[list[str | int]]:
    """The finished shards, each as its name and the size of its tables in bytes (a rerun
    with --force reuses the names)."""
    return [[p.name, sum(f.stat().st_size for f in sorted(p.glob("*.parquet")))]
            for p in sorted((out / "shards").glob("part-*")) if p.is_dir()]


def _alias_hash(path: Path | None) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else None


def is_fresh(out: Path, aliases: Path | None = None, *, any_aliases: bool = False) -> bool:
    """Whether ``OUT/derived`` was built from exactly the current shards, by this merge and
    duplicate finder (:data:`DERIVED_FORMAT` and their parameters), with this alias file
    (or none; ``any_aliases``: whichever the batch run was given)."""
    meta = out / DERIVED / _META
    if not meta.is_file():
        return False
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    return bool(data.get("shards") == _shards(out) and data.get("params") == _params()
                and (any_aliases
                     or (data.get("aliases") or {}).get("sha256") == _alias_hash(aliases)))


def derived_meta(out: Path, *, rows: dict[str, int], aliases: Path | None = None,
                 shards: list[list[str | int]] | None = None) -> dict[str, Any]:
    """The ``meta.json`` that makes derived tables of ``out`` fresh (:func:`is_fresh`):
    the merge and finder parameters, the shards they describe (default: as they are now),
    the alias file's hash, and each table's row count."""
    return {"built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "params": _params(),
            "shards": shards if shards is not None else _shards(out),
            "aliases": ({"path": str(aliases), "sha256": _alias_hash(aliases)}
                        if aliases is not None else None),
            "rows": rows}


def rebuild_derived(out: Path, aliases: Path | None = None) -> dict[str, int]:
    """Recompute the derived tables from every shard of ``out`` and write them; returns
    each table's row count."""
    from unspin.batch.writer import read_table

    alias_rows = read_aliases(aliases) if aliases is not None else None
    shards = _shards(out)
    columns = ["id", "text", "source_published", "source_site", "source_url"]
    tables = derive_tables(  # articles a shard at a time: the texts are the bulk of a crawl
        articles=(batch for path in sorted((out / "shards").glob("part-*/articles.parquet"))
                  for batch in pq.read_table(path, columns=columns).to_batches()),
        actors=read_table(out, "actors", ["article_id", "id", "name", "type", "description",
                                          "gender"]),
        quotes=read_table(out, "quotes", ["article_id", "speaker", "id", "kind", "content_start",
                                          "content_end"]),
        aliases=alias_rows)
    folder = out / DERIVED
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _META).unlink(missing_ok=True)  # stale until the new tables are all in place
    for name, table in tables.items():
        fd, tmp = tempfile.mkstemp(prefix=f".tmp-{name}-", dir=folder)
        os.close(fd)
        try:
            pq.write_table(table, tmp, compression="zstd")
            os.replace(tmp, folder / f"{name}.parquet")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    rows = {name: t.num_rows for name, t in tables.items()}
    meta = derived_meta(out, rows=rows, aliases=aliases, shards=shards)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-meta-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(meta, indent=2) + "\n")
    os.replace(tmp, folder / _META)
    return rows


def read_derived(out: Path, table: str) -> pa.Table:
    """One derived table as written by :func:`rebuild_derived`."""
    return pq.read_table(out / DERIVED / f"{table}.parquet", schema=DERIVED_SCHEMAS[table])
