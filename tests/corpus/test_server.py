"""The live explorer through an in-process client: every route as a page and as JSON, every
link on the pages answering, the pages' counts equal to their JSON's, bad values refused
with coded messages (never a 500), and SQL through every parameter doing nothing."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlencode

import pytest

from unspin.corpus.filters import PARAMS

PAGES = [
    ("/corpus", ""),
    ("/corpus", "outlet=Daily+Ledger&speaker=Mara+Okafor"),
    ("/corpus", "since=2024-03-01&until=2024-04-30&period=week&all-copies=true"),
    ("/corpus", "compare=Daily+Ledger,Coast+Gazette&narrative=CC:+Criticism+of+institutions"),
    ("/corpus", "technique=Doubt&gender=unknown&stance=other"),
    ("/corpus/query/top_speakers", "outlet=Daily+Ledger"),
    ("/corpus/behind", "behind=speaker%3DMara+Okafor"),
    ("/corpus/behind", "outlet=Coast+Gazette&behind=has%3Dquotes"),
    ("/corpus/behind", "behind=failures%3D&behind=stage%3Dingest"),
    ("/corpus/behind", "behind=copies%3D"),
    ("/corpus/search", "q=fares&outlet=Daily+Ledger"),
    ("/corpus/article", "id=ledger%2F1"),
]


def _api(path: str) -> str:
    return "/api" + path


@pytest.mark.parametrize(("path", "query"), PAGES)
def test_every_route_answers_as_a_page_and_as_json(client: Any, path: str, query: str) -> None:
    page = client.get(f"{path}?{query}")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"] or path.endswith("article")
    data = client.get(f"{_api(path)}?{query}")
    assert data.status_code == 200, data.text
    assert data.headers["content-type"] == "application/json"


def test_the_page_counts_equal_its_json_counts(client: Any) -> None:
    query = "outlet=Daily+Ledger"
    data = client.get(f"/api/corpus?{query}").json()
    page = client.get(f"/corpus?{query}").text
    cards = {label: number for number, label in re.findall(
        r'<div class="card"><b>(?:<a href="[^"]*">)?([^<]*)(?:</a>)?</b><span>([^<]*)</span>',
        page)}
    assert cards == {k.replace("_", " "): str("–" if v is None else v)
                     for k, v in data["summary"].items()}
    assert data["summary"]["articles"] == 3


@pytest.mark.parametrize(("query", "expected"), [
    ("behind=speaker%3DMara+Okafor", 3),
    ("behind=speaker%3DMara+Okafor&outlet=Daily+Ledger", 2),
    ("behind=outlet%3DDaily+Ledger&behind=technique%3DLoaded_Language", 1),
    ("behind=has%3Dquotes", 5),
])
def test_a_count_page_says_what_its_json_says(client: Any, query: str, expected: int) -> None:
    data = client.get(f"/api/corpus/behind?{query}").json()
    page = client.get(f"/corpus/behind?{query}").text
    assert data["articles"] == expected == len(data["rows"])
    assert f'data-total="{expected}"' in page
    for row in data["rows"]:
        assert f'href="/corpus/article?id={row["id"].replace("/", "%2F")}"' in page


def test_the_search_page_shows_the_same_hits_as_its_json(client: Any) -> None:
    data = client.get("/api/corpus/search?q=%22sea+wall%22").json()
    page = client.get("/corpus/search?q=%22sea+wall%22").text
    assert data["matches"] == 1 and data["rows"][0]["id"] == "tide/1"
    assert 'data-total="1"' in page and "<b>Sea</b> <b>wall</b>" in page
    assert 'href="/corpus/article?id=tide%2F1"' in page


def _links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"#]+)"', html)
            if h.startswith("/")]


def test_every_link_on_the_pages_answers(client: Any) -> None:
    seen: set[str] = set()
    todo = ["/corpus", "/corpus?outlet=Coast+Gazette&period=week",
            "/corpus/search?q=fares"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.text[:300])
        if answer.headers["content-type"].startswith("text/html") and not url.startswith(
                "/corpus/article"):
            todo += [h for h in _links(answer.text) if h not in seen]
    assert len(seen) > 40
    assert any(u.startswith("/corpus/article?id=") for u in seen)
    assert any(u.startswith("/api/corpus/behind?") for u in seen)


@pytest.mark.parametrize(("query", "code", "status", "message"), [
    ("outlet=Nowhere+Times", "E302", 400, "no outlet 'Nowhere Times' in the corpus"),
    ("since=2024-02-30", "E302", 400, "is not a date"),
    ("speaker=Nobody+Atall", "E302", 400, "no speaker"),
    ("narrative=Not+a+narrative", "E302", 400, "no narrative"),
    ("top=ten", "E302", 400, "top is a whole number"),
    ("colour=red", "E302", 400, "unknown parameter"),
])
def test_a_bad_filter_is_a_400_with_its_coded_message(client: Any, query: str, code: str,
                                                      status: int, message: str) -> None:
    for path in ("/api/corpus", "/api/corpus/behind", "/api/corpus/query/outlets"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == status
        assert answer.json()["code"] == code and message in answer.json()["message"]
    page = client.get(f"/corpus?{query}")
    assert page.status_code == status and code in page.text


def test_a_search_that_does_not_parse_is_a_400(client: Any) -> None:
    answer = client.get("/api/corpus/search?q=title%3A%28")
    assert answer.status_code == 400 and answer.json()["code"] == "E303"
    page = client.get("/corpus/search?q=title%3A%28")
    assert page.status_code == 400 and "[E303]" in page.text and 'role="alert"' in page.text


@pytest.mark.parametrize(("path", "code"), [
    ("/api/corpus/query/no_such_query", "E302"),
    ("/api/corpus/behind?behind=colour%3Dred", "E302"),
    ("/api/corpus/behind?behind=nokey", "E302"),
    ("/api/corpus/article?id=nope", "E302"),
    ("/api/corpus/article", "E302"),
])
def test_unknown_names_are_400s(client: Any, path: str, code: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 400 and answer.json()["code"] == code


def test_the_explorer_is_read_only(client: Any) -> None:
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/api/corpus").status_code == 405


INJECTIONS = ["x' OR '1'='1", "'; DROP VIEW articles_all; --", "1); SELECT 1; --",
              "\" OR 1=1 --", "$f_since", "Daily Ledger' --"]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_through_any_parameter_is_only_a_value(client: Any, attack: str) -> None:
    names = [*PARAMS, "behind", "q", "limit", "id"]
    for name in names:
        value = f"speaker={attack}" if name == "behind" else attack
        for path in ("/api/corpus", "/api/corpus/behind", "/api/corpus/search",
                     "/api/corpus/article"):
            answer = client.get(f"{path}?{urlencode({name: value, 'q': 'fares'})}"
                                if path.endswith("search") and name != "q"
                                else f"{path}?{urlencode({name: value})}")
            assert answer.status_code in (200, 400), (name, path, answer.text)
            if answer.status_code == 400:
                assert answer.json()["code"] in ("E302", "E303")
    assert client.get("/api/corpus").json()["summary"]["articles"] == 6  # nothing was dropped
