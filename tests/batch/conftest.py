"""Inputs the batch tests build for themselves: a folder, a JSONL file and a WARC file,
from short texts written for these tests."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from unspin.options import Options

#: Plumbing tests run no stage after the backbone (fast); one test runs the defaults.
PLUMBING = Options(stages=())

TEXTS = {
    "harbour": ("Harbour council approves new ferry timetable\n\n"
                "The harbour council voted on Tuesday to add two evening ferries to the island "
                "route. \"People who work late deserve a way home,\" said councillor Mara Lindqvist. "
                "The operator said the change would start in the spring."),
    "orchard": ("Late frost hits valley orchards\n\n"
                "Growers in the upper valley said a late frost had damaged about a third of the "
                "apple blossom. The regional farmers' union asked the ministry for emergency "
                "support, arguing that small farms could not absorb another poor season."),
    "library": ("City library extends weekend hours\n\n"
                "The central library will open on Sunday afternoons from next month. Its director, "
                "Tomas Ferreira, said visitor numbers had doubled since the reading room was "
                "renovated, and that volunteers would help staff the extra hours."),
    "bridge": ("Repairs close the old river bridge\n\n"
               "Engineers closed the old river bridge to traffic after inspectors found cracks in "
               "two supports. Cyclists and pedestrians can still cross. The transport office "
               "expects the repairs to take eight weeks."),
    "choir": ("Youth choir wins national contest\n\n"
              "A youth choir from the northern district won the national contest on Saturday. "
              "\"They rehearsed every morning before school,\" their conductor told reporters. "
              "The prize money will pay for a tour next summer."),
    "market": ("Night market returns to the old square\n\n"
               "The night market returned to the old square after a two-year break, with forty "
               "stalls selling food, books and crafts. Traders said the first evening was busier "
               "than they had hoped."),
    "clinic": ("Rural clinic hires two doctors\n\n"
               "The rural clinic in the hill villages has hired two doctors, ending months in which "
               "patients travelled an hour for an appointment. The health board said it hoped to "
               "recruit a nurse by the autumn."),
}


def as_html(key: str) -> str:
    title, _, body = TEXTS[key].partition("\n\n")
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1><p>{body}</p></article></body></html>")


def write_warc(path: Path, pages: list[tuple[str, bytes, str]], *, corrupt: int | None = None,
               extra_request: bool = True) -> list[str]:
    """A WARC (gzipped if ``path`` ends in .gz) with one response per (url, body, content type),
    plus a request record; ``corrupt`` garbles that response's header. Returns record ids."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=path.name.endswith(".gz"))
    ids, offsets = [], []
    for url, body, ctype in pages:
        if extra_request:
            get = b"GET / HTTP/1.1\r\n\r\n"
            req = writer.create_warc_record(url, "request", payload=io.BytesIO(get),
                                            length=len(get))
            writer.write_record(req)
        offsets.append(buf.tell())
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                        length=len(body), http_headers=headers)
        ids.append(rec.rec_headers.get_header("WARC-Record-ID").strip("<>").removeprefix("urn:uuid:"))
        writer.write_record(rec)
    data = bytearray(buf.getvalue())
    if corrupt is not None:
        start = offsets[corrupt]
        data[start + 4:start + 40] = b"#" * 36
    path.write_bytes(bytes(data))
    return ids


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A folder (2 .txt, 1 .html.gz, 1 ignored file), a JSONL file (text and html records)
    and a WARC.gz (2 HTML responses), with the ids each should yield. Read-only: tests
    that change inputs build their own."""
    tmp_path = tmp_path_factory.mktemp("inputs")
    folder = tmp_path / "crawl"
    (folder / "sub").mkdir(parents=True)
    (folder / "harbour.txt").write_text(TEXTS["harbour"], encoding="utf-8")
    (folder / "sub" / "orchard.txt").write_text(TEXTS["orchard"], encoding="utf-8")
    (folder / "sub" / "library.html.gz").write_bytes(gzip.compress(as_html("library").encode()))
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text(
        json.dumps({"id": "bridge-1", "text": TEXTS["bridge"], "url": "https://news.example/bridge",
                    "site": "River News", "published": "2024-03-02"}) + "\n"
        + json.dumps({"html": as_html("choir"), "url": "https://choir.example/win"}) + "\n",
        encoding="utf-8")
    warc = tmp_path / "cc.warc.gz"
    warc_ids = write_warc(warc, [
        ("https://market.example/night", as_html("market").encode(), "text/html; charset=utf-8"),
        ("https://clinic.example/doctors", as_html("clinic").encode("latin-1"),
         "text/html; charset=iso-8859-1"),
    ])
    return {
        "folder": folder, "jsonl": jsonl, "warc": warc,
        "ids": {"crawl/harbour.txt", "crawl/sub/orchard.txt", "crawl/sub/library.html.gz",
                "bridge-1", "feed.jsonl:2", *warc_ids},
        "warc_ids": warc_ids,
    }


def rows(table: pa.Table, *, drop: tuple[str, ...] = ("timings",)) -> list[dict[str, Any]]:
    """A table's rows in a stable order, without the columns that vary run to run."""
    keep = [c for c in table.column_names if c not in drop]
    data = table.select(keep).to_pylist()
    return sorted(data, key=lambda r: json.dumps(r, sort_keys=True, default=str))


@pytest.fixture(scope="session")
def local_out(inputs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three inputs through the local engine, 2 workers, no stages (run once)."""
    import io

    from rich.console import Console

    from unspin.batch import BatchConfig, run_batch

    out = tmp_path_factory.mktemp("local") / "out"
    result = run_batch(BatchConfig(
        inputs=(str(inputs["folder"]), str(inputs["jsonl"]), str(inputs["warc"])), out=out,
        options=PLUMBING, workers=2, shard_size=3), Console(file=io.StringIO()))
    assert result.exit_code == 0
    return out


@pytest.fixture(scope="session")
def plumbing() -> Options:
    """Options with no stage after the backbone: for tests about batch plumbing."""
    return PLUMBING


@pytest.fixture(scope="session")
def texts() -> dict[str, str]:
    return dict(TEXTS)


@pytest.fixture(scope="session")
def html_of() -> Any:
    return as_html


@pytest.fixture(scope="session")
def warc_writer() -> Any:
    return write_warc


@pytest.fixture(scope="session")
def sorted_rows() -> Any:
    return rows
