"""``unspin serve``: run the local web app (FastAPI + uvicorn) — a thin shell over
:func:`unspin.web.create_app`. The lead registers :func:`serve` on the CLI app; ``python -m
unspin.web`` runs it alone.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from unspin.errors import ConfigError
from unspin.options import ALL_STAGES, MB, MODEL_HELP, Options, parse_stages

__all__ = ["is_loopback_host", "serve"]

#: Seconds an idle keep-alive connection stays open (uvicorn's default, said here).
KEEP_ALIVE_S = 5


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
    log_level: Annotated[str, typer.Option(
        help="uvicorn log level: critical, error, warning, info, debug.")] = "info",
    model: Annotated[str | None, typer.Option(help=MODEL_HELP)] = None,
) -> None:
    """Serve the web page and the JSON API (POST /api/analyze; spec at /openapi.json)."""
    try:
        import uvicorn

        from unspin.web import create_app
        from unspin.web.app import BODY_TIMEOUT_S
    except ModuleNotFoundError as exc:
        raise ConfigError(f"`unspin serve` needs {exc.name!r}: pip install 'unspin[web]'") from exc
    chosen = parse_stages(stages)
    options = Options(stages=chosen, allow_private=allow_private, max_bytes=int(max_mb * MB),
                      model=model)
    loopback = is_loopback_host(host)
    if not loopback:
        typer.secho(f"warning: serving on {host}, reachable from other machines; the app has no "
                    "login and analyses whatever it is sent", err=True, fg="yellow")
    hosts = ("127.0.0.1", "localhost", "::1", host) if loopback else None
    timeout = BODY_TIMEOUT_S if body_timeout is None else body_timeout
    if workers == 0:
        from unspin.analyzer import Analyzer

        app = create_app(Analyzer(options), max_body=options.max_bytes, allowed_hosts=hosts,
                         body_timeout=timeout)
    else:
        app = create_app(options=options, workers=workers, max_body=options.max_bytes,
                         allowed_hosts=hosts, body_timeout=timeout)
    service = app.state.service
    typer.echo(f"loading the models ({workers or 'no'} worker process{'es' if workers != 1 else ''})"
               " …", err=True)
    service.start()  # a broken model fails here, with its coded error, before the port opens
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"unspin {', '.join(service.stages) or 'backbone only'} — "
               f"open http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
    # uvicorn (h11) closes an idle keep-alive connection after timeout_keep_alive and caps a
    # request's headers at 16 KB (h11_max_incomplete_event_size); it has no limit on how
    # long a body takes, which the app's guard adds (body_timeout, a 408).
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False,
                timeout_keep_alive=KEEP_ALIVE_S)
