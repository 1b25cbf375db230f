"""read_source: the kind of a source is detected (or forced) and bad input is a clear error."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from unspin.article import Article
from unspin.errors import EmptyInputError, InputError, InputTooLargeError
from unspin.ingest import detect_kind, from_string, read_source
from unspin.options import MB, Options

TEXT = "Bridge reopens\n\nThe council voted on Monday to reopen the bridge to cyclists.\n"


def only(items: list[Article | InputError]) -> Article | InputError:
    assert len(items) == 1
    return items[0]


@pytest.mark.parametrize("source,content,kind", [
    ("https://example.org/a", None, "url"),
    ("page.HTML", None, "html"),
    ("page.html.gz", None, "html"),
    ("feed.jsonl", None, "jsonl"),
    ("notes", '{"id": 1, "text": "x"}\n', "jsonl"),
    ("notes", "<html><body><p>x</p></body></html>", "html"),
    ("notes.txt", "Plain words.", "text"),
])
def test_the_kind_is_detected_from_name_then_content(source: str, content: str | None,
                                                      kind: str) -> None:
    assert detect_kind(source, content) == kind


def test_a_text_file_becomes_one_article(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(TEXT, encoding="cp1252")
    article = only(list(read_source(str(path))))
    assert isinstance(article, Article)
    assert article.id == "story"
    assert article.raw_text == TEXT
    assert article.source.kind == "text"
    assert article.source.path == str(path)


def test_gzipped_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "story.txt.gz"
    path.write_bytes(gzip.compress(TEXT.encode()))
    article = only(list(read_source(str(path))))
    assert isinstance(article, Article) and "cyclists" in article.text


def test_stdin_is_read_with_a_dash() -> None:
    article = only(list(read_source("-", stdin=io.BytesIO(TEXT.encode("utf-16")))))
    assert isinstance(article, Article) and article.raw_text == TEXT


def test_a_50_mb_page_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    with path.open("wb") as f:
        f.truncate(50 * MB)
    error = only(list(read_source(str(path))))
    assert isinstance(error, InputTooLargeError)
    assert "50" in error.message and "--max-mb" in error.message


def test_a_missing_file_and_a_folder_are_input_errors(tmp_path: Path) -> None:
    assert isinstance(only(list(read_source(str(tmp_path / "nope.txt")))), InputError)
    error = only(list(read_source(str(tmp_path))))
    assert isinstance(error, InputError) and "batch" in error.message


def test_the_kind_can_be_forced(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text("<p>Looks like markup</p> but is meant as text.")
    article = only(list(read_source(str(path), Options(kind="text"))))
    assert isinstance(article, Article) and article.raw_text.startswith("<p>")


def test_from_string_sniffs_html_and_refuses_empty_input() -> None:
    assert from_string(TEXT).source.kind == "text"
    with pytest.raises(EmptyInputError):
        from_string("   ")
