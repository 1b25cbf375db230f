"""to_article: the one ingest entry every face calls — one document in, an Article out.

The faces (CLI, web, batch, ``unspin.analyze``) never assemble ingest pieces themselves:
the last test reads their imports.
"""

from __future__ import annotations

import ast
import gzip
from pathlib import Path

import httpx
import pytest

from unspin.errors import (
    ConfigError,
    EmptyInputError,
    InputError,
    InputTooLargeError,
    NoArticleTextError,
    RecordError,
)
from unspin.ingest import Hints, to_article
from unspin.options import Options

TEXT = "Bridge reopens\n\nThe council voted on Monday to reopen the old bridge to cyclists and walkers.\n"
PAGE = ("<html><head><title>Bridge reopens</title></head><body><nav>Home</nav><article>"
        "<h1>Bridge reopens</h1><p>The council voted on Monday to reopen the old bridge to "
        "cyclists and walkers after two years of repairs, the mayor said.</p><p>Work on the "
        "second span starts in the spring, and the ferry keeps running until then.</p>"
        "</article></body></html>")


def test_text_bytes_and_paths_give_the_same_article(tmp_path: Path) -> None:
    path = tmp_path / "bridge.txt"
    path.write_text(TEXT, encoding="utf-8")
    from_text = to_article(text=TEXT, hints=Hints(id="bridge"))
    from_bytes = to_article(data=TEXT.encode("utf-16"), hints=Hints(id="bridge"))
    from_path = to_article(path=path)
    assert from_text.raw_text == from_bytes.raw_text == from_path.raw_text == TEXT
    assert from_path.id == "bridge" and from_path.source.path == str(path)


def test_html_is_recognised_by_name_or_content_and_its_main_text_extracted() -> None:
    by_content = to_article(text=PAGE)
    by_name = to_article(data=PAGE.encode(), hints=Hints(name="bridge.html"))
    for article in (by_content, by_name):
        assert article.raw_text.startswith("Bridge reopens")
        assert "Home" not in article.raw_text


def test_a_forced_kind_wins_over_the_content() -> None:
    article = to_article(text=PAGE, hints=Hints(kind="text"))
    assert article.raw_text == PAGE


def test_gzip_is_opened_whatever_the_name() -> None:
    article = to_article(data=gzip.compress(TEXT.encode()), hints=Hints(name="upload"))
    assert article.raw_text == TEXT


def test_a_record_keeps_its_fields_and_a_crawl_date_fills_a_missing_one() -> None:
    article = to_article(record={"id": "r1", "text": TEXT, "site": "Daily Harbour"},
                         hints=Hints(published="2024-05-01"))
    assert article.id == "r1" and article.source.site == "Daily Harbour"
    assert article.source.published == "2024-05-01"
    with pytest.raises(RecordError):
        to_article(record={"id": "r2", "title": "no body"})


def test_a_url_is_fetched_by_the_guarded_fetcher() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=PAGE, headers={"content-type": "text/html"})

    article = to_article(url="https://news.example/bridge", transport=httpx.MockTransport(handler),
                         resolver=lambda host: ["93.184.216.34"])
    assert article.source.kind == "url" and article.source.url == "https://news.example/bridge"
    assert article.raw_text.startswith("Bridge reopens")


def test_bad_input_is_a_coded_error() -> None:
    with pytest.raises(EmptyInputError):
        to_article(text="  \n ")
    with pytest.raises(InputTooLargeError):
        to_article(text="x" * 2000, options=Options(max_bytes=1000))
    with pytest.raises(InputTooLargeError):  # the cap applies after gunzip too
        to_article(data=gzip.compress(b"x" * 5000), options=Options(max_bytes=1000))
    with pytest.raises(NoArticleTextError):
        to_article(text="<html><title>x</title><body><nav>Home</nav></body></html>")
    with pytest.raises(InputError, match="collection"):
        to_article(data=b'{"text": "x"}\n', hints=Hints(name="feed.jsonl"))
    with pytest.raises(InputError, match="not a valid URL"):
        to_article(url="https://exa\x00mple.org/")


def test_exactly_one_form_is_given() -> None:
    with pytest.raises(ConfigError):
        to_article()
    with pytest.raises(ConfigError):
        to_article(text=TEXT, url="https://news.example/")


SRC = Path(__file__).resolve().parents[2] / "src" / "unspin"
#: What a face may import from unspin.ingest: the entry, its hints, the stream splitter
#: and the string shortcut. Batch listing also checks a listed line's size and decodes a
#: URL list file (which documents exist is batch's job; reading one is ingest's).
ALLOWED = {"to_article", "Hints", "read_source", "from_string", "Resolver", "resolve"}
LISTING = {"check_size", "decode_bytes"}


@pytest.mark.parametrize("face", ["cli.py", "cli_batch.py", "cli_web.py", "analyzer.py",
                                  "web", "batch", "eval"])
def test_the_faces_import_only_the_ingest_entry(face: str) -> None:
    files = [SRC / face] if face.endswith(".py") else sorted((SRC / face).rglob("*.py"))
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("unspin.ingest"):
                names = {a.name for a in node.names}
                allowed = ALLOWED | (LISTING if file.name == "inputs.py" and face == "batch" else set())
                if face == "eval" and file.name == "extraction.py":
                    continue  # the extraction benchmark scores the HTML reader itself
                assert names <= allowed, f"{file.relative_to(SRC)} imports {names - allowed}"
