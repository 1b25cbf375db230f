"""``unspin batch`` and ``unspin corpus``: thin shells over :mod:`unspin.batch` and
:mod:`unspin.corpus` (registered on the app in :mod:`unspin.cli`)."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from unspin.errors import ConfigError
from unspin.options import ALL_STAGES, MB, MODEL_HELP, Options, parse_stages

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
    model: Annotated[str | None, typer.Option(help=MODEL_HELP + " A run resumes only with "
                                              "the model it started with.")] = None,
) -> None:
    """Analyse many articles into Parquet tables; rerun to resume, --force to start over.

    Exit codes: 0 done, 1 more failures than --max-failure-ratio, 2 bad arguments,
    130 interrupted (finished records are kept; rerun to resume).
    """
    from unspin.batch import BatchConfig, run_batch

    chosen = parse_stages(stages)
    options = Options(stages=chosen, max_bytes=int(max_mb * MB), clean=not no_clean,
                      allow_private=allow_private, model=model)
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
        f"skipped (already in {out}), {result.duplicates} duplicate ids ignored, "
        f"{len(result.ignored)} inputs with nothing to analyse; "
        f"{result.rate:.1f} records/s. {out} now holds {result.articles_total} articles and "
        f"{result.failures_total} failures (ratio {result.failure_ratio:.3f}, "
        f"limit {max_failure_ratio:g}).", highlight=False)
    if result.ignored:
        for item in result.ignored[:SHOW_IGNORED]:
            err.print(f"  ignored {_printable(item['input'])}: [{item['code']}] {item['reason']}",
                      highlight=False, markup=False)
        more = len(result.ignored) - SHOW_IGNORED
        err.print(f"  {'… and ' + str(more) + ' more; ' if more > 0 else ''}every ignored "
                  f"input is listed in {out}/manifest.json (runs[-1].ignored_inputs)",
                  highlight=False, markup=False)
    if result.derived is not None:
        err.print(f"rebuilt {out}/derived: {result.derived['speakers']} canonical speakers, "
                  f"{result.derived['duplicates']} near-duplicate copies.", highlight=False)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


#: The summary names this many ignored inputs; the manifest lists them all.
SHOW_IGNORED = 5


def _printable(path: str) -> str:
    """A path as one terminal line: control characters (a newline in a file name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


class PeriodChoice(StrEnum):
    week = "week"
    month = "month"


def corpus(
    results: Annotated[list[Path], typer.Argument(
        help="Folders written by `unspin batch` (several are read as one corpus).")],
    format: Annotated[CorpusFormat, typer.Option("--format", "-f", help="Output format.")] = CorpusFormat.html,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                      help="Write here (a folder for csv without --query); default standard output.")] = None,
    query: Annotated[str | None, typer.Option(help="Only this query (see unspin.corpus.QUERIES).")] = None,
    top: Annotated[int, typer.Option(min=0, max=1000, help="Rows per ranking (speakers, outlets, narratives).")] = 20,
    since: Annotated[str | None, typer.Option(help="Only articles published on or after this date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Only articles published on or before this date (YYYY-MM-DD).")] = None,
    outlet: Annotated[list[str] | None, typer.Option(
        help="Only these outlets (repeat, or comma-separated).")] = None,
    speaker: Annotated[list[str] | None, typer.Option(
        help="Only articles quoting these speakers (canonical name or alias; repeat, or "
             "comma-separated).")] = None,
    narrative: Annotated[list[str] | None, typer.Option(
        help="Only articles carrying one of these narratives (repeat).")] = None,
    technique: Annotated[list[str] | None, typer.Option(
        help="Only articles with one of these persuasion techniques (repeat).")] = None,
    gender: Annotated[list[str] | None, typer.Option(
        help="Only articles quoting a person of this gender (repeat).")] = None,
    stance: Annotated[list[str] | None, typer.Option(
        help="Only articles with a quote whose reporting verb has this stance (repeat).")] = None,
    compare: Annotated[str | None, typer.Option(
        help="Two outlets side by side over time: A,B (also keeps only their articles).")] = None,
    period: Annotated[PeriodChoice, typer.Option(help="Timeline period.")] = PeriodChoice.month,
    all_copies: Annotated[bool, typer.Option(
        "--all-copies", help="Count every copy of a story (default: near-duplicates are folded "
                             "into the original).")] = False,
    aliases: Annotated[Path | None, typer.Option(
        help="CSV alias,canonical[,wikidata_id] that overrides the automatic speaker merge.")] = None,
    site: Annotated[Path | None, typer.Option(
        help="Write the page as a folder where every count links to its articles and each "
             "article to its report (index.html, counts/, articles/).")] = None,
    per_count: Annotated[int, typer.Option(
        min=1, help="With --site: articles listed per count (the page says how many more).")] = 100,
    behind: Annotated[list[str] | None, typer.Option(
        help="List the articles behind a count instead: KEY=VALUE, repeatable, KEY one of "
             "speaker, narrative, technique, outlet, month, week, has, quote (a repeated "
             "quote's cluster), gender (csv or json).")] = None,
    index: Annotated[bool, typer.Option(
        "--index", help="Build or update the full-text search index (OUT/derived/search; "
                        "only the shards it lacks) and exit.")] = False,
    aggregates: Annotated[bool, typer.Option(
        "--aggregates", help="Build or update the precomputed per-shard aggregates the views "
                             "read (OUT/derived/agg; only the shards whose inputs changed) "
                             "and exit. `unspin batch` does this after every run.")] = False,
    search: Annotated[str | None, typer.Option(
        help='Full-text search instead: words, "phrases", AND, OR, NOT, field:word (title, '
             "text, quote, speaker, outlet), under the filters (csv or json).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="With --search: hits listed.")] = 100,
) -> None:
    """Speakers, narratives, outlets and techniques across a batch output: an HTML page
    (or a linked folder of pages with --site), CSV or JSON; or a full-text search."""
    from unspin import corpus as corpus_mod

    if query is not None and query not in corpus_mod.QUERIES:
        raise ConfigError(f"unknown query {query!r}; choose from {', '.join(corpus_mod.QUERIES)}")
    if index or aggregates:
        from unspin.batch.reports import shards

        for folder in results:
            shards(folder)  # E100 for a folder that holds no batch output, not "0 built"
    if index:
        from unspin.corpus.search import build_index

        for folder in results:
            done = build_index(folder)
            typer.echo(f"{folder}: indexed {done['shards']} new shards ({done['documents']} "
                       f"articles); {done['total']} articles in the index", err=True)
        return
    if aggregates:
        from unspin.batch.aggregates import update_aggregates

        for folder in results:
            built = update_aggregates(folder)
            typer.echo(f"{folder}: aggregates of {built['built']} shards built, "
                       f"{built['kept']} kept, {built['dropped']} dropped "
                       f"({built['seconds']:g} s)", err=True)
        return
    filters = corpus_mod.Filters.from_cli(
        since=since, until=until, all_copies=all_copies, period=period.value, compare=compare,
        top=top, outlet=outlet, speaker=speaker, narrative=narrative, technique=technique,
        gender=gender, stance=stance)
    names = [query] if query else list(corpus_mod.QUERIES)
    drill: dict[str, str] = {}
    for item in behind or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--behind takes KEY=VALUE, not {item!r}")
        drill[key.strip()] = value
    if behind and (site is not None or query is not None):
        raise ConfigError("--behind lists the articles behind one count; it takes no --site "
                          "or --query")
    if search is not None and (behind or site is not None or query is not None):
        raise ConfigError("--search lists the articles that match; it takes no --behind, "
                          "--site or --query")
    with corpus_mod.Corpus(results, filters=filters, aliases=aliases) as db:
        if site is not None:
            from unspin.corpus.site import write_site

            result = write_site(db, site, per_count=per_count)
            typer.echo(f"wrote {site / 'index.html'}: {result.counts} count pages, "
                       f"{result.articles} article pages", err=True)
            if result.missing:
                typer.secho(f"warning: {len(result.missing)} listed articles have no report in "
                            f"the tables (e.g. {result.missing[0]}); their titles are not "
                            "linked", err=True, fg="yellow")
            return
        if search is not None:
            from unspin.corpus.views import search_data

            found = search_data(db, search, limit=limit)
            if format is CorpusFormat.json:
                text = json.dumps(found, indent=2, ensure_ascii=False) + "\n"
            elif format is CorpusFormat.csv:
                text = corpus_mod.rows_to_csv(found["rows"], ["id", "title", "outlet",
                                                             "published", "score", "snippet",
                                                             "input"])
            else:
                raise ConfigError("--search writes csv or json (--format csv|json)")
        elif behind:
            total, rows = db.articles_behind(drill, limit=2**62)
            if format is CorpusFormat.json:
                text = json.dumps({"behind": drill, "articles": total, "rows": rows},
                                  indent=2, ensure_ascii=False) + "\n"
            elif format is CorpusFormat.csv:
                text = corpus_mod.rows_to_csv(rows, ["id", "title", "outlet", "published", "input"])
            else:
                raise ConfigError("--behind writes csv or json (--format csv|json)")
        elif format is CorpusFormat.html:
            text = corpus_mod.render_html(db)
        elif format is CorpusFormat.json:
            text = corpus_mod.to_json(db, names)
        elif len(names) == 1:
            text = corpus_mod.to_csv(db, names[0])
        else:
            if output is None or (output.exists() and not output.is_dir()):
                raise ConfigError("csv holds one table: pass --query NAME, or -o FOLDER for one "
                                  "file per query")
            output.mkdir(parents=True, exist_ok=True)
            for name in names:
                (output / f"{name}.csv").write_text(corpus_mod.to_csv(db, name), encoding="utf-8")
            return
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
