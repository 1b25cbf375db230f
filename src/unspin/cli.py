"""The command line: a thin shell over the library. No analysis logic lives here.

Errors from the library are turned into a one-line message and an exit code in ``main``
(the one boundary); a user error never shows a traceback.
"""

from __future__ import annotations

import importlib
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from unspin import __version__
from unspin.errors import ConfigError, UnspinError
from unspin.options import ALL_STAGES, MB, MODEL_HELP, Options, parse_stages

if TYPE_CHECKING:
    from unspin.analyzer import Analyzer
    from unspin.article import Article
    from unspin.report import Report

app = typer.Typer(
    help="unspin: who says what, in whose voice, with which persuasion techniques and narratives.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    json = "json"
    html = "html"
    text = "text"


class Kind(StrEnum):
    auto = "auto"
    text = "text"
    html = "html"
    url = "url"
    jsonl = "jsonl"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"unspin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """unspin: news analysis as data."""


def _options(kind: Kind, allow_private: bool, max_mb: float, no_clean: bool,
             stages: str | None, model: str | None = None) -> Options:
    chosen = parse_stages(stages)
    return Options(kind=kind.value, allow_private=allow_private,
                   max_bytes=int(max_mb * MB), clean=not no_clean, stages=chosen, model=model)


@app.command()
def analyze(
    sources: Annotated[list[str], typer.Argument(
        help="Files (.txt, .html, .jsonl, .gz), URLs, or - for standard input.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                      help="Write here instead of standard output (a folder for several HTML reports).")] = None,
    kind: Annotated[Kind, typer.Option(help="Force the input kind instead of detecting it.")] = Kind.auto,
    allow_private: Annotated[bool, typer.Option(
        help="Allow fetching URLs on private, loopback or link-local addresses.")] = False,
    max_mb: Annotated[float, typer.Option(help="Refuse any input larger than this (MB).")] = 10.0,
    no_clean: Annotated[bool, typer.Option("--no-clean", help="Keep promos and boilerplate.")] = False,
    stages: Annotated[str | None, typer.Option(
        help=f"Comma-separated stages to run (default all: {','.join(ALL_STAGES)}).")] = None,
    model: Annotated[str | None, typer.Option(help=MODEL_HELP)] = None,
) -> None:
    """Analyse articles: clean text, quotes and speakers, techniques, narratives — as a report."""
    from unspin.ingest import read_source

    options = _options(kind, allow_private, max_mb, no_clean, stages, model)
    analyzer: Analyzer | None = None  # built at the first article: a bad input answers at once
    reports: list[Report] = []
    failures: list[UnspinError] = []
    for source in sources:
        for read in read_source(source, options):
            item: Report | UnspinError = read if isinstance(read, UnspinError) else _analyzed(
                analyzer := analyzer or _analyzer(options), read)
            if isinstance(item, UnspinError):
                failures.append(item)
                record = item.context.get("record")
                where = f"{source}" + (f" ({record})" if record and record != source else "")
                err.print(f"[red]error[/red] {where}: {item}", highlight=False, markup=True)
            else:
                reports.append(item)
    if reports:
        from unspin.render import render_html, render_text

        if format is Format.html and len(reports) > 1:
            if output is None or (output.exists() and not output.is_dir()):
                raise ConfigError("several reports in HTML need a folder: pass -o FOLDER")
            output.mkdir(parents=True, exist_ok=True)
            for rep in reports:
                (output / f"{_safe(rep.id)}.html").write_text(render_html(rep), encoding="utf-8")
        else:
            if format is Format.json:
                text = (reports[0].to_json() + "\n" if len(reports) == 1
                        else "".join(r.to_json(indent=None) + "\n" for r in reports))
            elif format is Format.html:
                text = render_html(reports[0])
            elif output is None and sys.stdout.isatty():
                from unspin.render.text import summary

                out = Console()
                for rep in reports:
                    out.print(summary(rep))
                text = ""
            else:
                text = "\n".join(render_text(rep) for rep in reports)
            if output is not None:
                output.write_text(text, encoding="utf-8")
            elif text:
                sys.stdout.write(text)
    if failures:
        raise typer.Exit(max(f.exit_code for f in failures))


def _analyzer(options: Options) -> Analyzer:
    from unspin.analyzer import Analyzer

    return Analyzer(options)


def _analyzed(analyzer: Analyzer, article: Article) -> Report | UnspinError:
    """The article's report, or the error its analysis raised (the run goes on)."""
    return next(iter(analyzer.analyze_many([article])))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120] or "report"


@app.command()
def schema() -> None:
    """Print the report's JSON Schema."""
    from unspin.report import report_schema

    typer.echo(json.dumps(report_schema(), indent=2))


@app.command()
def render(
    report: Annotated[Path, typer.Argument(
        help="A JSON report written by `unspin analyze`, or a batch output folder (with --id).")],
    id: Annotated[str | None, typer.Option(
        "--id", help="The article to render from a batch output folder.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.html,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Render a saved JSON report, or one article of a batch run, as HTML, text or JSON, with
    no model loaded."""
    from unspin.errors import InputError
    from unspin.render import render_html, render_text

    data: dict[str, object]
    if report.is_dir():
        if id is None:
            raise InputError(f"{report} is a batch output folder: say which article with --id ID")
        from unspin.batch.reports import load_report

        data = load_report(report, id).model_dump(mode="json")
    else:
        if id is not None:
            raise InputError("--id picks an article from a batch output folder; "
                             f"{report} is not a folder")
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read a JSON report from {report}: {exc}") from exc
    text = render_html(data) if format is Format.html else (
        json.dumps(data, indent=2, ensure_ascii=False) if format is Format.json
        else render_text(data))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _task_module(group: str, task: str, tasks: tuple[str, ...]) -> object:
    if task not in tasks:
        raise ConfigError(f"unknown {group} task {task!r}; choose from {', '.join(tasks)}")
    try:
        return importlib.import_module(f"unspin.{group}.{task}")
    except ModuleNotFoundError as exc:
        if exc.name == f"unspin.{group}.{task}":
            raise ConfigError(f"`unspin {group} {task}` is not available in this version") from exc
        raise ConfigError(f"`unspin {group} {task}` needs {exc.name!r}: "
                          "pip install 'unspin[models,eval]'") from exc


@app.command("eval")
def eval_(
    task: Annotated[str, typer.Argument(help="extraction, quotes, techniques, narratives or roles")],
    data: Annotated[Path, typer.Option(help="The task's corpus folder (see ../shared/data/README.md).")],
    split: Annotated[str | None, typer.Option(help="Split to score, where the corpus has them (quotes: dev, train, or tune, the part of train the tagger's training holds out).")] = None,
    model: Annotated[str | None, typer.Option(
        help="Score the models trained on this encoder: base or small (default "
        "$UNSPIN_MODEL, else base when installed, else small).")] = None,
) -> None:
    """Score a stage on its public benchmark, beside a baseline run in the same call."""
    from unspin.encoder import using
    from unspin.eval import TASKS

    if not data.is_dir():
        raise ConfigError(f"no such data folder: {data}")
    module = _task_module("eval", task, TASKS)
    with using(model):
        module.run(data, split=split, console=_report_console())  # type: ignore[attr-defined]


def _report_console() -> Console:
    """The console eval and train print their tables on: the terminal's width, or 240
    columns when the output goes to a file or a pipe (rich would cut every table to 80
    columns there, eliding the figures as '0.…')."""
    return Console() if sys.stdout.isatty() else Console(width=240)


@app.command()
def train(
    task: Annotated[str, typer.Argument(help="encoder (first), then techniques, narratives, roles or attribution")],
    data: Annotated[Path, typer.Option(help="The task's training corpus folder.")],
    out: Annotated[Path | None, typer.Option(help="Artifact folder (default: the shipped one).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; training is deterministic given it.")] = 0,
    corrections: Annotated[list[Path] | None, typer.Option(
        "--corrections", help="A corrected `unspin export` (Label Studio JSON or Prodigy JSONL) "
        "to train on as well (techniques, attribution); repeatable.")] = None,
    model: Annotated[str | None, typer.Option(
        help="Which encoder to train on: base (all-mpnet-base-v2) or small (MiniLM-L6). "
        "`train encoder` fine-tunes it; every other task trains its head on it (fine-tuned "
        "encoder first) into that encoder's model folder. Default $UNSPIN_MODEL, else base "
        "when installed, else small.")] = None,
    teacher: Annotated[str | None, typer.Option(
        help="`train encoder` only: distil from this model's fine-tuned encoder (base): the "
        "student also learns the teacher's token outputs, on PTC and on --unlabeled text.")] = None,
    unlabeled: Annotated[list[Path] | None, typer.Option(
        "--unlabeled", help="With --teacher: a folder of unlabeled news for the teacher to "
        "label (PolNeAR, SemEval-2025 or the extraction benchmark; their train text only); "
        "repeatable.")] = None,
) -> None:
    """Train a model-backed stage and write its artifact with provenance."""
    from unspin.train import CORRECTABLE, TASKS

    if not data.is_dir():
        raise ConfigError(f"no such data folder: {data}")
    extra: dict[str, object] = {}
    if model is not None:
        from unspin.encoder import spec

        extra["model"] = spec(model).key
    if teacher is not None or unlabeled:
        if task != "encoder":
            raise ConfigError(f"`unspin train {task}` takes no --teacher or --unlabeled; "
                              "only `unspin train encoder` distils")
        if unlabeled and teacher is None:
            raise ConfigError("--unlabeled text is only read with a --teacher to label it")
        missing = [str(u) for u in unlabeled or () if not u.is_dir()]
        if missing:
            raise ConfigError(f"no such unlabeled folder: {', '.join(missing)}")
        from unspin.encoder import spec

        extra["teacher"] = spec(teacher).key
        extra["unlabeled"] = tuple(unlabeled or ())
    if corrections:
        if task not in CORRECTABLE:
            raise ConfigError(f"`unspin train {task}` takes no --corrections; only "
                              f"{', '.join(CORRECTABLE)} do")
        missing = [str(c) for c in corrections if not c.is_file()]
        if missing:
            raise ConfigError(f"no such corrections file: {', '.join(missing)}")
        extra["corrections"] = tuple(corrections)
    module = _task_module("train", task, TASKS)
    console = _report_console()
    path = module.run(data, out=out, seed=seed, console=console, **extra)  # type: ignore[attr-defined]
    if task == "techniques":  # its artifact records its dev figures, scored by the eval
        from unspin.eval.techniques import record_dev

        record_dev(data, path, console, model=extra.get("model"))  # type: ignore[arg-type]
    typer.echo(f"artifact written to {path}")


def _register_shells() -> None:
    """The batch, corpus, serve and export commands live in their own thin modules."""
    from unspin.cli_batch import batch, corpus
    from unspin.cli_export import export
    from unspin.cli_web import serve

    app.command(help="Analyse many articles (folders, JSONL, WARC, URL lists) into Parquet tables.")(batch)
    app.command(help="Tables and plots over a batch's results (DuckDB): speakers, narratives, outlets.")(corpus)
    app.command(help="Run the local web app (binds to 127.0.0.1 by default).")(serve)
    app.command(help="Write reports' techniques and quotes as Label Studio or Prodigy "
                "pre-annotations, to correct and train on.")(export)


_register_shells()


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app and converts errors to messages and exit codes."""
    try:
        result = app(args=argv, standalone_mode=False)
    except UnspinError as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("aborted")
        return 130
    except typer.TyperException as exc:  # usage errors: bad option values, missing arguments
        message = exc.format_message()
        if message:  # empty when typer has already printed the help (no arguments given)
            err.print(f"[red]error[/red] {message} (see --help)", highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a path that cannot be written (-o, --site) or read: one boundary
        from unspin.errors import FileAccessError

        where = exc.filename if exc.filename is not None else "a file"
        error = FileAccessError(f"cannot use {where}: {exc.strerror or exc}; check the path and "
                                "its permissions", path=str(where))
        err.print(f"[red]error[/red] {error}", highlight=False)
        return error.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
