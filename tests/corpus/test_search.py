"""Full-text search: the tantivy index in OUT/derived/search, built a shard at a time, and
queries with phrases, operators and fields, under the view's filters, with escaped snippets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from unspin.cli import main
from unspin.corpus import Corpus, Filters
from unspin.corpus.search import build_index, index_dir, search
from unspin.errors import FilterError, SearchSyntaxError


def ids(db: Corpus, q: str, f: Filters | None = None) -> list[str]:
    return sorted(r["id"] for r in search(db, q, f).rows)


@pytest.mark.parametrize(("q", "expected"), [
    ('"sea wall"', ["tide/1"]),
    ("fares", ["gazette/1", "ledger/1"]),
    ("fares AND board", ["gazette/1", "ledger/1"]),
    ("timetable OR lighthouse", ["ledger/2", "ledger/3"]),
    ("fares NOT keeps", ["gazette/1"]),
    ("speaker:reyes", ["ledger/3", "tide/1"]),
    ('outlet:"coast gazette"', ["gazette/1", "gazette/2"]),
    ("quote:winters", ["ledger/3"]),
    ("title:pier", ["gazette/2"]),
])
def test_queries_find_the_articles_that_say_it(corpus_db: Corpus, q: str,
                                               expected: list[str]) -> None:
    assert ids(corpus_db, q) == expected


def test_a_search_keeps_only_what_the_filters_keep(corpus_db: Corpus) -> None:
    found = search(corpus_db, "fares", Filters(outlets=("daily ledger",)))
    assert [r["id"] for r in found.rows] == ["ledger/1"] and found.matches == 1 and found.exact


def test_the_snippet_marks_the_words_and_escapes_the_rest(corpus_db: Corpus) -> None:
    (hit,) = search(corpus_db, "ferry fares").rows
    assert hit["id"] == "gazette/1"
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]
    assert "<b>Ferry</b>" in hit["snippet"] and "<b>fares</b>" in hit["snippet"]


@pytest.mark.parametrize("q", ["title:(", '"unclosed', "nosuchfield:x", "AND", "   "])
def test_a_query_that_does_not_parse_is_a_coded_error(corpus_db: Corpus, q: str) -> None:
    with pytest.raises(SearchSyntaxError) as caught:
        search(corpus_db, q)
    assert caught.value.code == "E303"


def test_the_index_adds_only_the_shards_it_lacks(tmp_path: Path, write_crawl: Any) -> None:
    out = write_crawl(tmp_path / "out", shards=2)
    assert build_index(out) == {"shards": 2, "documents": 6, "total": 6}
    assert build_index(out) == {"shards": 0, "documents": 0, "total": 6}
    assert (index_dir(out) / "indexed.json").exists()


def test_a_corpus_without_an_index_says_how_to_build_one(tmp_path: Path,
                                                         write_crawl: Any) -> None:
    out = write_crawl(tmp_path / "out")
    with Corpus(out) as db, pytest.raises(FilterError, match="--index"):
        search(db, "fares")


def test_the_cli_builds_the_index_and_searches_as_csv_and_json(
        tmp_path: Path, write_crawl: Any, capsys: pytest.CaptureFixture[str]) -> None:
    out = write_crawl(tmp_path / "out")
    assert main(["corpus", str(out), "--index"]) == 0
    assert main(["corpus", str(out), "--search", '"sea wall"', "-f", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["matches"] == 1 and found["rows"][0]["id"] == "tide/1"
    assert main(["corpus", str(out), "--search", "fares", "--outlet", "Coast Gazette",
                 "-f", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["id"] for r in rows] == ["gazette/1"] and "<b>Fares</b>" in rows[0]["snippet"]
    assert main(["corpus", str(out), "--search", "title:(", "-f", "json"]) == 2
    assert "[E303]" in capsys.readouterr().err


def test_an_index_of_an_older_format_is_refused_with_the_command_that_rebuilds_it(
        tmp_path: Path, write_crawl: Any) -> None:
    out = write_crawl(tmp_path / "out", shards=1)
    build_index(out)
    with Corpus(out) as db:
        before = search(db, "fares")
    assert before.matches > 0
    meta = index_dir(out) / "indexed.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "format": "unspin-search/1"}))
    with Corpus(out) as db, pytest.raises(FilterError, match="--index") as caught:
        search(db, "fares")
    assert "another version" in str(caught.value)
    built = build_index(out)  # rebuilt whole, not appended to
    assert built["documents"] == built["total"] > 0
    with Corpus(out) as db:
        assert search(db, "fares") == before
