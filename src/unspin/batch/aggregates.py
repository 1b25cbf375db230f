"""Per-shard partial aggregates: what every corpus view reads, counted once per shard.

A corpus view at a million articles used to join five million quotes to three million
speaker links, compute every article's outlet with a regular expression and semi-join
each layer on the kept articles, for every request. These tables hold those counts per
shard and per article, already joined, so that a view sums them instead::

    OUT/derived/agg/
      copies.parquet            every near-duplicate copy with its original's number, outlet, day
      part-NNNNNN/              one folder per shard (the shard's name)
        articles.parquet        K, article_id, orig_no, title, input -> articles, quotes,
                                techniques, narratives
        techniques.parquet      K, technique -> spans, articles
        narratives.parquet      K, narrative -> articles
        speakers.parquet        K, speaker -> quotes, articles
        stances.parquet         K, speaker, stance -> quotes (speaker NULL: unresolved)
        speaker_narratives.parquet  K, speaker, narrative -> articles, voiced
        quote_texts.parquet     K, article_id, each quote_copies row of the shard with its
                                quote's text
        meta.json               the shard and the digest of the inputs it was built from
      meta.json                 written last: the shards and the derived tables it matches

``K`` is ``(article_no, outlet, day, copy, orig_outlet, orig_day)``: the article's number
(:func:`article_no`: its shard's number and its row in the shard's ``articles.parquet``, a
BIGINT that semi-joins two to three times faster than the id string), its outlet and
publication day (``TRY_CAST(source_published AS DATE)``), and, for a near-duplicate copy,
its original's outlet and day (the articles table also holds the article's id and its
original's number, ``orig_no``, and what a list of articles shows of each: its
``title`` and ``input``, so that a drill-down or a search hit is answered here too, not by
reading the shards). Each row is about one article, so a count of distinct
articles sums across rows and shards. A view's filters on dates and outlets, with the
copy folding that depends on them (a copy is folded only into an original the view
keeps), are conditions on ``K``'s columns (:meth:`unspin.corpus.filters.Filters.kept`);
a filter on what an article contains (a speaker, a narrative, a technique, a gender, a
stance) is a semi-join on ``article_no`` against these same tables
(:meth:`unspin.corpus.filters.Filters.contained`), and a copy is then folded when its
``orig_no`` is among the articles that pass (:meth:`unspin.corpus.db.Corpus._view`).
Keyed by article, the tables are a fifth larger than keyed by ``(outlet, day, …)`` alone
(73 -> 89 MB at a million articles, where most such cells held one article already).

Incremental: a shard's tables depend on the shard and on the corpus-wide rows that
concern its articles (their canonical speakers, their originals, their repeated quotes).
:func:`shard_digests` hashes exactly those, per shard, so :func:`update_aggregates`
rebuilds only the shards that are new, rewritten, or whose corpus-wide rows changed (a
speaker merge that moved their quotes), and drops those of shards that are gone. Each
shard is built by :func:`build_shard` alone (its own DuckDB, its own files), so an engine
can map it over workers (``--engine ray``: Ray tasks, :meth:`unspin.batch.ray.RayEngine.map`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

__all__ = ["AGG", "AGG_FORMAT", "AGG_TABLES", "Mapper", "ShardTask", "aggregates_fresh",
           "build_shard", "shard_digests", "update_aggregates"]

AGG = "agg"
#: Bumped when what a partial table holds changes (its keys, its counts, the outlet or
#: day definition), so that tables built by an older unspin are rebuilt, not trusted.
#: 2: keyed by article too (``article_no``, ``orig_no``), stances of unresolved speakers.
#: 3: the articles table holds each article's title and input (drill-downs, search hits).
AGG_FORMAT = "unspin-agg/3"
_META = "meta.json"
#: The per-shard tables, in the order they are built.
AGG_TABLES: tuple[str, ...] = ("articles", "techniques", "narratives", "speakers", "stances",
                               "speaker_narratives", "quote_texts")
#: The key every table starts with (see the module docstring).
KEY = "art.article_no, art.outlet, art.day, art.copy, art.orig_outlet, art.orig_day"
_SHARD_NAME = re.compile(r"part-([0-9]+)")


def shard_number(shard: str) -> int:
    """The number in a shard's name (``part-000042`` -> 42): the high half of its
    articles' :func:`article_no`."""
    found = _SHARD_NAME.fullmatch(shard)
    if found is None or int(found[1]) >= 2**31:
        from unspin.errors import ConfigError

        raise ConfigError(f"shard folder {shard!r} is not named part-<number>, as `unspin "
                          "batch` names them; the aggregates cannot number its articles",
                          path=shard)
    return int(found[1])


def article_no(shard: str, sql_row: str) -> str:
    """The SQL of an article's number: its shard's number times 2**32 plus its row in the
    shard's ``articles.parquet`` (``sql_row``, DuckDB's ``file_row_number``). Unique in the
    output, fixed while the shard's files are (a rewritten shard changes size, and so its
    digest and the digests of its originals' copies)."""
    return f"({shard} * 4294967296 + {sql_row})::BIGINT"


@dataclass(frozen=True)
class ShardTask:
    """One shard to (re)build: the output folder, the shard's name, and the digest of its
    inputs to record in its ``meta.json``."""

    out: str
    shard: str
    digest: str
    #: DuckDB threads for the task (None: DuckDB's default, every core).
    threads: int | None = None


class Mapper(Protocol):
    """Runs ``fn`` on every task (in any order, anywhere); returns when all are done."""

    def __call__(self, fn: Callable[[ShardTask], None], tasks: Sequence[ShardTask]) -> None: ...


def run_here(fn: Callable[[ShardTask], None], tasks: Sequence[ShardTask]) -> None:
    """The local mapper: one task after the other, in this process."""
    for task in tasks:
        fn(task)


def _q(path: Path) -> str:
    """A path as a SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def _connect(threads: int | None = None) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _sql_outlet() -> str:
    from unspin.corpus.queries import OUTLET

    return OUTLET


def _derived_sha(out: Path) -> str | None:
    """The identity of ``OUT/derived``'s tables: the hash of the ``meta.json`` written with
    them (it names the shards, the parameters and the row counts)."""
    from unspin.batch.derived import DERIVED

    meta = out / DERIVED / _META
    return hashlib.sha256(meta.read_bytes()).hexdigest() if meta.is_file() else None


def _folder(out: Path) -> Path:
    from unspin.batch.derived import DERIVED

    return out / DERIVED / AGG


def aggregates_fresh(out: Path) -> bool:
    """Whether ``OUT/derived/agg`` was built, in this format, from exactly the current
    shards and the current derived tables (which must be fresh themselves:
    :func:`unspin.batch.derived.is_fresh`)."""
    from unspin.batch.derived import _shards, is_fresh

    meta = _folder(out) / _META
    if not meta.is_file() or not is_fresh(out, any_aliases=True):
        return False
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(isinstance(data, dict) and data.get("format") == AGG_FORMAT
                and data.get("derived") == _derived_sha(out) and data.get("shards") == _shards(out))


def _write_copies(con: Any, out: Path) -> None:
    """``agg/copies.parquet``: each copy with its original's number, outlet and day (the
    original may lie in any shard), written atomically."""
    from unspin.batch.derived import DERIVED

    folder = _folder(out)
    articles = _q(out / "shards" / "part-*" / "articles.parquet")
    number = "CAST(regexp_extract(a.filename, 'part-([0-9]+)/articles\\.parquet$', 1) AS BIGINT)"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-copies-", suffix=".parquet", dir=folder)
    os.close(fd)
    try:
        con.execute(
            "COPY (SELECT d.article_id, " + article_no(number, "a.file_row_number")
            + " AS orig_no, " + _sql_outlet() + " AS orig_outlet, "
            "TRY_CAST(a.source_published AS DATE) AS orig_day "
            f"FROM read_parquet({_q(out / DERIVED / 'duplicates.parquet')}) d "
            f"JOIN read_parquet({articles}, filename = true, file_row_number = true) a "
            "ON a.id = d.duplicate_of ORDER BY d.article_id) "
            f"TO {_q(Path(tmp))} (FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, folder / "copies.parquet")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def shard_digests(out: Path, con: Any | None = None) -> dict[str, str]:
    """Per shard, a digest of everything its partial tables are computed from: the format,
    the shard's files (their sizes), and the corpus-wide rows about its articles —
    ``speaker_actors``, ``agg/copies`` and ``quote_copies`` — hashed order-free
    (``bit_xor`` of row hashes, with the row count). Needs ``agg/copies.parquet``."""
    from unspin.batch.derived import DERIVED, _shards

    con = con or _connect()
    derived = out / DERIVED
    index = (f"SELECT id, regexp_extract(filename, '(part-[^/]+)/articles\\.parquet$', 1) "
             f"AS shard FROM read_parquet({_q(out / 'shards' / 'part-*' / 'articles.parquet')}, "
             "filename = true)")
    parts = {
        "speakers": f"SELECT x.article_id, hash(x.article_id, x.actor_id, x.speaker) AS h "
                    f"FROM read_parquet({_q(derived / 'speaker_actors.parquet')}) x",
        "copies": f"SELECT x.article_id, hash(x.article_id, x.orig_no, x.orig_outlet, x.orig_day) AS h "
                  f"FROM read_parquet({_q(_folder(out) / 'copies.parquet')}) x",
        "quotes": "SELECT x.article_id, hash(x.cluster, x.article_id, x.quote_id, x.outlet, "
                  "x.published, x.first, x.similarity, x.altered) AS h "
                  f"FROM read_parquet({_q(derived / 'quote_copies.parquet')}) x",
    }
    found: dict[str, dict[str, str]] = {}
    for name, rows in parts.items():
        for shard, xor, n in con.execute(
                f"WITH idx AS ({index}) SELECT idx.shard, bit_xor(r.h), count(*) "
                f"FROM ({rows}) r JOIN idx ON idx.id = r.article_id GROUP BY idx.shard"
                ).fetchall():
            found.setdefault(shard, {})[name] = f"{xor}:{n}"
    digests = {}
    for shard, size in _shards(out):
        facts = found.get(str(shard), {})
        text = "|".join([AGG_FORMAT, str(size), *(facts.get(p, "0:0") for p in parts)])
        digests[str(shard)] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def _shard_sql(out: Path, shard: str) -> dict[str, str]:
    """The SELECT of each partial table of ``shard`` (see the module docstring)."""
    from unspin.batch.derived import DERIVED

    s = out / "shards" / shard
    derived = out / DERIVED
    src = {t: f"read_parquet({_q(s / (t + '.parquet'))})" for t in
           ("articles", "quotes", "techniques", "narratives")}
    articles = (f"read_parquet({_q(s / 'articles.parquet')}, file_row_number = true)")
    art = ("art AS (SELECT a.id, " + article_no(str(shard_number(shard)), "a.file_row_number")
           + " AS article_no, " + _sql_outlet() + " AS outlet, "
           "TRY_CAST(a.source_published AS DATE) AS day, c.article_id IS NOT NULL AS copy, "
           "a.source_title AS title, a.input, "
           f"c.orig_no, c.orig_outlet, c.orig_day FROM {articles} a "
           f"LEFT JOIN read_parquet({_q(_folder(out) / 'copies.parquet')}) c "
           "ON c.article_id = a.id)")
    sa = (f"sa AS (SELECT * FROM read_parquet({_q(derived / 'speaker_actors.parquet')}) "
          "WHERE article_id IN (SELECT id FROM art))")
    # the quotes with their canonical speaker, as the corpus queries' QUOTED join them
    quoted = ("quoted AS (SELECT q.article_id, q.speaker AS actor_id, sa.speaker, q.cue_stance "
              f"FROM {src['quotes']} q JOIN sa ON sa.article_id = q.article_id "
              "AND sa.actor_id = q.speaker)")
    # every quote's stance, with its canonical speaker where it has one (a stance filter
    # keeps an article by any of its quotes, as the scan's does)
    stanced = ("stanced AS (SELECT q.article_id, sa.speaker, q.cue_stance "
               f"FROM {src['quotes']} q LEFT JOIN sa ON sa.article_id = q.article_id "
               "AND sa.actor_id = q.speaker)")
    head = f"WITH {art}, {sa}, {quoted}, {stanced} "

    def per(t: str) -> str:
        return f"(SELECT article_id, count(*) AS n FROM {src[t]} GROUP BY article_id)"

    return {
        "articles": head + f"SELECT {KEY}, art.id AS article_id, art.orig_no, art.title, "
        "art.input, "
        "count(*)::BIGINT AS articles, "
        "coalesce(sum(q.n), 0)::BIGINT AS quotes, coalesce(sum(t.n), 0)::BIGINT AS techniques, "
        f"coalesce(sum(n.n), 0)::BIGINT AS narratives FROM art "
        f"LEFT JOIN {per('quotes')} q ON q.article_id = art.id "
        f"LEFT JOIN {per('techniques')} t ON t.article_id = art.id "
        f"LEFT JOIN {per('narratives')} n ON n.article_id = art.id GROUP BY ALL",
        "techniques": head + f"SELECT {KEY}, t.technique, count(*)::BIGINT AS spans, "
        f"count(DISTINCT t.article_id)::BIGINT AS articles FROM {src['techniques']} t "
        "JOIN art ON art.id = t.article_id GROUP BY ALL",
        "narratives": head + f"SELECT {KEY}, n.narrative, "
        f"count(DISTINCT n.article_id)::BIGINT AS articles FROM {src['narratives']} n "
        "JOIN art ON art.id = n.article_id GROUP BY ALL",
        "speakers": head + f"SELECT {KEY}, qs.speaker, count(*)::BIGINT AS quotes, "
        "count(DISTINCT qs.article_id)::BIGINT AS articles FROM quoted qs "
        "JOIN art ON art.id = qs.article_id GROUP BY ALL",
        "stances": head + f"SELECT {KEY}, qs.speaker, qs.cue_stance AS stance, "
        "count(*)::BIGINT AS quotes FROM stanced qs JOIN art ON art.id = qs.article_id "
        "GROUP BY ALL",
        # which speakers and narratives share an article, and how many of the narrative's
        # evidence spans are in that speaker's voice (the speaker_narrative query's co, voiced)
        "speaker_narratives": head + ", sp AS (SELECT DISTINCT article_id, actor_id, speaker "
        "FROM quoted), pairs AS (SELECT DISTINCT sp.article_id, sp.speaker, n.narrative "
        f"FROM sp JOIN {src['narratives']} n ON n.article_id = sp.article_id), "
        "ev AS (SELECT n.article_id, n.narrative, unnest(n.evidence) AS e "
        f"FROM {src['narratives']} n), voiced AS (SELECT ev.article_id, sp.speaker, "
        "ev.narrative, count(*) AS voiced FROM ev JOIN sp ON sp.article_id = ev.article_id "
        "AND sp.actor_id = ev.e.voice.actor GROUP BY ALL) "
        f"SELECT {KEY}, p.speaker, p.narrative, count(*)::BIGINT AS articles, "
        "coalesce(sum(v.voiced), 0)::BIGINT AS voiced FROM pairs p "
        "JOIN art ON art.id = p.article_id LEFT JOIN voiced v ON v.article_id = p.article_id "
        "AND v.speaker = p.speaker AND v.narrative = p.narrative GROUP BY ALL",
        "quote_texts": head + f"SELECT {KEY}, c.cluster, c.article_id, c.quote_id, "
        "c.outlet AS qc_outlet, c.published AS qc_published, c.first, c.similarity, "
        "c.altered, substr(a.text, q.content_start + 1, q.content_end - q.content_start) "
        f"AS quote FROM read_parquet({_q(derived / 'quote_copies.parquet')}) c "
        "JOIN art ON art.id = c.article_id "
        f"JOIN {src['articles']} a ON a.id = c.article_id "
        f"JOIN {src['quotes']} q ON q.article_id = c.article_id AND q.id = c.quote_id",
    }


def build_shard(task: ShardTask) -> None:
    """Write the partial tables of one shard (a folder written aside, then renamed into
    place, its ``meta.json`` recording ``task.digest``)."""
    out = Path(task.out)
    folder = _folder(out)
    target = folder / task.shard
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{task.shard}-", dir=folder))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # as the shards' folders (mkdtemp makes it private)
    con = _connect(task.threads)
    try:
        for name, sql in _shard_sql(out, task.shard).items():
            con.execute(f"COPY (SELECT * FROM ({sql}) ORDER BY article_no) "
                        f"TO {_q(tmp / (name + '.parquet'))} (FORMAT parquet, COMPRESSION zstd)")
        (tmp / _META).write_text(json.dumps({"format": AGG_FORMAT, "shard": task.shard,
                                             "digest": task.digest}) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        con.close()


def _built_digest(folder: Path) -> str | None:
    try:
        data = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != AGG_FORMAT:
        return None
    digest = data.get("digest")
    return digest if isinstance(digest, str) else None


def update_aggregates(out: Path, *, mapper: Mapper = run_here,
                      threads: int | None = None) -> dict[str, Any]:
    """Bring ``OUT/derived/agg`` up to date with the shards and the derived tables (which
    must be fresh: :func:`unspin.batch.derived.is_fresh`): rebuild the shards whose digest
    changed (through ``mapper``, each task with ``threads`` DuckDB threads), drop those of
    vanished shards, then write ``meta.json``. Returns how many shards were ``built``,
    ``kept`` and ``dropped``, and the seconds."""
    from unspin.batch.derived import _shards, is_fresh

    if not _shards(out):
        return {"built": 0, "kept": 0, "dropped": 0, "seconds": 0.0}
    for name, _ in _shards(out):
        shard_number(str(name))  # every shard numbers its articles, or none is built
    if not is_fresh(out, any_aliases=True):
        from unspin.errors import ConfigError

        raise ConfigError(f"{out}/derived does not match the shards (a batch run stopped "
                          "before it was rebuilt?); rerun the same `unspin batch` command, "
                          "which rebuilds it and the aggregates", path=str(out))
    t0 = time.perf_counter()
    folder = _folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _META).unlink(missing_ok=True)  # stale until every shard is in place
    con = _connect()
    try:
        _write_copies(con, out)
        digests = shard_digests(out, con)
    finally:
        con.close()
    todo = [ShardTask(str(out), shard, digest, threads) for shard, digest in digests.items()
            if _built_digest(folder / shard) != digest]
    dropped = [p for p in folder.glob("part-*") if p.is_dir() and p.name not in digests]
    for path in dropped:
        shutil.rmtree(path)
    for path in folder.glob(".tmp-*"):  # what an interrupted build left
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
    mapper(build_shard, todo)
    meta = {"format": AGG_FORMAT, "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "derived": _derived_sha(out), "shards": _shards(out)}
    fd, tmp = tempfile.mkstemp(prefix=".tmp-meta-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(meta, indent=2) + "\n")
    os.replace(tmp, folder / _META)
    return {"built": len(todo), "kept": len(digests) - len(todo), "dropped": len(dropped),
            "seconds": round(time.perf_counter() - t0, 3)}

