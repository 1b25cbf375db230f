"""Listing batch inputs: folders, JSONL, WARC, lists and URLs become Records with stable ids."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import pytest

from unspin.batch.inputs import Record, iter_records, record_to_article, url_id
from unspin.errors import BinaryInputError, InputError, RecordError


def _records(*items: str | Path, plumbing: Any, skips: bool = False) -> list[Record]:
    """The records listed for ``items``; the ``skip`` ones (nothing to analyse) only when
    asked for."""
    return [r for r in iter_records([str(i) for i in items], plumbing)
            if skips or r.kind != "skip"]


def test_a_folder_yields_its_text_and_html_files_sorted_with_ids_from_the_folder_name(
        inputs: dict[str, Any], plumbing: Any) -> None:
    recs = _records(inputs["folder"], plumbing=plumbing)
    assert [r.id for r in recs] == ["crawl/harbour.txt", "crawl/sub/library.html.gz",
                                    "crawl/sub/orchard.txt"]
    assert all(r.kind == "file" for r in recs)


def test_a_folder_lists_a_file_it_does_not_read_as_a_coded_skip(
        inputs: dict[str, Any], plumbing: Any) -> None:
    recs = _records(inputs["folder"], plumbing=plumbing, skips=True)
    (pdf,) = [r for r in recs if r.source.endswith(".pdf")]
    assert pdf.kind == "skip" and pdf.error is not None and pdf.error["code"] == "W601"
    assert pdf.source == str(inputs["folder"] / "notes.pdf")


@pytest.mark.parametrize(("name", "content"), [("crawl.warc.gz", gzip.compress(b"")),
                                               ("crawl.warc.gz", gzip.compress(b"\n\n\n")),
                                               ("crawl.warc", b"")])
def test_a_warc_that_holds_no_warc_record_is_an_error_record(
        tmp_path: Path, plumbing: Any, name: str, content: bytes) -> None:
    (tmp_path / name).write_bytes(content)
    (rec,) = _records(tmp_path / name, plumbing=plumbing)
    assert rec.kind == "error" and rec.error is not None and rec.error["code"] == "E101"
    assert "holds no WARC record" in rec.error["message"]


def test_gzip_that_is_not_a_warc_is_an_error_record(tmp_path: Path, plumbing: Any) -> None:
    (tmp_path / "crawl.warc.gz").write_bytes(gzip.compress(b"<html><p>not a WARC</p></html>"))
    (rec,) = _records(tmp_path / "crawl.warc.gz", plumbing=plumbing)
    assert rec.kind == "error" and rec.error is not None and rec.error["code"] == "E106"


def test_a_warc_with_records_but_no_html_response_is_a_coded_skip(
        tmp_path: Path, warc_writer: Any, plumbing: Any) -> None:
    path = tmp_path / "images.warc.gz"
    warc_writer(path, [("https://a.example/logo.png", b"\x89PNG....", "image/png")])
    (rec,) = _records(path, plumbing=plumbing, skips=True)
    assert rec.kind == "skip" and rec.error is not None and rec.error["code"] == "W602"
    assert "2 other records" in rec.error["message"]  # the request and the response


def test_an_empty_jsonl_file_is_an_error_record(tmp_path: Path, plumbing: Any) -> None:
    (tmp_path / "feed.jsonl").write_text("\n  \n", encoding="utf-8")
    (rec,) = _records(tmp_path / "feed.jsonl", plumbing=plumbing)
    assert rec.kind == "error" and rec.error is not None and rec.error["code"] == "E101"


def test_an_empty_folder_and_a_list_inside_a_folder_are_coded_skips(
        tmp_path: Path, plumbing: Any) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "more.urls").write_text("https://a.example/\n", encoding="utf-8")
    recs = _records(tmp_path / "empty", tmp_path / "full", plumbing=plumbing, skips=True)
    assert [(r.kind, r.error["code"] if r.error else None) for r in recs] == [
        ("skip", "W603"), ("skip", "W604")]


def test_a_broken_link_in_a_folder_is_a_record_whose_reading_fails(
        tmp_path: Path, plumbing: Any) -> None:
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (rec,) = _records(folder, plumbing=plumbing)
    assert rec.id == "crawl/gone.txt"
    with pytest.raises(InputError):
        record_to_article(rec, plumbing)


def test_jsonl_records_take_their_id_field_or_file_and_line(inputs: dict[str, Any],
                                                             plumbing: Any) -> None:
    recs = _records(inputs["jsonl"], plumbing=plumbing)
    assert [(r.id, r.kind) for r in recs] == [("bridge-1", "jsonl"), ("feed.jsonl:2", "jsonl")]
    assert recs[1].source.endswith("feed.jsonl:2")


def test_gzipped_jsonl_is_read_like_plain_jsonl(tmp_path: Path, plumbing: Any) -> None:
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": "a", "text": "One short text."}\n'))
    assert [r.id for r in _records(path, plumbing=plumbing)] == ["a"]


def test_a_bad_jsonl_line_becomes_an_error_record_and_the_next_lines_are_read(
        tmp_path: Path, plumbing: Any) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n{"id": \n{"id": "c", "text": "y"}\n')
    recs = _records(path, plumbing=plumbing)
    assert [(r.id, r.kind) for r in recs] == [("a", "jsonl"), ("f.jsonl:2", "error"), ("c", "jsonl")]
    with pytest.raises(RecordError, match=r"line 2 of f\.jsonl is not valid JSON"):
        record_to_article(recs[1], plumbing)


def test_a_warc_yields_html_responses_only_with_the_record_uuid_as_id(
        tmp_path: Path, warc_writer: Any, plumbing: Any) -> None:
    path = tmp_path / "a.warc"
    ids = warc_writer(path, [("https://a.example/1", b"<html><body><p>Hi</p></body></html>", "text/html"),
                             ("https://a.example/logo.png", b"\x89PNG....", "image/png")])
    recs = _records(path, plumbing=plumbing)
    assert [r.id for r in recs] == [ids[0]]
    assert recs[0].url == "https://a.example/1"
    assert recs[0].source.startswith(f"{path}@")


@pytest.mark.parametrize("name", ["c.warc", "c.warc.gz"])
def test_a_corrupt_warc_record_becomes_one_error_record_and_reading_goes_on(
        tmp_path: Path, warc_writer: Any, plumbing: Any, name: str) -> None:
    pages = [(f"https://c.example/{i}", f"<html><body><p>Page {i}</p></body></html>".encode(),
              "text/html") for i in range(4)]
    ids = warc_writer(tmp_path / name, pages, corrupt=1)
    recs = _records(tmp_path / name, plumbing=plumbing)
    assert [r.kind for r in recs] == ["warc", "error", "warc", "warc"]
    assert [r.id for r in recs if r.kind == "warc"] == [ids[0], ids[2], ids[3]]
    assert recs[1].error is not None and "corrupt WARC record" in recs[1].error["message"]


def test_a_warc_page_in_a_declared_charset_is_decoded_with_it(
        inputs: dict[str, Any], texts: dict[str, str], plumbing: Any) -> None:
    recs = _records(inputs["warc"], plumbing=plumbing)
    article = record_to_article(recs[1], plumbing)
    assert recs[1].charset == "iso-8859-1"
    assert "hired two doctors" in article.text
    assert article.source.kind == "warc"


def test_a_warc_page_without_a_date_takes_the_crawl_date(inputs: dict[str, Any],
                                                         plumbing: Any) -> None:
    rec = _records(inputs["warc"], plumbing=plumbing)[0]
    assert rec.date is not None
    assert record_to_article(rec, plumbing).source.published == rec.date[:10]


def test_a_list_file_names_urls_and_paths_relative_to_itself(
        inputs: dict[str, Any], tmp_path: Path, plumbing: Any) -> None:
    lst = tmp_path / "todo.txt"
    relative = os.path.relpath(inputs["jsonl"], tmp_path)
    lst.write_text(f"# what to read\nhttps://news.example/a\n\n{relative}\nmissing.html\n")
    recs = _records(f"@{lst}", plumbing=plumbing)
    assert [(r.id, r.kind) for r in recs] == [
        (url_id("https://news.example/a"), "url"), ("bridge-1", "jsonl"),
        ("feed.jsonl:2", "jsonl"), ("todo.txt:5", "error")]


def test_a_urls_file_is_a_list_without_the_at_sign(tmp_path: Path, plumbing: Any) -> None:
    lst = tmp_path / "seeds.urls"
    lst.write_text("https://news.example/a\nhttps://news.example/b\n")
    assert [r.url for r in _records(lst, plumbing=plumbing)] == [
        "https://news.example/a", "https://news.example/b"]


def test_mixed_inputs_are_listed_in_order_and_a_file_named_twice_once(
        inputs: dict[str, Any], plumbing: Any) -> None:
    recs = _records(inputs["jsonl"], inputs["folder"], inputs["warc"], inputs["jsonl"],
                    plumbing=plumbing)
    assert {r.id for r in recs} == inputs["ids"]
    assert len(recs) == len(inputs["ids"])
    assert recs[0].id == "bridge-1"


def test_a_missing_input_is_an_error_record(tmp_path: Path, plumbing: Any) -> None:
    (rec,) = _records(tmp_path / "nope", plumbing=plumbing)
    assert rec.kind == "error" and rec.error is not None
    assert "no such file or folder" in rec.error["message"]


def test_an_undecodable_page_raises_a_binary_input_error_in_the_worker(
        tmp_path: Path, plumbing: Any) -> None:
    page = tmp_path / "broken.html"
    page.write_bytes(b"<html>\x00\x01\x02\x03" * 200)
    (rec,) = _records(page, plumbing=plumbing)
    with pytest.raises(BinaryInputError):
        record_to_article(rec, plumbing)


def test_a_record_survives_its_dict_form(inputs: dict[str, Any], plumbing: Any) -> None:
    recs = _records(inputs["warc"], inputs["jsonl"], inputs["folder"], plumbing=plumbing)
    assert [Record.from_dict(r.to_dict()) for r in recs] == recs
