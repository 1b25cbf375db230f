"""The live corpus explorer: ``unspin serve --corpus OUT``.

Routes (every one a GET; a page and its JSON twin come from one data function in
:mod:`unspin.corpus.views`, and each page links to its twin)::

    /corpus                 the corpus page with its filter form      /api/corpus
    /corpus/query/{name}    one named query's rows as a table         /api/corpus/query/{name}
    /corpus/behind          the articles behind a count               /api/corpus/behind
    /corpus/search          full-text search, with snippets           /api/corpus/search
    /corpus/article?id=     one article's report                      /api/corpus/article?id=

The filters are query parameters named as ``unspin corpus``'s flags (``since``, ``until``,
``outlet`` (repeat), ``speaker``, ``narrative``, ``technique``, ``gender``, ``stance``,
``compare``, ``period``, ``all-copies``, ``top``), parsed by :class:`Filters` alone: the URL
is the whole state of a view. A count is named by ``behind=KEY=VALUE`` (repeat), as
``--behind`` names it. Every value is validated and bound, never written into SQL; a bad
one is a 400 with its coded message (:class:`~unspin.errors.FilterError`, E302; a search
that does not parse, E303), a query past the time limit a 503 (E600). The app is
read-only: it opens the Parquet files and the search index for reading, and answers GET
only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from unspin.corpus.db import Corpus
from unspin.corpus.filters import PARAMS, Filters
from unspin.corpus.queries import QUERIES, Drill
from unspin.errors import FilterError, InputError, UnspinError, http_status

__all__ = ["CORPUS_CSP", "corpus_router", "create_corpus_app"]

#: The corpus pages: no script, forms only to the server itself.
CORPUS_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_STR = Annotated[str | None, Query()]
_LIST = Annotated[list[str] | None, Query()]
_EXTRA = ("q", "behind", "id", "limit")


def _params(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query, keep_blank_values=True)


def _filters(db: Corpus, request: Request) -> Filters:
    return db.resolve(Filters.from_params(_params(request), ignore=_EXTRA))


def _drill(request: Request) -> Drill:
    drill: Drill = {}
    for item in _params(request).get("behind", []):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise FilterError(f"behind takes KEY=VALUE, not {item!r}", param="behind")
        drill[key.strip()] = value
    if "failures" in drill and set(drill) - {"failures", "stage", "code"}:
        raise FilterError("behind=failures= takes only stage= and code= beside it",
                          param="behind")
    if "copies" in drill and set(drill) != {"copies"}:
        raise FilterError("behind=copies= takes nothing beside it", param="behind")
    return drill


def _limit(request: Request, default: int, most: int) -> int:
    values = _params(request).get("limit", [])
    if not values:
        return default
    if len(values) > 1 or not values[0].isdigit() or not 1 <= int(values[0]) <= most:
        raise FilterError(f"limit is a whole number 1 to {most}", param="limit")
    return int(values[0])


def _error_json(exc: UnspinError) -> JSONResponse:
    return JSONResponse(exc.to_dict(), status_code=http_status(exc),
                        headers={"Cache-Control": "no-store"})


def _error_html(exc: UnspinError) -> HTMLResponse:
    from unspin.web.pages import error_page

    status = http_status(exc)
    return HTMLResponse(error_page(status, exc), status,
                        headers={"Content-Security-Policy": CORPUS_CSP})


def _html(text: str) -> HTMLResponse:
    return HTMLResponse(text, headers={"Content-Security-Policy": CORPUS_CSP})


_FILTER_DOC = {
    "since": "Only articles published on or after this date (YYYY-MM-DD).",
    "until": "Only articles published on or before this date (YYYY-MM-DD).",
    "outlet": "Only these outlets (repeat, or comma-separated).",
    "speaker": "Only articles quoting these speakers (canonical name or alias).",
    "narrative": "Only articles carrying one of these narratives.",
    "technique": "Only articles with one of these techniques.",
    "gender": "Only articles quoting a person of one of these genders.",
    "stance": "Only articles with a quote whose reporting verb has one of these stances.",
    "compare": "Two outlets side by side over time: A,B (replaces outlet).",
    "period": "Timeline period: week or month.",
    "all-copies": "true counts every copy of a story (default: copies folded).",
    "top": "Rows per ranking, 0 to 1000 (default 20).",
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A filter, drill-down or search that cannot be answered: a bad "
                         "date, an outlet, speaker or label the corpus lacks, a query that "
                         "does not parse (ErrorBody, codes E302, E303)."},
    422: {"description": "A parameter of the wrong shape (ErrorBody)."},
    503: {"description": "The query ran past the server's time limit (ErrorBody, E600)."},
}


def _openapi_filters() -> list[dict[str, Any]]:
    """The filters as OpenAPI parameters (declared here, parsed by :class:`Filters`)."""
    out = []
    for name in PARAMS:
        many = name in ("outlet", "speaker", "narrative", "technique", "gender", "stance")
        schema: dict[str, Any] = ({"type": "array", "items": {"type": "string"}} if many
                                  else {"type": "string"})
        out.append({"name": name, "in": "query", "required": False, "schema": schema,
                    "description": _FILTER_DOC[name], **({"explode": True} if many else {})})
    return out


def corpus_router(db: Corpus, *, page_limit: int = 100) -> APIRouter:
    """The explorer's routes over an open corpus (add them to any FastAPI app)."""
    from unspin.corpus import views
    from unspin.corpus.render import count_page, filter_form, page_html, rows_table, search_page
    from unspin.corpus.render import shell as page_shell

    router = APIRouter()
    cached: dict[str, Any] = {}

    def choices() -> dict[str, list[str]]:
        if "choices" not in cached:
            cached["choices"] = views.choices(db)
        return dict(cached["choices"])

    def article_href(rid: str) -> str:
        return "/corpus/article?id=" + quote(rid, safe="")

    def linker(f: Filters) -> Callable[[Drill], str]:
        base = f.to_params()

        def link(drill: Drill) -> str:
            return "/corpus/behind?" + urlencode(
                [*base, *(("behind", f"{k}={v}") for k, v in sorted(drill.items()))])
        return link

    def nav(f: Filters, json_path: str, extra: list[tuple[str, str]] | None = None) -> str:
        query = urlencode([*f.to_params(), *(extra or [])])
        return (f' · <a href="/corpus?{_esc(f.query_string())}">corpus page</a> · '
                f'<a href="/corpus/search?{_esc(f.query_string())}">search</a> · '
                f'<a href="{_esc(json_path)}?{_esc(query)}" rel="alternate" '
                f'type="application/json">JSON</a>')

    extra = {"parameters": _openapi_filters()}

    def guarded(render: Callable[[], Response], html: bool) -> Response:
        try:
            return render()
        except UnspinError as exc:
            return _error_html(exc) if html else _error_json(exc)

    # ------------------------------------------------------------------ the page

    @router.get("/corpus", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request) -> Response:
        def render() -> Response:
            f = _filters(db, request)
            data = views.page_data(db, f)
            form = filter_form(data, choices(), action="/corpus")
            return _html(page_html(data, title=f"unspin corpus — {db.out.name}",
                                   subtitle=", ".join(map(str, db.outs)), link=linker(f),
                                   form=form, nav=f"<p>{nav(f, '/api/corpus')[3:]}</p>"))
        return guarded(render, True)

    @router.get("/api/corpus", tags=["corpus"], summary="The corpus page's data",
                responses=_ERRORS, openapi_extra=extra,
                description="Every table of the corpus page under the filters: the summary, "
                            "top speakers, outlets, outlets × techniques, timelines…")
    def page_json(request: Request) -> Response:
        return guarded(lambda: JSONResponse(views.page_data(db, _filters(db, request))), False)

    # ------------------------------------------------------------------ one query

    @router.get("/corpus/query/{name}", response_class=HTMLResponse, include_in_schema=False)
    def query_page(name: str, request: Request) -> Response:
        def render() -> Response:
            f = _filters(db, request)
            data = views.query_data(db, _known_query(name), f)
            rows = data["rows"]
            cols = list(rows[0]) if rows else []
            body = (f'<section><p class="note total" data-total="{len(rows)}">{len(rows)} rows; '
                    f'{_esc(data["filters"]["description"])}</p>'
                    f'{rows_table(cols, rows) if rows else ""}</section>')
            return _html(page_shell(name, f"<p>{nav(f, f'/api/corpus/query/{name}')[3:]}</p>",
                                    body))
        return guarded(render, True)

    @router.get("/api/corpus/query/{name}", tags=["corpus"], summary="One named query's rows",
                responses=_ERRORS, openapi_extra=extra,
                description="Names: " + ", ".join(QUERIES) + " (an unknown name is a 400).")
    def query_json(name: str, request: Request) -> Response:
        return guarded(lambda: JSONResponse(
            views.query_data(db, _known_query(name), _filters(db, request))), False)

    # ------------------------------------------------------------------ behind a count

    behind_extra = {"parameters": [*_openapi_filters(), {
        "name": "behind", "in": "query", "required": False, "explode": True,
        "schema": {"type": "array", "items": {"type": "string"}},
        "description": "The count: KEY=VALUE (repeat), KEY one of speaker, narrative, "
                       "technique, outlet, month, week, has, quote, gender; or failures= "
                       "(with stage=, code=), or copies=."}, {
        "name": "limit", "in": "query", "required": False, "schema": {"type": "string"},
        "description": f"Rows listed, 1 to {page_limit * 10} (default {page_limit})."}]}

    @router.get("/corpus/behind", response_class=HTMLResponse, include_in_schema=False)
    def behind_page(request: Request) -> Response:
        def render() -> Response:
            f = _filters(db, request)
            drill = _drill(request)
            data = views.behind_data(db, drill, f, limit=_limit(request, page_limit,
                                                                  page_limit * 10))
            more_q = urlencode([*f.to_params(), *(("behind", f"{k}={v}") for k, v in drill.items()),
                                ("limit", str(min(data["articles"], page_limit * 10)))])
            more = f' <a href="/corpus/behind?{_esc(more_q)}">Show more</a>.'
            behind = [("behind", f"{k}={v}") for k, v in drill.items()]
            return _html(count_page(data, href=article_href, up=f"/corpus?{f.query_string()}",
                                    more=more, nav=nav(f, "/api/corpus/behind", behind)))
        return guarded(render, True)

    @router.get("/api/corpus/behind", tags=["corpus"], summary="The articles behind a count",
                responses=_ERRORS, openapi_extra=behind_extra)
    def behind_json(request: Request) -> Response:
        return guarded(lambda: JSONResponse(views.behind_data(
            db, _drill(request), _filters(db, request),
            limit=_limit(request, page_limit, page_limit * 10))), False)

    # ------------------------------------------------------------------ search

    search_extra = {"parameters": [{
        "name": "q", "in": "query", "required": True, "schema": {"type": "string"},
        "description": 'The search: words, "phrases", AND, OR, NOT, field:word (title, '
                       "text, quote, speaker, outlet)."}, *_openapi_filters()]}

    @router.get("/corpus/search", response_class=HTMLResponse, include_in_schema=False)
    def search_html(request: Request) -> Response:
        q = (_params(request).get("q") or [""])[0]
        try:
            f = _filters(db, request)
        except UnspinError as exc:
            return _error_html(exc)
        data_for_form = {"filters": views.filters_data(db, f)}
        form = filter_form(data_for_form, choices(), action="/corpus/search", q=q)
        if not q.strip():
            return _html(search_page(None, form=form, href=article_href,
                                     up=f"/corpus?{f.query_string()}"))
        try:
            data = views.search_data(db, q, f)
        except UnspinError as exc:
            page = search_page(None, form=form, href=article_href,
                               up=f"/corpus?{f.query_string()}", error=str(exc))
            return HTMLResponse(page, http_status(exc),
                                headers={"Content-Security-Policy": CORPUS_CSP})
        return _html(search_page(data, form=form, href=article_href,
                                 up=f"/corpus?{f.query_string()}"))

    @router.get("/api/corpus/search", tags=["corpus"], summary="Full-text search",
                responses=_ERRORS, openapi_extra=search_extra)
    def search_json(request: Request) -> Response:
        def render() -> Response:
            qs = _params(request).get("q") or [""]
            if len(qs) != 1:
                raise FilterError("q takes one value", param="q")
            return JSONResponse(views.search_data(db, qs[0], _filters(db, request)))
        return guarded(render, False)

    # ------------------------------------------------------------------ one article

    article_extra = {"parameters": [{"name": "id", "in": "query", "required": True,
                                     "schema": {"type": "string"},
                                     "description": "The article's record id."}]}

    def report_of(request: Request) -> Any:
        from unspin.batch.reports import load_reports

        params = _params(request)
        unknown = sorted(set(params) - {"id"})
        if unknown or len(params.get("id", [])) != 1:
            raise FilterError("give one id=ARTICLE_ID (and nothing else)", param="id")
        rid = params["id"][0]
        for out in db.outs:
            found = load_reports(out, [rid])
            if rid in found:
                return found[rid]
        raise FilterError(f"no article {rid!r} in the corpus", param="id")

    @router.get("/corpus/article", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request) -> Response:
        def render() -> Response:
            from unspin.render import render_html
            from unspin.web.pages import REPORT_CSP

            return HTMLResponse(render_html(report_of(request)),
                                headers={"Content-Security-Policy": REPORT_CSP})
        return guarded(render, True)

    @router.get("/api/corpus/article", tags=["corpus"], summary="One article's report",
                responses={**_ERRORS, 200: {"description": "The report (see /api/schema)."}},
                openapi_extra=article_extra)
    def article_json(request: Request) -> Response:
        return guarded(lambda: Response(report_of(request).to_json(indent=None),
                                        media_type="application/json"), False)

    return router


def _known_query(name: str) -> str:
    if name not in QUERIES:
        raise FilterError(f"unknown query {name!r}; choose from {', '.join(QUERIES)}",
                          param="name")
    return name


def _esc(value: str) -> str:
    import html

    return html.escape(value, quote=True)


def create_corpus_app(db: Corpus, *, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The explorer alone (no analysis models loaded): the corpus routes, ``/`` redirecting
    to ``/corpus``, the OpenAPI document at ``/openapi.json``, the web app's request guard
    (Host names, body cap, security headers) and its error shape."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import RedirectResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from unspin import __version__
    from unspin.web.app import _Guard

    app = FastAPI(title="unspin corpus", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="A batch output's corpus, read-only: its tables and full-text "
                              "search under filters. Errors have the shape of `ErrorBody`.")
    app.add_middleware(_Guard, max_body=64 * 1024, allowed_hosts=frozenset(
        h.lower().strip("[]") for h in allowed_hosts) if allowed_hosts is not None else None)

    @app.exception_handler(UnspinError)
    async def _unspin_error(_request: Request, exc: UnspinError) -> JSONResponse:
        return _error_json(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
                           for e in exc.errors())
        return _error_json(InputError(f"the request does not match the schema: {detail}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "no such page; the explorer is at /corpus (API: /openapi.json)",
                    405: "this server is read-only: GET only (see /openapi.json)"}
        error = InputError(messages.get(exc.status_code, str(exc.detail)),
                           status=exc.status_code)
        return JSONResponse(error.to_dict(), status_code=exc.status_code)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/corpus", status_code=307)

    app.include_router(corpus_router(db))
    return app
