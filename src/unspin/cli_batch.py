"""``unspin batch`` and ``unspin corpus``: thin shells over :mod:`unspin.batch` and
:mod:`unspin.corpus` (registered on the app in :mod:`unspin.cli`)."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from unspin.errors import ConfigError
from unspin.options import ALL_STAGES, MB, Options, parse_stages

__all__ = ["batch", "corpus"]


class EngineChoice(StrEnum):
    local = "local"
    ray = "ray"


class CorpusFormat(StrEnum):
    html = "html"
    csv = "csv"
    json = "json"


def batch(
    inputs: Annotated[list[str], typer.Argument(
        help="Folders (.txt/.html/.jsonl/.warc, optionally .gz), JSONL or WARC files, "
             "@lists or *.urls files of URLs/paths, or URLs; mixed freely.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (Parquet shards + manifest.json).")],
    engine: Annotated[EngineChoice, typer.Option(help="Where records run: a local process pool or Ray.")] = EngineChoice.local,
    workers: Annotated[int | None, typer.Option("--workers", "-n",
                       help="Worker processes / Ray actors (default: one per CPU; 0 = in this process).")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address to join (--engine ray); a local Ray otherwise.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Delete earlier results in OUT and start over.")] = False,
    max_failure_ratio: Annotated[float, typer.Option(
        help="Exit with code 1 when failed / all records in OUT is above this.")] = 0.05,
    shard_size: Annotated[int, typer.Option(help="Records per Parquet shard.")] = 500,
    stages: Annotated[str | None, typer.Option(
        help=f"Comma-separated stages to run (default all: {','.join(ALL_STAGES)}).")] = None,
    max_mb: Annotated[float, typer.Option(help="Refuse any record larger than this (MB).")] = 10.0,
    no_clean: Annotated[bool, typer.Option("--no-clean", help="Keep promos and boilerplate.")] = False,
    allow_private: Annotated[bool, typer.Option(
        help="Allow fetching URLs on private, loopback or link-local addresses.")] = False,
    aliases: Annotated[Path | None, typer.Option(
        help="CSV alias,canonical[,wikidata_id]: speaker names that override the automatic "
             "merge in OUT/derived/speakers.parquet.")] = None,
) -> None:
    """Analyse many articles into Parquet tables; rerun to resume, --force to start over.

    Exit codes: 0 done, 1 more failures than --max-failure-ratio, 2 bad arguments,
    130 interrupted (finished records are kept; rerun to resume).
    """
    from unspin.batch import BatchConfig, run_batch

    chosen = parse_stages(stages)
    options = Options(stages=chosen, max_bytes=int(max_mb * MB), clean=not no_clean,
                      allow_private=allow_private)
    err = Console(stderr=True)
    cfg = BatchConfig(
        inputs=tuple(inputs), out=out, options=options, engine=engine.value,
        workers=workers if workers is not None else (os.cpu_count() or 1), address=address,
        force=force, shard_size=shard_size, max_failure_ratio=max_failure_ratio,
        aliases=aliases,
    )
    result = run_batch(cfg, err)
    state = "interrupted" if result.interrupted else "done"
    err.print(
        f"{state}: {result.processed} analysed, {result.failed} failed, {result.skipped} "
        f"skipped (already in {out}), {result.duplicates} duplicate ids ignored; "
        f"{result.rate:.1f} records/s. {out} now holds {result.articles_total} articles and "
        f"{result.failures_total} failures (ratio {result.failure_ratio:.3f}, "
        f"limit {max_failure_ratio:g}).", highlight=False)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def corpus(
    results: Annotated[list[Path], typer.Argument(
        help="Folders written by `unspin batch` (several are read as one corpus).")],
    format: Annotated[CorpusFormat, typer.Option("--format", "-f", help="Output format.")] = CorpusFormat.html,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                      help="Write here (a folder for csv without --query); default standard output.")] = None,
    query: Annotated[str | None, typer.Option(help="Only this query (see unspin.corpus.QUERIES).")] = None,
    top: Annotated[int, typer.Option(help="Rows per ranking (speakers, outlets, narratives).")] = 20,
) -> None:
    """Speakers, narratives, outlets and techniques across a batch output: an HTML page,
    CSV or JSON."""
    from unspin import corpus as corpus_mod

    if query is not None and query not in corpus_mod.QUERIES:
        raise ConfigError(f"unknown query {query!r}; choose from {', '.join(corpus_mod.QUERIES)}")
    names = [query] if query else list(corpus_mod.QUERIES)
    with corpus_mod.Corpus(results) as db:
        if format is CorpusFormat.html:
            text = corpus_mod.render_html(db, top=top)
        elif format is CorpusFormat.json:
            text = corpus_mod.to_json(db, names, top=top)
        elif len(names) == 1:
            text = corpus_mod.to_csv(db, names[0], top=top)
        else:
            if output is None or (output.exists() and not output.is_dir()):
                raise ConfigError("csv holds one table: pass --query NAME, or -o FOLDER for one "
                                  "file per query")
            output.mkdir(parents=True, exist_ok=True)
            for name in names:
                (output / f"{name}.csv").write_text(corpus_mod.to_csv(db, name, top=top),
                                                    encoding="utf-8")
            return
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
