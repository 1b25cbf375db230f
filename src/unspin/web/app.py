"""The web app: ``create_app()`` builds a FastAPI application over one :class:`Analyzer`.

Routes::

    GET  /                 the page: paste text, give a URL or upload a file (no script)
    GET  /report           the empty report frame shown before the first submission
    POST /report           form post from the page; answers render_html(report) for its frame
    POST /api/analyze      JSON {text|html|url, id?} or multipart {file, id?, kind?} -> JSON report
    GET  /api/schema       the report's JSON Schema
    GET  /api/health       liveness, version and the stages that run
    GET  /openapi.json     the OpenAPI document (no /docs: Swagger UI would load from a CDN)

Design, and why:

This module holds the routes and the request guard only. Request parsing is in
:mod:`unspin.web.inputs`, the pages and their CSPs in :mod:`unspin.web.pages`, and the
analyses in :mod:`unspin.web.service`:

* **Models load once, before the port opens** (the lifespan runs ``service.start()``,
  which uvicorn awaits before it binds): in process (``create_app(analyzer)``, one
  analysis at a time under a lock), or in N worker processes (``workers=N``,
  ``unspin serve --workers N``), each with its own models.
* **Every input goes through the one ingest entry**, :func:`unspin.ingest.to_article`,
  outside any lock, so a slow URL does not hold up pasted text.
* **The request body is capped** (``max_body``, default ``options.max_bytes`` = 10 MB) by a
  pure ASGI middleware: a larger Content-Length is refused without passing the body on, and
  a chunked body is counted as it arrives. Either way the answer is 413 in the error shape,
  sent after the rest of the body (up to a bound) has been read and thrown away, so a client
  that writes its whole body before reading (urllib) sees the 413, not a reset connection.
  The whole body must also arrive within ``body_timeout`` (default 60 s) of the request's
  start: a client that sends it slowly or stalls gets a 408 (``BodyTimeoutError``) and the
  connection is closed. (It never held the others, the server being asynchronous; the
  limit frees its connection and request.) The headers' time limit cannot be a middleware
  (the app sees a request only once its headers are in): it is the server's, in
  :mod:`unspin.web.serving`.
* **URLs are fetched only by the guarded fetcher** (:func:`unspin.ingest.url.fetch`): no
  private, loopback or link-local targets unless the options allow them. Tests inject its
  ``transport`` and ``resolver``; the guard itself cannot be swapped out.
* **Every error is** :meth:`UnspinError.to_dict` **JSON**, with the status from
  :func:`status_for`; the HTML form answers the same message as an HTML page.
* **No external requests, everything escaped.** The page has no script at all; the report
  is shown in a sandboxed frame (opaque origin, scripts only), served with a CSP whose only
  allowed script is the renderer's own (by hash), so injected markup could not run even if
  the renderer ever failed to escape it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unspin import __version__
from unspin.analyzer import Analyzer
from unspin.errors import (
    BodyTimeoutError,
    ConfigError,
    InputError,
    InputTooLargeError,
    UnspinError,
    http_status,
)
from unspin.ingest.url import Resolver, resolve
from unspin.options import DEFAULT_OPTIONS, Options
from unspin.render import render_html
from unspin.report import Report, report_schema
from unspin.web.inputs import (
    MULTIPART_SCHEMA,
    AnalyzeRequest,
    RequestError,
    json_input,
    media_type,
    multipart_input,
    page_input,
)
from unspin.web.pages import BLANK, DEFAULT_CSP, PAGE, PAGE_CSP, REPORT_CSP, error_page
from unspin.web.service import InProcess, Service, WorkerPool

__all__ = ["AnalyzeRequest", "ErrorBody", "Health", "create_app", "status_for"]

#: How long a request's whole body may take to arrive (seconds): 10 MB at about 1.3 Mbit/s.
BODY_TIMEOUT_S = 60.0
#: Names a server bound to a loopback address answers to (a guard against DNS rebinding).
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")


# --------------------------------------------------------------------------- API models


class ErrorBody(BaseModel):
    """The one error shape (:meth:`unspin.errors.UnspinError.to_dict`)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable error code, e.g. 'E111'.", examples=["E111"])
    type: str = Field(description="The error class, e.g. 'BlockedURLError'.")
    message: str = Field(description="What went wrong and what to do next.")
    context: dict[str, str] = Field(description="The URL, record, size, field errors…")


class Health(BaseModel):
    """``GET /api/health``: the server is up; which stages run and which were skipped."""

    status: Literal["ok"]
    unspin_version: str
    stages: list[str]
    skipped: dict[str, str]


    workers: int = Field(description="Analysis worker processes (0: in the server process).")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


_ANALYZE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Report, "description": "The report (see GET /api/schema)."},
    400: _error("The body is not valid JSON or not valid multipart form data."),
    408: _error("The request body did not all arrive within the time limit (60 s unless "
                "the server was started with another; BodyTimeoutError), or its headers "
                "within theirs (20 s; HeaderTimeoutError)."),
    413: _error("The request body, or the article in it, is over the size limit "
                "(10 MB unless the server was started with another)."),
    415: _error("The body is neither application/json nor multipart/form-data."),
    422: _error("The request does not match the schema, or its input cannot be analysed: "
                "empty, binary, no article text, or a URL that is blocked or cannot be "
                "fetched (BlockedURLError, FetchError)."),
    500: _error("A stage failed on this input (a bug in unspin: please report it)."),
    503: _error("A model or its package is missing or broken on the server, or the "
                "analysis worker stopped mid-request (WorkerError: send it again)."),
}


#: The HTTP status of an error raised by the library (one map for every web face).
status_for = http_status




# --------------------------------------------------------------------------- middleware


class _BodyTooLarge(Exception):
    pass


class _BodyTimeout(Exception):
    pass


def _body_timeout(seconds: float) -> BodyTimeoutError:
    return BodyTimeoutError(
        f"the request body did not all arrive within {seconds:g} s; send it again, "
        "whole (or analyse large files with the command line)", limit_s=seconds)


def _error_json(status: int, error: UnspinError) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=status, headers={"Cache-Control": "no-store"})


def _too_large(limit: int, size: int | None) -> InputTooLargeError:
    what = f"{size / 1e6:.1f} MB" if size is not None else "over the limit"
    return InputTooLargeError(
        f"the request body is {what}; the limit is {limit / 1e6:.0f} MB — send a smaller "
        "article, or analyse large files with the command line", limit=limit,
        **({"size": size} if size is not None else {}))


def _host_name(header: str) -> str:
    """The name in a Host header, without its port: ``[::1]:8000`` -> ``::1``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


async def _receive_by(receive: Receive, deadline: float) -> Message:
    """``receive()``, or :class:`_BodyTimeout` once the loop's clock passes ``deadline``."""
    left = deadline - asyncio.get_running_loop().time()
    try:
        return await asyncio.wait_for(receive(), max(left, 0.0))
    except TimeoutError:
        raise _BodyTimeout from None


async def _drain(receive: Receive, limit: int, deadline: float) -> None:
    """Read and discard the rest of a request body, at most ``limit`` bytes of it, until
    ``deadline`` (then :class:`_BodyTimeout`)."""
    seen = 0
    while seen <= limit:
        message = await _receive_by(receive, deadline)
        if message["type"] != "http.request":
            return  # the client went away
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class _Guard:
    """Caps the request body, checks the Host header, adds security headers to every answer."""

    def __init__(self, app: ASGIApp, *, max_body: int, allowed_hosts: frozenset[str] | None,
                 body_timeout: float = BODY_TIMEOUT_S) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.allowed_hosts = allowed_hosts
        #: An oversized body up to this size is read and thrown away before the 413 goes
        #: out: a client that sends its whole body before reading the answer (Python's
        #: urllib, no ``Expect: 100-continue``) would otherwise see the connection reset
        #: instead of the 413. Beyond it the server answers at once and closes.
        self.drain_limit = max(4 * max_body, 64 * 1024 * 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        if self.allowed_hosts is not None:
            host = _host_name(headers.get("host", ""))
            if host not in self.allowed_hosts:
                await _error_json(400, InputError(
                    f"this server answers only to {', '.join(sorted(self.allowed_hosts))}",
                    host=host))(scope, receive, send)
                return
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await _error_json(400, InputError("bad Content-Length header"))(
                    scope, receive, send)
                return
            if int(declared) > self.max_body:
                try:
                    if int(declared) <= self.drain_limit:
                        await _drain(receive, self.drain_limit, deadline)
                except _BodyTimeout:
                    await self._timed_out(scope, receive, send)
                    return
                await _error_json(413, _too_large(self.max_body, int(declared)))(
                    scope, receive, send)
                return
        received = 0
        started = False
        body_done = False

        async def counted_receive() -> Message:
            nonlocal received, body_done
            # the body is read with a time limit; what comes after it (a disconnect) is not
            message = await (receive() if body_done else _receive_by(receive, deadline))
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if received > self.max_body:
                    raise _BodyTooLarge
            else:
                body_done = True
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                if b"content-security-policy" not in names:
                    raw.append((b"content-security-policy", DEFAULT_CSP.encode()))
                raw.append((b"x-content-type-options", b"nosniff"))
                raw.append((b"referrer-policy", b"no-referrer"))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, counted_receive, secured_send)
        except _BodyTooLarge:
            if started:
                raise
            if not body_done:  # never wait for a body that has all come in
                try:
                    await _drain(receive, self.drain_limit - received, deadline)
                except _BodyTimeout:
                    await self._timed_out(scope, receive, secured_send)
                    return
            await _error_json(413, _too_large(self.max_body, None))(scope, receive, secured_send)
        except _BodyTimeout:
            if started:
                raise
            await self._timed_out(scope, receive, secured_send)

    async def _timed_out(self, scope: Scope, receive: Receive, send: Send) -> None:
        """408, and the connection closed: the rest of the body is not waited for."""
        response = _error_json(408, _body_timeout(self.body_timeout))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)




# --------------------------------------------------------------------------- the app


def create_app(analyzer: Analyzer | None = None, options: Options | None = None, *,
               workers: int | None = None, max_body: int | None = None,
               allowed_hosts: Sequence[str] | None = None,
               body_timeout: float = BODY_TIMEOUT_S,
               transport: httpx.BaseTransport | None = None,
               resolver: Resolver = resolve) -> FastAPI:
    """The web app over ``analyzer`` (or a new ``Analyzer(options)``), or over ``workers``
    analysis processes built from ``options``.

    ``max_body`` caps the request body in bytes (default ``options.max_bytes``, 10 MB);
    ``allowed_hosts``, when given, is the Host names the app answers to (``unspin serve``
    passes the loopback names when bound to loopback); ``body_timeout`` is how long, in
    seconds, a request's body may take to arrive before the answer is a 408. ``transport`` and ``resolver`` go to
    the guarded URL fetcher (tests pass fakes; the private-address guard always applies).
    The models load in the lifespan (``app.state.service.start()``, which may also be
    called before the server starts, as ``unspin serve`` does).
    """
    service: Service
    if workers is not None:
        if analyzer is not None:
            raise ConfigError("give either an analyzer or workers (which build their own)")
        service = WorkerPool(options or DEFAULT_OPTIONS, workers, transport, resolver)
    else:
        if analyzer is None:
            analyzer = Analyzer(options or DEFAULT_OPTIONS)
        elif options is not None and options != analyzer.options:
            raise ConfigError("give either an analyzer or options, not an analyzer with "
                              "other options")
        service = InProcess(analyzer, transport, resolver)
    limit = max_body if max_body is not None else service.options.max_bytes

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.close)

    app = FastAPI(
        title="unspin", version=__version__, lifespan=lifespan,
        summary="Who says what, in whose voice, with which persuasion techniques and narratives.",
        description="Analyse one news article into a JSON report. Errors always have the "
                    "shape of `ErrorBody`. Bodies over the size limit get 413.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.service = service
    app.add_middleware(
        _Guard, max_body=limit, body_timeout=body_timeout,
        allowed_hosts=frozenset(h.lower().strip("[]") for h in allowed_hosts)
        if allowed_hosts is not None else None)

    @app.exception_handler(UnspinError)
    async def _unspin_error(_request: Request, exc: UnspinError) -> JSONResponse:
        return _error_json(status_for(exc), exc)

    @app.exception_handler(RequestError)
    async def _request_error(_request: Request, exc: RequestError) -> JSONResponse:
        return _error_json(exc.status, exc.error)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
                           for e in exc.errors())
        return _error_json(422, InputError(f"the request does not match the schema: {detail}",
                                           errors=detail))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "no such page; the API is POST /api/analyze (see /openapi.json)",
                    405: "this method is not allowed here (see /openapi.json)"}
        message = messages.get(exc.status_code, str(exc.detail))
        error = (_too_large(limit, None) if exc.status_code == 413
                 else InputError(message, status=exc.status_code))
        return JSONResponse(error.to_dict(), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"Content-Security-Policy": PAGE_CSP})

    @app.get("/report", response_class=HTMLResponse, include_in_schema=False)
    async def blank_report() -> HTMLResponse:
        return HTMLResponse(BLANK, headers={"Content-Security-Policy": REPORT_CSP})

    @app.post("/report", response_class=HTMLResponse, include_in_schema=False)
    async def report_page(request: Request) -> HTMLResponse:
        headers = {"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store"}
        try:
            inp = await page_input(request, limit, service.options.max_bytes)
            report = await service.report(inp)
        except RequestError as exc:
            return HTMLResponse(error_page(exc.status, exc.error), exc.status, headers)
        except UnspinError as exc:
            return HTMLResponse(error_page(status_for(exc), exc), status_for(exc), headers)
        except StarletteHTTPException as exc:  # a malformed multipart body
            error = InputError(str(exc.detail))
            return HTMLResponse(error_page(exc.status_code, error), exc.status_code, headers)
        return HTMLResponse(render_html(report), headers=headers)

    @app.post(
        "/api/analyze", response_model=None, responses=_ANALYZE_RESPONSES, tags=["analysis"],
        summary="Analyse one article",
        description="Send the article as JSON (`text`, `html` or `url`) or upload it as a file "
                    "(multipart `file`). Answers the JSON report.",
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": AnalyzeRequest.model_json_schema()},
            "multipart/form-data": {"schema": MULTIPART_SCHEMA},
        }}},
    )
    async def analyze(request: Request) -> Response:
        media = media_type(request)
        if media == "application/json" or media.endswith("+json"):
            inp = await json_input(request)
        elif media == "multipart/form-data":
            inp = await multipart_input(request, limit, service.options.max_bytes)
        else:
            raise RequestError(415, InputError(
                f"send application/json or multipart/form-data, not {media or 'no content type'!r}"))
        report = await service.report(inp)
        return Response(report.to_json(indent=None), media_type="application/json",
                        headers={"Cache-Control": "no-store"})

    @app.get("/api/schema", tags=["analysis"], summary="The report's JSON Schema",
             responses={200: {"description": "A JSON Schema (draft 2020-12) of the report.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}})
    async def schema() -> JSONResponse:
        return JSONResponse(report_schema())

    @app.get("/api/health", tags=["service"], summary="Liveness and the stages that run")
    async def health() -> Health:
        return Health(status="ok", unspin_version=__version__, stages=list(service.stages),
                      skipped=dict(service.skipped), workers=service.workers)

    return app


