"""Hostile markup in an article is shown as text: in render_html and in the web app's view."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from unspin.analyzer import Analyzer
from unspin.render import render_html

#: Written for this test: an article whose text carries script and event-handler markup.
HOSTILE = """Council row over "<script>alert('headline')</script>" banner

The council of Marlow Bay met on Monday. A protester's placard read <img src=x onerror="alert('img')"> and nothing else.

"We will not be intimidated," said Mayor Ines Calloway, quoting a post that ended with <svg onload=alert('svg')></svg> and a link <a href="javascript:alert('a')">here</a>.

Officials said the page '"><iframe srcdoc="<script>alert(1)</script>"></iframe> was removed.
"""

RENDERER_SCRIPT = resources.files("unspin.render").joinpath("report.js").read_text(encoding="utf-8")


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser


def assert_inert(page: str) -> Elements:
    """No element the article could have injected: one script (the renderer's), no handlers."""
    doc = parse(page)
    assert doc.scripts in ([], [RENDERER_SCRIPT])
    names = [tag for tag, _ in doc.tags]
    for bad in ("img", "svg", "iframe", "a", "object", "embed"):
        assert bad not in names, f"<{bad}> element in the output"
    for tag, attrs in doc.tags:
        handlers = [a for a in attrs if a.lower().startswith("on")]
        assert not handlers, f"<{tag}> has event handler attributes {handlers}"
        for value in attrs.values():
            assert "javascript:" not in (value or "").lower()
    return doc


@pytest.fixture(scope="module")
def hostile_report_html(analyzer: Analyzer) -> str:
    return render_html(analyzer.analyze(HOSTILE, id="hostile"))


def test_render_html_shows_markup_as_text(hostile_report_html: str) -> None:
    doc = assert_inert(hostile_report_html)
    visible = "".join(doc.text)
    assert "<img src=x onerror=\"alert('img')\">" in visible
    assert "<svg onload=alert('svg')></svg>" in visible
    assert "<script>alert('headline')</script>" in visible


def test_render_html_title_is_escaped(hostile_report_html: str) -> None:
    title = hostile_report_html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<script>" not in title
    assert "&lt;script&gt;" in title


def test_web_view_shows_pasted_markup_as_text(client: TestClient) -> None:
    response = client.post("/report", data={"text": HOSTILE, "kind": "text"})
    assert response.status_code == 200
    doc = assert_inert(response.text)
    assert "<img src=x onerror=\"alert('img')\">" in "".join(doc.text)


def test_web_view_allows_only_the_renderer_script(client: TestClient) -> None:
    csp = client.post("/report", data={"text": HOSTILE}).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert directives["script-src"].startswith("'sha256-")
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["default-src"] == "'none'"
    assert directives["sandbox"] == "allow-scripts"  # opaque origin: no access to the app


def test_web_view_of_a_hostile_upload_is_inert(client: TestClient) -> None:
    name = "<img src=x onerror=alert(1)>.txt"
    response = client.post("/report", files={"file": (name, HOSTILE.encode(), "text/plain")})
    assert response.status_code == 200
    assert_inert(response.text)


def test_web_view_of_hostile_html_is_inert(client: TestClient) -> None:
    page = "<html><body>" + "".join(f"<p>{p}</p>" for p in HOSTILE.split("\n\n")) + "</body></html>"
    response = client.post("/report", data={"text": page, "kind": "html"})
    assert response.status_code == 200
    assert_inert(response.text)


def test_error_page_escapes_the_input(client: TestClient) -> None:
    url = "http://127.0.0.1/<script>alert(1)</script>"
    response = client.post("/report", data={"url": url})
    assert response.status_code == 422
    doc = assert_inert(response.text)
    assert doc.scripts == []
    assert "<script>alert(1)</script>" in "".join(doc.text)


def test_page_itself_has_no_script(client: TestClient) -> None:
    response = client.get("/")
    assert parse(response.text).scripts == []
    assert "script-src" not in response.headers["content-security-policy"]


def test_json_report_is_never_sniffed_as_html(client: TestClient) -> None:
    response = client.post("/api/analyze", json={"text": HOSTILE})
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>alert('headline')</script>" in response.json()["text"]
