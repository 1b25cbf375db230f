"""The fault campaign (issue 24): hostile inputs, generated here, through every face.

`unspin analyze` answers each with a report (exit 0) or a coded error (exit 2), never a
traceback; `unspin batch` accounts for every one (an article row, a failure row or a
listed skip); `POST /api/analyze` answers 200 or a coded 4xx, never a 500. Backbone only,
so the campaign stays fast.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rich.console import Console

from unspin.analyzer import Analyzer
from unspin.batch import BatchConfig, read_table, run_batch
from unspin.cli import main
from unspin.options import MB, Options

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

TEXT = ("The harbour council voted on Tuesday to add two evening ferries to the island route, "
        "and the operator agreed to run them from the spring.\n")
BACKBONE = Options(stages=(), max_bytes=2 * MB)


def _warc_without_responses() -> bytes:
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    get = b"GET / HTTP/1.1\r\n\r\n"
    writer.write_record(writer.create_warc_record(
        "https://a.example/", "request", payload=io.BytesIO(get), length=len(get)))
    return buf.getvalue()


#: name -> (bytes, what `unspin analyze` must answer: 0 a report, or the error code)
HOSTILE: dict[str, tuple[bytes, int | str]] = {
    "truncated.txt.gz": (gzip.compress((TEXT * 40).encode())[:-30], "E100"),
    "bomb.txt.gz": (gzip.compress(b"a " * (3 * 2**20)), "E103"),  # 6 MB inflated, cap 2 MB
    "nul.txt": ((TEXT * 3).replace("ferries", "ferr\x00ies").encode(), "E102"),
    "deep.html": (("<html><body>" + "<div>" * 5000 + f"<p>{TEXT * 3}</p>" + "</div>" * 5000
                   + "</body></html>").encode(), "E104"),
    "one-word-line.txt": (b"x" * 1_500_000, 0),
    "long-line.txt": (b"word " * 300_000, 0),
    "mixed-encodings.txt": (TEXT.encode() + "café naïve".encode("latin-1") + TEXT.encode()
                            + "déjà vu".encode(), 0),
    "wrong-types.jsonl": (b'[1, 2]\n"a string"\n{"text": 5}\n{"text": null}\n{"html": ["x"]}\n'
                          b'{"id": {"a": 1}, "text": "' + TEXT.strip().encode() + b'"}\n', "E106"),
    "deep.jsonl": (b'{"text": "' + TEXT.strip().encode() + b'", "meta": ' + b"[" * 100_000
                   + b"]" * 100_000 + b"}\n", "E106"),
    "requests-only.warc.gz": (_warc_without_responses(), "E100"),
    "new\nline.txt": (TEXT.encode(), 0),
    "café—ünïcode.txt": (TEXT.encode(), 0),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "crawl"
    folder.mkdir()
    for name, (data, _) in HOSTILE.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_analyze_answers_a_report_or_a_coded_error(
        hostile: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = HOSTILE[name][1]
    rc = main(["analyze", str(hostile / name), "--stages", "", "--max-mb", "2"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if expected == 0:
        assert rc == 0, err
        assert json.loads(out)["text"] is not None
    else:
        assert rc == 2, err
        assert f"[{expected}]" in err


def test_batch_accounts_for_every_hostile_input(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_batch(BatchConfig(inputs=(str(hostile),), out=out, options=BACKBONE, workers=0,
                                   max_failure_ratio=1.0, progress=False),
                       Console(file=io.StringIO()))
    articles = read_table(out, "articles").to_pylist()
    failures = read_table(out, "failures").to_pylist()
    assert not [f for f in failures if f["code"] == "E400"], "a bug, not a coded failure"
    seen = [r["input"] for r in articles] + [f["source"] for f in failures]
    seen += [i["input"] for i in result.ignored]
    for name in HOSTILE:
        assert any(s.startswith(str(hostile / name)) for s in seen), f"{name!r} vanished"
    # one row per JSONL line, good or bad
    assert sum(1 for f in failures if "wrong-types.jsonl" in f["source"]) == 5
    assert sum(1 for r in articles if "wrong-types.jsonl" in r["input"]) == 1
    assert result.processed + result.failed == len(articles) + len(failures)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    from unspin.web import create_app

    analyzer = Analyzer(Options(stages=()))
    with TestClient(create_app(analyzer), raise_server_exceptions=False) as c:
        yield c


def _deep_json() -> str:
    return '{"text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize(("case", "request_kwargs", "status"), [
    ("nested 100,000 deep", {"content": _deep_json(),
                             "headers": {"content-type": "application/json"}}, 400),
    ("text of the wrong type", {"json": {"text": 5}}, 422),
    ("html of the wrong type", {"json": {"html": ["<p>x</p>"]}}, 422),
    ("not UTF-8", {"content": b'{"text": "caf\xe9"}',
                   "headers": {"content-type": "application/json"}}, 400),
    ("NUL bytes", {"json": {"text": TEXT.replace("ferries", "ferr\x00ies")}}, 200),
    ("html nested 5,000 deep", {"json": {"html": HOSTILE["deep.html"][0].decode()}}, 422),
    ("a line of 300,000 characters", {"json": {"text": "x" * 300_000}}, 200),
    ("a truncated gzip upload", {"files": {"file": ("a.txt.gz", HOSTILE["truncated.txt.gz"][0],
                                                    "application/gzip")}}, 422),
    ("a gzip bomb upload", {"files": {"file": ("b.txt.gz", gzip.compress(b"a " * (6 * MB)),
                                               "application/gzip")}}, 413),
    ("a WARC upload", {"files": {"file": ("c.warc.gz", HOSTILE["requests-only.warc.gz"][0],
                                          "application/warc")}}, 422),
    ("mixed encodings", {"files": {"file": ("m.txt", HOSTILE["mixed-encodings.txt"][0],
                                            "text/plain")}}, 200),
    ("a file name with a newline", {"files": {"file": ("new\nliné.txt", TEXT.encode(),
                                                       "text/plain")}}, 200),
])
def test_the_api_answers_a_report_or_a_coded_4xx(
        client: TestClient, case: str, request_kwargs: dict[str, object], status: int) -> None:
    response = client.post("/api/analyze", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    body = response.json()
    if status != 200:
        assert body["code"].startswith("E") and body["message"]
