"""bench/polnear_crawl.py: PolNeAR's layout and metadata.tsv to JSONL records, on a tiny
invented copy of that layout (no PolNeAR text)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "polnear_crawl.py"
HEADER = ("compartment\tfilename\tlevel\tannotators\tpublisher\tpublication_date\tauthor\ttitle"
          "\ttrump_count\tclinton_count\tcredit\twire\n")


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("polnear_crawl", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["polnear_crawl"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "polnear"
    for split, name, text in (("train", "ledger_2016-01-02_ferry", "The ferry runs late."),
                              ("dev", "courier_2016-02-03_frost", "Frost hit the valley.")):
        folder = root / "data" / split / "text"
        folder.mkdir(parents=True)
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (root / "data" / "metadata.tsv").write_text(
        HEADER
        + "train\tledger_2016-01-02_ferry\tNone\tx\tledger\t2016-01-02\tAP\tFerry late\t0\t0"
          "\tNone\treuters\n"
        + "dev\tcourier_2016-02-03_frost\tNone\tx\tcourier\t2016-02-03\tNA\tFrost\t0\t0"
          "\tNone\tNone\n", encoding="utf-8")
    return root


def test_each_article_becomes_a_record_with_its_metadata(data: Path) -> None:
    records = _module().records(data)
    assert records == [
        {"id": "courier_2016-02-03_frost", "text": "Frost hit the valley.",
         "url": "https://courier.polnear/courier_2016-02-03_frost", "site": "courier",
         "published": "2016-02-03", "title": "Frost", "author": None, "wire": None},
        {"id": "ledger_2016-01-02_ferry", "text": "The ferry runs late.",
         "url": "https://ledger.polnear/ledger_2016-01-02_ferry", "site": "ledger",
         "published": "2016-01-02", "title": "Ferry late", "author": "AP", "wire": "REUTERS"},
    ]


def test_the_crawl_is_written_outside_the_repository_only(data: Path, tmp_path: Path) -> None:
    crawl = _module()
    out = tmp_path / "crawl.jsonl"
    assert crawl.main(["--data", str(data), "-o", str(out), "--limit", "1"]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [
        "courier_2016-02-03_frost"]
    assert crawl.main(["--data", str(data), "-o", str(BENCH.parent / "x.jsonl")]) == 2
    assert not (BENCH.parent / "x.jsonl").exists()


def test_a_missing_polnear_folder_is_reported(tmp_path: Path) -> None:
    assert _module().main(["--data", str(tmp_path), "-o", str(tmp_path / "x.jsonl")]) == 2


def test_a_split_or_the_articles_saying_a_word_most_make_a_smaller_crawl(
        data: Path, tmp_path: Path) -> None:
    crawl = _module()
    out = tmp_path / "c.jsonl"

    def ids(*args: str) -> list[str]:
        assert crawl.main(["--data", str(data), "-o", str(out), *args]) == 0
        return [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]

    assert ids("--split", "dev") == ["courier_2016-02-03_frost"]
    assert ids("--most", "Frost", "--top", "1") == ["courier_2016-02-03_frost"]
    assert ids("--most", "ferry", "--top", "1") == ["ledger_2016-01-02_ferry"]
