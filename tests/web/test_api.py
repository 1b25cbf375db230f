"""The JSON API, driven as a client would: POST /api/analyze, GET /api/schema, errors."""

from __future__ import annotations

import importlib
import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from unspin.analyzer import Analyzer
from unspin.options import Options
from unspin.report import Report, report_schema
from unspin.web import create_app

ERROR_KEYS = {"code", "type", "message", "context"}


def assert_error(response: httpx.Response, status: int, code: str, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["code"], body["type"]) == (code, type_)
    assert body["message"]
    assert all(isinstance(v, str) for v in body["context"].values())
    return body


def without_timings(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "timings"}


# ---------------------------------------------------------------- analyse


def test_text_gives_the_json_report(article: str, client: TestClient) -> None:
    response = client.post("/api/analyze", json={"text": article, "id": "harbour"})
    assert response.status_code == 200
    report = Report.model_validate(response.json())
    assert report.id == "harbour"
    assert report.source.kind == "text"
    assert report.text.startswith("Harbour town votes")
    assert report.entities  # the backbone ran
    for e in report.entities:
        assert report.text[e.start:e.end] == e.text


def test_text_gives_the_same_report_as_the_library(article: str, client: TestClient, analyzer: Analyzer
                                                   ) -> None:
    response = client.post("/api/analyze", json={"text": article, "id": "same"})
    expected = analyzer.analyze(article, id="same").model_dump(mode="json")
    assert without_timings(response.json()) == without_timings(expected)


def test_html_is_reduced_to_its_main_text(article: str, client: TestClient) -> None:
    page = ("<!DOCTYPE html><html><head><title>Harbour town votes to rebuild its old sea wall"
            "</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            "<article>" + "".join(f"<p>{p}</p>" for p in article.split("\n\n")[1:]) +
            "</article><footer>Copyright Marlow Bay Gazette</footer></body></html>")
    response = client.post("/api/analyze", json={"html": page})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["source"]["kind"] == "html"
    assert "Mayor Ines Calloway" in report["text"]
    assert "Copyright" not in report["text"]


def test_text_field_is_never_parsed_as_html(client: TestClient) -> None:
    text = "<p>The council met.</p><div>The mayor spoke at length about the harbour.</div>"
    report = client.post("/api/analyze", json={"text": text}).json()
    assert report["text"] == text


def test_uploaded_text_file_is_analysed_and_named_after_the_file(article: str, client: TestClient) -> None:
    response = client.post("/api/analyze",
                           files={"file": ("harbour-vote.txt", article.encode(), "text/plain")})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["id"] == "harbour-vote"
    assert report["text"].startswith("Harbour town votes")


def test_uploaded_html_file_is_detected_by_its_name(article: str, client: TestClient) -> None:
    page = "<html><body>" + "".join(f"<p>{p}</p>" for p in article.split("\n\n")) + "</body></html>"
    response = client.post("/api/analyze", files={"file": ("vote.html", page.encode(), "text/html")},
                           data={"id": "v1"})
    assert response.status_code == 200, response.text
    assert response.json()["source"]["kind"] == "html"
    assert response.json()["id"] == "v1"
    assert "<p>" not in response.json()["text"]


def test_uploaded_latin1_file_is_decoded(client: TestClient) -> None:
    text = "The café owner, Renée Dubois, said the new wall was \u201cabout time\u201d."
    response = client.post("/api/analyze",
                           files={"file": ("cafe.txt", text.replace("\u201c", '"')
                                           .replace("\u201d", '"').encode("latin-1"))})
    assert response.status_code == 200, response.text
    assert "Renée Dubois" in response.json()["text"]


def test_binary_upload_is_422_binary_input(client: TestClient) -> None:
    response = client.post("/api/analyze", files={"file": ("photo.jpg", bytes(range(256)) * 4)})
    assert_error(response, 422, "E102", "BinaryInputError")


def test_jsonl_upload_is_refused_with_a_pointer_to_batch(client: TestClient) -> None:
    body = assert_error(client.post("/api/analyze", files={"file": ("a.jsonl", b'{"text": "x"}\n')}),
                        422, "E100", "InputError")
    assert "unspin batch" in body["message"]


# ---------------------------------------------------------------- size cap


def test_body_over_the_cap_is_413_before_it_is_read(analyzer: Analyzer) -> None:
    with TestClient(create_app(analyzer, max_body=1000)) as c:
        response = c.post("/api/analyze", content=b"x" * 1001,
                          headers={"content-type": "application/json"})
    body = assert_error(response, 413, "E103", "InputTooLargeError")
    assert body["context"]["size"] == "1001"


def test_chunked_body_over_the_cap_is_413(analyzer: Analyzer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        yield b"a" * 2000
        yield b'"}'

    with TestClient(create_app(analyzer, max_body=1000)) as c:
        response = c.post("/api/analyze", content=chunks(),
                          headers={"content-type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_error(response, 413, "E103", "InputTooLargeError")


def test_html_with_no_article_is_a_coded_422(client: TestClient) -> None:
    page = "<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    response = client.post("/api/analyze", json={"html": page})
    assert_error(response, 422, "E104", "NoArticleTextError")


@pytest.mark.parametrize("chunked", [False, True])
def test_a_client_that_sends_its_whole_body_first_still_reads_the_413(live_server: str,
                                                                       chunked: bool) -> None:
    """urllib writes all 12 MB before it reads a byte of the answer (no Expect:
    100-continue); the server must take the body in, not reset the connection."""
    import urllib.error
    import urllib.request

    body = b'{"text": "' + b"a" * (12 * 1024 * 1024) + b'"}'
    data: Any = iter([body[i:i + 65536] for i in range(0, len(body), 65536)]) if chunked else body
    headers = {"Content-Type": "application/json"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    request = urllib.request.Request(f"{live_server}/api/analyze", data=data, headers=headers,
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=60)
    assert caught.value.code == 413
    error = json.loads(caught.value.read())
    assert error["code"] == "E103"


def test_default_cap_is_ten_megabytes(client: TestClient) -> None:
    response = client.post("/api/analyze", content=b" " * (10 * 1024 * 1024 + 1),
                           headers={"content-type": "application/json"})
    assert_error(response, 413, "E103", "InputTooLargeError")


def test_article_over_max_bytes_is_413(article: str, analyzer: Analyzer) -> None:
    small = Analyzer(Options(stages=(), max_bytes=200), pipeline=analyzer.pipeline)
    with TestClient(create_app(small, max_body=10_000)) as c:
        response = c.post("/api/analyze", json={"text": article})
    assert_error(response, 413, "E103", "InputTooLargeError")


# ---------------------------------------------------------------- bad requests


def test_body_that_is_not_json_is_400(client: TestClient) -> None:
    response = client.post("/api/analyze", content=b'{"text": "unterminated',
                           headers={"content-type": "application/json"})
    assert_error(response, 400, "E100", "InputError")


@pytest.mark.parametrize("body", [
    {},
    {"text": "The mayor spoke.", "url": "https://example.org/a"},
    {"text": 42},
    {"text": None},
    {"text": "   \n "},
    {"url": "ftp://example.org/a"},
    {"text": "The mayor spoke.", "colour": "red"},
    {"text": "The mayor spoke.", "id": ""},
    ["The mayor spoke."],
], ids=["empty", "two-sources", "number", "null", "blank", "ftp", "extra-field", "empty-id", "list"])
def test_body_that_breaks_the_schema_is_422(client: TestClient, body: object) -> None:
    body_out = assert_error(client.post("/api/analyze", json=body), 422, "E100", "InputError")
    assert "schema" in body_out["message"]


def test_other_media_types_are_415(article: str, client: TestClient) -> None:
    response = client.post("/api/analyze", content=article.encode(),
                           headers={"content-type": "text/plain"})
    assert_error(response, 415, "E100", "InputError")


def test_multipart_without_a_file_is_422(client: TestClient) -> None:
    response = client.post("/api/analyze", data={"id": "x"}, files={"kind": (None, "text")})
    assert_error(response, 422, "E100", "InputError")


def test_unknown_path_is_404_in_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "E100", "InputError")


def test_wrong_method_is_405_in_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/analyze"), 405, "E100", "InputError")


# ---------------------------------------------------------------- URLs


class Recorder:
    """A transport and a resolver that record every use (and answer ``page`` if reached)."""

    def __init__(self, answers: dict[str, list[str]], page: str = "") -> None:
        self.answers = answers
        self.page = page
        self.requests: list[str] = []
        self.lookups: list[str] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if request.url.path == "/moved":
            return httpx.Response(302, headers={"location": "http://127.0.0.1:8000/admin"})
        return httpx.Response(200, text=self.page, headers={"content-type": "text/html"})

    def resolve(self, host: str) -> list[str]:
        self.lookups.append(host)
        return self.answers[host]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/api/health",
    "http://localhost/secret",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://10.1.2.3/",
    "https://intranet.example/",
])
def test_private_urls_are_blocked_before_any_request(analyzer: Analyzer, url: str) -> None:
    rec = Recorder({"localhost": ["127.0.0.1"], "127.0.0.1": ["127.0.0.1"],
                    "169.254.169.254": ["169.254.169.254"], "::1": ["::1"],
                    "10.1.2.3": ["10.1.2.3"], "intranet.example": ["192.168.1.20"]})
    with TestClient(create_app(analyzer, transport=rec.transport, resolver=rec.resolve)) as c:
        response = c.post("/api/analyze", json={"url": url})
    body = assert_error(response, 422, "E111", "BlockedURLError")
    assert body["context"]["url"] == url
    assert rec.requests == []


def test_blocked_url_makes_no_network_traffic_with_the_real_fetcher(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError("the fetcher touched the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    response = client.post("/api/analyze", json={"url": "http://127.0.0.1:9/"})
    assert_error(response, 422, "E111", "BlockedURLError")
    assert attempts == []


def test_redirect_to_a_private_address_is_blocked(analyzer: Analyzer) -> None:
    rec = Recorder({"news.example": ["93.184.215.14"], "127.0.0.1": ["127.0.0.1"]})
    with TestClient(create_app(analyzer, transport=rec.transport, resolver=rec.resolve)) as c:
        response = c.post("/api/analyze", json={"url": "https://news.example/moved"})
    assert_error(response, 422, "E111", "BlockedURLError")
    assert rec.requests == ["https://news.example/moved"]


def test_public_url_is_fetched_and_analysed(article: str, analyzer: Analyzer) -> None:
    page = ("<html><head><title>Harbour town votes</title></head><body><article>"
            + "".join(f"<p>{p}</p>" for p in article.split("\n\n")[1:]) + "</article></body></html>")
    rec = Recorder({"news.example": ["93.184.215.14"]}, page=page)
    with TestClient(create_app(analyzer, transport=rec.transport, resolver=rec.resolve)) as c:
        response = c.post("/api/analyze", json={"url": "https://news.example/harbour"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["source"] == {**report["source"], "kind": "url",
                                "url": "https://news.example/harbour"}
    assert "Mayor Ines Calloway" in report["text"]
    assert rec.requests == ["https://news.example/harbour"]


def test_malformed_url_is_a_fetch_error_not_a_crash(client: TestClient) -> None:
    assert_error(client.post("/api/analyze", json={"url": "http://[/"}), 422, "E110", "FetchError")


# ---------------------------------------------------------------- schema, spec, health


def test_schema_endpoint_serves_the_report_schema(client: TestClient) -> None:
    response = client.get("/api/schema")
    assert response.status_code == 200
    assert response.json() == report_schema()


def test_openapi_documents_both_bodies_and_the_error_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/analyze"]["post"]
    assert set(op["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    for status in ("400", "413", "415", "422"):
        ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/ErrorBody"
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/Report")
    assert "/api/schema" in spec["paths"]


def test_no_page_loads_from_a_cdn(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_health_names_the_stages(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["stages"] == []


def test_json_answers_carry_security_headers(article: str, client: TestClient) -> None:
    response = client.post("/api/analyze", json={"text": article})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "[::1]:8000", "[::1]"])
def test_host_check_accepts_the_loopback_names(analyzer: Analyzer, host: str) -> None:
    app = create_app(analyzer, allowed_hosts=("127.0.0.1", "localhost", "::1"))
    with TestClient(app) as c:
        assert c.get("/api/health", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8000", "127.0.0.2"])
def test_host_check_refuses_other_names(analyzer: Analyzer, host: str) -> None:
    """A page on another site that rebinds its name to 127.0.0.1 cannot read the API."""
    app = create_app(analyzer, allowed_hosts=("127.0.0.1", "localhost", "::1"))
    with TestClient(app) as c:
        response = c.get("/api/health", headers={"host": host})
    assert_error(response, 400, "E100", "InputError")


# ---------------------------------------------------------------- models and concurrency


def test_models_load_once_at_startup(article: str, monkeypatch: pytest.MonkeyPatch, analyzer: Analyzer) -> None:
    builds: list[Options] = []

    def counting_build(options: Options) -> Any:
        builds.append(options)
        return analyzer.pipeline

    # the analyzer imports build_pipeline when it first needs it (spaCy loads only then)
    module = importlib.import_module("unspin.pipeline")
    monkeypatch.setattr(module, "build_pipeline", counting_build)
    app = create_app(options=Options(stages=()))
    with TestClient(app) as c:
        assert len(builds) == 1  # at startup, before any request
        for _ in range(3):
            assert c.post("/api/analyze", json={"text": article}).status_code == 200
    assert len(builds) == 1


def test_concurrent_requests_get_their_own_reports(article: str, analyzer: Analyzer) -> None:
    texts = [article.replace("Marlow Bay", town) for town in
             ("Marlow Bay", "Easton Cove", "Port Ardley", "Kelby Sands")]
    expected = {t: without_timings(analyzer.analyze(t).model_dump(mode="json")) for t in texts}
    in_flight = 0
    most = 0
    lock = threading.Lock()
    real = analyzer.analyze_article

    def tracked(*args: Any, **kwargs: Any) -> Report:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                in_flight -= 1

    spy = Analyzer(analyzer.options, pipeline=analyzer.pipeline)
    spy.analyze_article = tracked  # type: ignore[method-assign]
    with TestClient(create_app(spy)) as c, ThreadPoolExecutor(8) as pool:
        jobs = [texts[i % 4] for i in range(24)]
        responses = list(pool.map(lambda t: c.post("/api/analyze", json={"text": t}), jobs))
    assert [r.status_code for r in responses] == [200] * 24
    for text, response in zip(jobs, responses, strict=True):
        assert without_timings(response.json()) == expected[text]
    assert most == 1  # the spaCy pipeline never runs twice at once


def test_report_json_round_trips(sample_text: str, client: TestClient) -> None:
    response = client.post("/api/analyze", json={"text": sample_text})
    assert json.loads(Report.model_validate(response.json()).to_json()) == response.json()


def test_the_pages_markup_and_style_are_package_files(client: TestClient) -> None:
    from importlib import resources

    files = resources.files("unspin.web")
    for name in ("page.html", "page.css", "blank.html", "error.html"):
        assert files.joinpath(name).is_file(), name
    css = files.joinpath("page.css").read_text(encoding="utf-8")
    page = client.get("/").text
    assert css.strip() in page and "$style" not in page


def test_a_client_that_hangs_up_mid_body_gets_a_coded_400_not_a_traceback(
        client: TestClient) -> None:
    """The ASGI app called directly: the body stops half way and the client disconnects."""
    import asyncio

    app = client.app
    messages: list[dict[str, object]] = [
        {"type": "http.request", "body": b'{"text": "The council', "more_body": True},
        {"type": "http.disconnect"}]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/analyze", "raw_path": b"/api/analyze",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                         (b"content-length", b"1000")]}
    # In a thread of its own: an earlier test (the browser's sync API) may leave an event
    # loop running in this one, where asyncio.run refuses to start.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(app(scope, receive, send))).result(timeout=60)  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    assert b"closed the connection" in body


def test_each_kind_of_library_error_answers_its_own_status_never_a_500_for_a_bad_request(
        ) -> None:
    from unspin.errors import (
        BodyTimeoutError,
        ConfigError,
        HeaderTimeoutError,
        InputError,
        InputTooLargeError,
        ModelError,
        PipelineError,
        WorkerError,
    )
    from unspin.web.app import status_for

    assert status_for(InputTooLargeError("too big")) == 413
    assert status_for(BodyTimeoutError("too slow")) == 408
    assert status_for(HeaderTimeoutError("too slow")) == 408
    assert status_for(InputError("unreadable")) == 422
    assert status_for(ConfigError("no such stage")) == 400
    assert status_for(ModelError("not installed")) == 503
    assert status_for(WorkerError("worker died")) == 503
    assert status_for(PipelineError("a bug")) == 500  # ours, not the client's
