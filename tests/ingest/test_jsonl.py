"""JSONL records: a malformed line fails alone, the other records go on."""

from __future__ import annotations

from unspin.article import Article
from unspin.errors import InputError, RecordError
from unspin.ingest.jsonl import read_jsonl
from unspin.options import Options

GOOD = '{"id": "a1", "text": "The council voted on Monday to reopen the bridge.", "url": "https://example.org/a1"}'
HTML = ('{"id": "a2", "html": "<html><head><title>Bridge</title></head><body><article>'
        '<p>The council voted on Monday to reopen the old bridge to cyclists after a long debate.</p>'
        '<p>Residents said they had waited for years and welcomed the decision.</p></article></body></html>"}')


def test_each_good_line_becomes_an_article_and_a_bad_line_an_error() -> None:
    items = list(read_jsonl([GOOD, "{not json", "", HTML], options=Options(), name="feed.jsonl"))
    assert [type(i) for i in items] == [Article, RecordError, Article]
    assert items[0].id == "a1"  # type: ignore[union-attr]
    assert items[0].source.url == "https://example.org/a1"  # type: ignore[union-attr]
    bad = items[1]
    assert isinstance(bad, InputError)
    assert "line 2 of feed.jsonl" in bad.message
    assert "bridge to cyclists" in items[2].text  # type: ignore[union-attr]


def test_a_record_without_text_or_html_is_a_record_error() -> None:
    (item,) = read_jsonl(['{"id": "x", "url": "https://example.org"}'], options=Options())
    assert isinstance(item, RecordError)
    assert "neither" in item.message


def test_records_without_an_id_get_one_from_their_position() -> None:
    (item,) = read_jsonl(['{"text": "A short report about the harvest."}'], options=Options(),
                         name="f.jsonl")
    assert isinstance(item, Article)
    assert item.id == "f.jsonl:1"


def test_a_records_author_is_its_byline_and_wins_over_the_pages() -> None:
    text = GOOD.replace('"url"', '"author": "Lena Park", "url"')
    html = HTML.replace('"html"', '"author": "Lena Park", "html"')
    items = list(read_jsonl([text, html, GOOD], options=Options()))
    assert [i.source.author for i in items] == ["Lena Park", "Lena Park", None]  # type: ignore[union-attr]
