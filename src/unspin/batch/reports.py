"""Reports back out of a batch output folder, with no model loaded.

A batch run stores each Report flattened into the Parquet tables (:mod:`unspin.batch.tables`);
these functions put them back together with :func:`~unspin.batch.tables.report_from_rows`,
for ``unspin render OUT --id ID``, the corpus page's article pages and ``unspin export``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from unspin.batch.tables import LAYER_TABLES, SCHEMAS, report_from_rows
from unspin.errors import InputError
from unspin.report import Report

__all__ = ["iter_reports", "load_report", "load_reports", "shards"]


def shards(out: Path) -> list[Path]:
    """The finished shard folders of ``out``, in order; InputError if there are none."""
    found = sorted(p for p in (out / "shards").glob("part-*") if p.is_dir()
                   and (p / "articles.parquet").exists())
    if not found:
        raise InputError(f"{out} holds no finished batch shards; run `unspin batch … -o {out}` "
                         "first", path=str(out))
    return found


def _read(shard: Path, table: str, filters: Any = None) -> list[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = shard / f"{table}.parquet"
    try:
        return list(pq.read_table(path, schema=SCHEMAS[table], filters=filters).to_pylist())
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{path} cannot be read ({exc}); the batch output is damaged: rerun "
                         "`unspin batch` with --force on its inputs", path=str(path)) from exc


def _assemble(articles: list[dict[str, Any]], layer_rows: dict[str, list[dict[str, Any]]]
              ) -> Iterator[Report]:
    by_article: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for table, rows in layer_rows.items():
        for row in rows:
            by_article.setdefault(row["article_id"], {}).setdefault(table, []).append(row)
    for article in articles:
        yield report_from_rows(article, by_article.get(article["id"], {}))


def iter_reports(out: Path, *, layers: Sequence[str] = LAYER_TABLES) -> Iterator[Report]:
    """Every report in ``out``, one shard in memory at a time; only ``layers`` are read
    (the others come back empty)."""
    for shard in shards(out):
        yield from _assemble(_read(shard, "articles"),
                             {t: _read(shard, t) for t in layers})


def load_reports(out: Path, ids: Iterable[str]) -> dict[str, Report]:
    """The reports of ``ids`` that ``out`` holds (an id it lacks is simply absent)."""
    wanted = sorted(set(ids))
    found: dict[str, Report] = {}
    if not wanted:
        return found
    for shard in shards(out):
        articles = _read(shard, "articles", [("id", "in", wanted)])
        if not articles:
            continue
        here = [a["id"] for a in articles]
        layers = {t: _read(shard, t, [("article_id", "in", here)]) for t in LAYER_TABLES}
        for report in _assemble(articles, layers):
            found[report.id] = report
        if len(found) == len(wanted):
            break
    return found


def load_report(out: Path, id: str) -> Report:
    """The report of article ``id``; InputError if it failed or is not in ``out``."""
    report = load_reports(out, [id]).get(id)
    if report is not None:
        return report
    for shard in shards(out):
        failed = _read(shard, "failures", [("id", "==", id)])
        if failed:
            f = failed[0]
            raise InputError(f"article {id!r} failed in that run at stage {f['stage']} "
                             f"([{f['code']}] {f['message']}); it has no report", id=id)
    raise InputError(f"{out} has no article with id {id!r} (its ids are the `id` column of "
                     "shards/*/articles.parquet)", id=id, path=str(out))
