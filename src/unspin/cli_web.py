"""``unspin serve``: run the local web app (FastAPI + uvicorn) — a thin shell over
:func:`unspin.web.create_app`. The lead registers :func:`serve` on the CLI app; ``python -m
unspin.web`` runs it alone.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from unspin.errors import ConfigError
from unspin.options import ALL_STAGES, MB, MODEL_HELP, Options, parse_stages

if TYPE_CHECKING:
    from unspin.corpus import Corpus

__all__ = ["is_loopback_host", "serve"]

def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option(
        help="Address to listen on. The app has no login: keep it on loopback unless you "
             "mean to share it.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    stages: Annotated[str | None, typer.Option(
        help=f"Comma-separated stages to run (default all: {','.join(ALL_STAGES)}; "
             "'none' for the backbone alone).")] = None,
    allow_private: Annotated[bool, typer.Option(
        help="Let the server fetch URLs on private, loopback or link-local addresses.")] = False,
    max_mb: Annotated[float, typer.Option(
        help="Refuse request bodies and articles larger than this (MB).")] = 10.0,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=0, max=64,
        help="Analysis worker processes, each with its own models (memory: ~1 GB each). "
             "0 analyses in the server process, one request at a time.")] = 1,
    body_timeout: Annotated[float | None, typer.Option(
        min=0.1, help="Seconds a request's body may take to arrive (default 60); a slower "
                      "one gets 408 and its connection is closed.")] = None,
    header_timeout: Annotated[float | None, typer.Option(
        min=0.1, help="Seconds a request's headers may take to arrive (default 20); a slower "
                      "client gets 408 and its connection is closed.")] = None,
    log_level: Annotated[str, typer.Option(
        help="uvicorn log level: critical, error, warning, info, debug.")] = "info",
    model: Annotated[str | None, typer.Option(help=MODEL_HELP)] = None,
    corpus: Annotated[list[Path] | None, typer.Option(
        help="Explore this batch output live at /corpus (repeat: several read as one "
             "corpus); alone unless --analysis.")] = None,
    analysis: Annotated[bool, typer.Option(
        "--analysis", help="With --corpus: serve the analysis page beside the explorer.")] = False,
    time_limit: Annotated[float, typer.Option(
        min=0.1, help="With --corpus: stop any corpus query after this many seconds.")] = 30.0,
) -> None:
    """Serve the web page and the JSON API (POST /api/analyze; spec at /openapi.json), or
    with --corpus the corpus explorer (/corpus, /api/corpus/…)."""
    try:
        import uvicorn

        from unspin.web import create_app
        from unspin.web.app import BODY_TIMEOUT_S
        from unspin.web.serving import HEADER_TIMEOUT_S, server_options
    except ModuleNotFoundError as exc:
        raise ConfigError(f"`unspin serve` needs {exc.name!r}: pip install 'unspin[web]'") from exc
    if analysis and not corpus:
        raise ConfigError("--analysis goes with --corpus (the analysis page is served anyway "
                          "without it)")
    loopback = is_loopback_host(host)
    hosts = ("127.0.0.1", "localhost", "::1", host) if loopback else None
    heads = HEADER_TIMEOUT_S if header_timeout is None else header_timeout
    if corpus and not analysis:
        _serve_corpus(corpus, host=host, port=port, hosts=hosts, time_limit=time_limit,
                      log_level=log_level, header_timeout=heads)
        return
    chosen = parse_stages(stages)
    options = Options(stages=chosen, allow_private=allow_private, max_bytes=int(max_mb * MB),
                      model=model)
    if not loopback:
        typer.secho(f"warning: serving on {host}, reachable from other machines; the app has no "
                    "login and analyses whatever it is sent", err=True, fg="yellow")
    timeout = BODY_TIMEOUT_S if body_timeout is None else body_timeout
    if workers == 0:
        from unspin.analyzer import Analyzer

        app = create_app(Analyzer(options), max_body=options.max_bytes, allowed_hosts=hosts,
                         body_timeout=timeout)
    else:
        app = create_app(options=options, workers=workers, max_body=options.max_bytes,
                         allowed_hosts=hosts, body_timeout=timeout)
    if corpus:
        from unspin.corpus.server import corpus_router

        app.include_router(corpus_router(_open_corpus(corpus, time_limit)))
    service = app.state.service
    typer.echo(f"loading the models ({workers or 'no'} worker process{'es' if workers != 1 else ''})"
               " …", err=True)
    service.start()  # a broken model fails here, with its coded error, before the port opens
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"unspin {', '.join(service.stages) or 'backbone only'} — "
               f"open http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
    # uvicorn (h11) closes an idle keep-alive connection and caps a request's headers at
    # 16 KB; the time its headers take is limited by the protocol server_options names
    # (header_timeout), the time its body takes by the app's guard (body_timeout): both 408.
    uvicorn.run(app, host=host, port=port, log_level=log_level, **server_options(heads))


def _open_corpus(folders: list[Path], time_limit: float) -> Corpus:
    """The corpus, with its search index brought up to date (only the new shards)."""
    from unspin.corpus import Corpus
    from unspin.corpus.search import build_index

    for folder in folders:
        done = build_index(folder)
        if done["shards"]:
            typer.echo(f"{folder}: indexed {done['shards']} new shards for search", err=True)
    return Corpus(folders, time_limit=time_limit)


def _serve_corpus(folders: list[Path], *, host: str, port: int, hosts: tuple[str, ...] | None,
                  time_limit: float, log_level: str, header_timeout: float) -> None:
    import uvicorn

    from unspin.corpus.server import create_corpus_app
    from unspin.web.serving import server_options

    if hosts is None:
        typer.secho(f"warning: serving on {host}, reachable from other machines; the explorer "
                    "has no login", err=True, fg="yellow")
    db = _open_corpus(folders, time_limit)
    app = create_corpus_app(db, allowed_hosts=list(hosts) if hosts else None)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"unspin corpus explorer — open http://{shown}:{port}/corpus (Ctrl+C to stop)",
               err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level,
                    **server_options(header_timeout))
    finally:
        db.close()
