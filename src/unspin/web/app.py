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

* **Models load once**, in the lifespan, on a worker thread; requests reuse them.
* **Analyses run one at a time.** spaCy and the model-backed stages are not documented as
  thread-safe, and on a couple of cores running two at once buys little, so the analysis
  runs in the threadpool (never on the event loop) under one lock. URL fetches run outside
  the lock, so a slow site does not hold up pasted text.
* **The request body is capped** (``max_body``, default ``options.max_bytes`` = 10 MB) by a
  pure ASGI middleware: a larger Content-Length is refused without passing the body on, and
  a chunked body is counted as it arrives. Either way the answer is 413 in the error shape,
  sent after the rest of the body (up to a bound) has been read and thrown away, so a client
  that writes its whole body before reading (urllib) sees the 413, not a reset connection.
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

import base64
import hashlib
import html as html_lib
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePath
from string import Template
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unspin import __version__
from unspin.analyze import Analyzer
from unspin.article import Article, Source
from unspin.errors import (
    ConfigError,
    FetchError,
    InputError,
    InputTooLargeError,
    ModelError,
    UnspinError,
)
from unspin.ingest import detect_kind, from_string, text_id
from unspin.ingest.decode import check_size, decode_bytes
from unspin.ingest.html import extract_html
from unspin.ingest.url import Resolver, fetch, resolve
from unspin.options import DEFAULT_OPTIONS, Options
from unspin.render import render_html
from unspin.report import Report, report_schema

__all__ = ["AnalyzeRequest", "ErrorBody", "Health", "create_app", "status_for"]

Kind = Literal["auto", "text", "html"]

_log = logging.getLogger("unspin.web")

#: Names a server bound to a loopback address answers to (a guard against DNS rebinding).
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")


# --------------------------------------------------------------------------- API models


def _request_schema_extra(schema: dict[str, Any]) -> None:
    schema["oneOf"] = [{"required": ["text"]}, {"required": ["html"]}, {"required": ["url"]}]
    schema["examples"] = [{"text": "The minister said the plan \"will fail\".", "id": "a1"}]
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)  # absent means "not given", never null


_Content = Annotated[str, StringConstraints(pattern=r"\S")]
_Url = Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2048)]
_Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AnalyzeRequest(BaseModel):
    """The JSON body of ``POST /api/analyze``: exactly one of ``text``, ``html`` or ``url``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_request_schema_extra)

    text: _Content | SkipJsonSchema[None] = Field(
        default=None, description="The article as plain text.")
    html: _Content | SkipJsonSchema[None] = Field(
        default=None, description="The article's HTML page; its main text is extracted first.")
    url: _Url | SkipJsonSchema[None] = Field(
        default=None,
        description="A public http(s) URL to fetch (private, loopback and link-local hosts "
                    "are refused unless the server allows them).")
    id: _Id | SkipJsonSchema[None] = Field(
        default=None, description="The report's id (default: derived from the content or URL).")

    @model_validator(mode="after")
    def _exactly_one_source(self) -> AnalyzeRequest:
        given = [k for k in ("text", "html", "url") if k in self.model_fields_set]
        if len(given) != 1:
            raise ValueError("give exactly one of text, html or url"
                             + (f" (got {', '.join(given)})" if given else ""))
        for key in ("text", "html", "url", "id"):
            if key in self.model_fields_set and getattr(self, key) is None:
                raise ValueError(f"{key} must be a string, not null")
        return self


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


_MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "additionalProperties": False,
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "An article as a text or HTML file (UTF-8 or a detectable "
                                "encoding)."},
        "id": {"type": "string", "minLength": 1, "maxLength": 200},
        "kind": {"type": "string", "enum": ["auto", "text", "html"], "default": "auto",
                 "description": "Force text or HTML instead of detecting it."},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


_ANALYZE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Report, "description": "The report (see GET /api/schema)."},
    400: _error("The body is not valid JSON or not valid multipart form data."),
    413: _error("The request body, or the article in it, is over the size limit "
                "(10 MB unless the server was started with another)."),
    415: _error("The body is neither application/json nor multipart/form-data."),
    422: _error("The request does not match the schema, or its input cannot be analysed: "
                "empty, binary, no article text, or a URL that is blocked or cannot be "
                "fetched (BlockedURLError, FetchError)."),
    500: _error("A stage failed on this input (a bug in unspin: please report it)."),
    503: _error("A model or its package is missing or broken on the server."),
}


def status_for(exc: UnspinError) -> int:
    """The HTTP status of an error raised by the library."""
    if isinstance(exc, InputTooLargeError):
        return 413
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, ModelError):
        return 503
    return 500


class _RequestError(Exception):
    """An error about the request itself (not JSON, wrong media type…), with its status."""

    def __init__(self, status: int, error: UnspinError) -> None:
        super().__init__(str(error))
        self.status = status
        self.error = error


# --------------------------------------------------------------------------- the service


@dataclass(frozen=True)
class _Input:
    content: str | None = None
    kind: Kind = "auto"
    url: str | None = None
    upload: tuple[str, bytes] | None = None
    id: str | None = None


def _check_url_syntax(url: str) -> None:
    """Raise FetchError for a URL that ``urlsplit`` or httpx would reject with a bare error."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise FetchError(f"{url!r} is not a valid URL ({exc}); check it", url=url) from exc


class _Service:
    """Turns one request's input into a Report; owns the analyzer and the analysis lock."""

    def __init__(self, analyzer: Analyzer, transport: httpx.BaseTransport | None,
                 resolver: Resolver) -> None:
        self.analyzer = analyzer
        self.options = analyzer.options
        self.transport = transport
        self.resolver = resolver
        self.lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the models (once; a missing model fails here), then run one short text
        through them so the first request is not the slow one."""
        self.analyzer.pipeline  # noqa: B018  (the property builds the pipeline)
        with self.lock:
            try:
                self.analyzer.analyze("The council said on Monday that the bridge would reopen.")
            except UnspinError as exc:  # the server still answers; each request reports its own
                _log.warning("warm-up analysis failed: %s", exc)

    async def report(self, inp: _Input) -> Report:
        return await run_in_threadpool(self._report, inp)

    def _report(self, inp: _Input) -> Report:
        t0 = time.perf_counter()
        fetched = None
        if inp.url is not None:  # outside the lock: a slow site must not hold up the others
            _check_url_syntax(inp.url)
            fetched = fetch(inp.url, self.options, transport=self.transport,
                            resolver=self.resolver)
        with self.lock:
            if fetched is not None:
                article = self._from_fetched(*fetched, id=inp.id)
            elif inp.upload is not None:
                article = self._from_upload(*inp.upload, kind=inp.kind, id=inp.id)
            else:
                article = from_string(inp.content or "", self.options, id=inp.id,
                                      kind=None if inp.kind == "auto" else inp.kind)
            return self.analyzer.analyze_article(
                article, ingest_ms=(time.perf_counter() - t0) * 1000)

    def _from_fetched(self, body: bytes, final_url: str, charset: str | None, *,
                      id: str | None) -> Article:
        text = decode_bytes(body, final_url, declared=charset)
        rid = id or text_id(final_url)
        if detect_kind(final_url, text) == "html":
            return extract_html(text, id=rid, url=final_url, kind="url")
        return Article(id=rid, raw_text=text, source=Source(kind="url", url=final_url))

    def _from_upload(self, name: str, data: bytes, *, kind: Kind, id: str | None) -> Article:
        check_size(len(data), self.options.max_bytes, name)
        if name.lower().endswith((".jsonl", ".ndjson", ".jsonl.gz", ".gz")):
            raise InputError(f"{name}: upload one article as a text or HTML file; for JSONL "
                             "or compressed collections use `unspin batch`", file=name)
        text = decode_bytes(data, name)
        if kind == "auto":
            kind = "html" if detect_kind(name, text) == "html" else "text"
        rid = id or PurePath(name).stem[:120] or None
        return from_string(text, self.options, id=rid, kind=kind)


# --------------------------------------------------------------------------- request parsing


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _field_errors(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors(include_url=False, include_input=False):
        if e["type"] == "none_required":  # the other branch of `str | None`: noise
            continue
        loc = str(e["loc"][0]) if e["loc"] else "body"
        parts.append(f"{loc}: {e['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


async def _json_input(request: Request) -> _Input:
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _RequestError(400, InputError(
            f"the request body is not valid JSON ({exc}); send "
            '{"text": "…"}, {"html": "…"} or {"url": "https://…"}')) from exc
    try:
        req = AnalyzeRequest.model_validate(data)
    except ValidationError as exc:
        raise _RequestError(422, InputError(
            "the request does not match the schema (see /openapi.json): " + _field_errors(exc),
            errors=_field_errors(exc))) from exc
    if req.url is not None:
        return _Input(url=req.url, id=req.id)
    if req.html is not None:
        return _Input(content=req.html, kind="html", id=req.id)
    return _Input(content=req.text, kind="text", id=req.id)


async def _read_form(request: Request, max_body: int) -> FormData:
    return await request.form(max_files=1, max_fields=16, max_part_size=max_body)


async def _upload_bytes(value: UploadFile | str, limit: int) -> tuple[str, bytes]:
    if isinstance(value, str):
        return "upload", value.encode("utf-8", "surrogatepass")
    data = await value.read(limit + 1)
    return (value.filename or "upload"), data


def _kind(value: object) -> Kind:
    if value in (None, "", "auto"):
        return "auto"
    if value in ("text", "html"):
        return value
    raise _RequestError(422, InputError(f"kind must be auto, text or html, not {value!r}"))


def _id(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise _RequestError(422, InputError("id must be a string of at most 200 characters"))
    return value


async def _multipart_input(request: Request, max_body: int, max_bytes: int) -> _Input:
    form = await _read_form(request, max_body)
    try:
        unknown = sorted(set(form.keys()) - {"file", "id", "kind"})
        if unknown:
            raise _RequestError(422, InputError(
                f"unknown form field(s) {', '.join(unknown)}; send file, and optionally id "
                "and kind", fields=",".join(unknown)))
        if "file" not in form:
            raise _RequestError(422, InputError(
                "the multipart form has no file field; send the article as `file`"))
        if len(form.getlist("file")) > 1:
            raise _RequestError(422, InputError("send one file per request"))
        upload = await _upload_bytes(form["file"], max_bytes)
        return _Input(upload=upload, kind=_kind(form.get("kind")), id=_id(form.get("id")))
    finally:
        await form.close()


async def _page_input(request: Request, max_body: int, max_bytes: int) -> _Input:
    """The page's form: whichever one of text, URL or file was given."""
    if _media_type(request) not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise _RequestError(415, InputError("post the page's form (multipart/form-data)"))
    form = await _read_form(request, max_body)
    try:
        text = form.get("text")
        url = form.get("url")
        file = form.get("file")
        kind, rid = _kind(form.get("kind")), _id(form.get("id"))
        given: list[_Input] = []
        if isinstance(text, str) and text.strip():
            given.append(_Input(content=text, kind=kind, id=rid))
        if isinstance(url, str) and url.strip():
            given.append(_Input(url=url.strip(), id=rid))
        if isinstance(file, UploadFile) and (file.filename or (file.size or 0) > 0):
            given.append(_Input(upload=await _upload_bytes(file, max_bytes), kind=kind, id=rid))
        if len(given) != 1:
            raise _RequestError(422, InputError(
                "give one of: pasted text, a URL or a file" + (" (not several)" if given else "")))
        return given[0]
    finally:
        await form.close()


# --------------------------------------------------------------------------- pages

_SCRIPT_SHA256 = base64.b64encode(hashlib.sha256(
    resources.files("unspin.render").joinpath("report.js").read_text(encoding="utf-8")
    .encode("utf-8")).digest()).decode("ascii")

#: The page: no script, forms only to itself, frames only from itself.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
            "frame-src 'self'; base-uri 'none'; frame-ancestors 'none'")
#: The report frame: the renderer's own script (by hash) and nothing else, in a sandbox.
REPORT_CSP = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_SHA256}'; "
              "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
              "sandbox allow-scripts")
#: JSON and everything else.
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"

def _template(name: str) -> str:
    """A page template shipped as a package file beside this module (``web/*.html``)."""
    return resources.files("unspin.web").joinpath(name).read_text(encoding="utf-8")


_PAGE = Template(_template("page.html")).substitute(style=_template("page.css"))
_BLANK = _template("blank.html")
_ERROR = Template(_template("error.html"))


def _page() -> str:
    return _PAGE


def _error_page(status: int, error: UnspinError) -> str:
    e = html_lib.escape
    return _ERROR.substitute(
        status=status, name=e(type(error).__name__), code=e(error.code), message=e(error.message),
        details=e(json.dumps(error.to_dict(), indent=2, ensure_ascii=False)))


# --------------------------------------------------------------------------- middleware


class _BodyTooLarge(Exception):
    pass


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


async def _drain(receive: Receive, limit: int) -> None:
    """Read and discard the rest of a request body, at most ``limit`` bytes of it."""
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class _Guard:
    """Caps the request body, checks the Host header, adds security headers to every answer."""

    def __init__(self, app: ASGIApp, *, max_body: int, allowed_hosts: frozenset[str] | None
                 ) -> None:
        self.app = app
        self.max_body = max_body
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
                if int(declared) <= self.drain_limit:
                    await _drain(receive, self.drain_limit)
                await _error_json(413, _too_large(self.max_body, int(declared)))(
                    scope, receive, send)
                return
        received = 0
        started = False
        body_done = False

        async def counted_receive() -> Message:
            nonlocal received, body_done
            message = await receive()
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
                await _drain(receive, self.drain_limit - received)
            await _error_json(413, _too_large(self.max_body, None))(scope, receive, secured_send)


# --------------------------------------------------------------------------- the app


def create_app(analyzer: Analyzer | None = None, options: Options | None = None, *,
               max_body: int | None = None, allowed_hosts: Sequence[str] | None = None,
               transport: httpx.BaseTransport | None = None,
               resolver: Resolver = resolve) -> FastAPI:
    """The web app over ``analyzer`` (or a new ``Analyzer(options)``).

    ``max_body`` caps the request body in bytes (default ``options.max_bytes``, 10 MB);
    ``allowed_hosts``, when given, is the Host names the app answers to (``unspin serve``
    passes the loopback names when bound to loopback). ``transport`` and ``resolver`` go to
    the guarded URL fetcher (tests pass fakes; the private-address guard always applies).
    """
    if analyzer is None:
        analyzer = Analyzer(options or DEFAULT_OPTIONS)
    elif options is not None and options != analyzer.options:
        raise ConfigError("give either an analyzer or options, not an analyzer with other options")
    service = _Service(analyzer, transport, resolver)
    limit = max_body if max_body is not None else service.options.max_bytes

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.warm_up)
        yield

    app = FastAPI(
        title="unspin", version=__version__, lifespan=lifespan,
        summary="Who says what, in whose voice, with which persuasion techniques and narratives.",
        description="Analyse one news article into a JSON report. Errors always have the "
                    "shape of `ErrorBody`. Bodies over the size limit get 413.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.service = service
    app.add_middleware(
        _Guard, max_body=limit,
        allowed_hosts=frozenset(h.lower().strip("[]") for h in allowed_hosts)
        if allowed_hosts is not None else None)

    @app.exception_handler(UnspinError)
    async def _unspin_error(_request: Request, exc: UnspinError) -> JSONResponse:
        return _error_json(status_for(exc), exc)

    @app.exception_handler(_RequestError)
    async def _request_error(_request: Request, exc: _RequestError) -> JSONResponse:
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
        return HTMLResponse(_page(), headers={"Content-Security-Policy": PAGE_CSP})

    @app.get("/report", response_class=HTMLResponse, include_in_schema=False)
    async def blank_report() -> HTMLResponse:
        return HTMLResponse(_BLANK, headers={"Content-Security-Policy": REPORT_CSP})

    @app.post("/report", response_class=HTMLResponse, include_in_schema=False)
    async def report_page(request: Request) -> HTMLResponse:
        headers = {"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store"}
        try:
            inp = await _page_input(request, limit, service.options.max_bytes)
            report = await service.report(inp)
        except _RequestError as exc:
            return HTMLResponse(_error_page(exc.status, exc.error), exc.status, headers)
        except UnspinError as exc:
            return HTMLResponse(_error_page(status_for(exc), exc), status_for(exc), headers)
        except StarletteHTTPException as exc:  # a malformed multipart body
            error = InputError(str(exc.detail))
            return HTMLResponse(_error_page(exc.status_code, error), exc.status_code, headers)
        return HTMLResponse(render_html(report), headers=headers)

    @app.post(
        "/api/analyze", response_model=None, responses=_ANALYZE_RESPONSES, tags=["analysis"],
        summary="Analyse one article",
        description="Send the article as JSON (`text`, `html` or `url`) or upload it as a file "
                    "(multipart `file`). Answers the JSON report.",
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": AnalyzeRequest.model_json_schema()},
            "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
        }}},
    )
    async def analyze(request: Request) -> Response:
        media = _media_type(request)
        if media == "application/json" or media.endswith("+json"):
            inp = await _json_input(request)
        elif media == "multipart/form-data":
            inp = await _multipart_input(request, limit, service.options.max_bytes)
        else:
            raise _RequestError(415, InputError(
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
        pipe = await run_in_threadpool(lambda: service.analyzer.pipeline)
        return Health(status="ok", unspin_version=__version__, stages=list(pipe.stages),
                      skipped=dict(pipe.skipped))

    return app

