"""`unspin batch` and `unspin corpus`, driven through a CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from unspin.cli_batch import batch, corpus
from unspin.errors import ConfigError, InputError

app = typer.Typer()
app.command()(batch)
app.command()(corpus)


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"id": "a", "text": "The mayor said the bridge would reopen in May.", "site": "Ledger"}\n'
        '{"id": "b", "text": "Farmers asked the ministry for help after the frost."}\n'
        "not json\n", encoding="utf-8")
    return path


def test_batch_writes_tables_and_exits_by_the_failure_ratio(feed: Path, tmp_path: Path) -> None:
    args = ["batch", str(feed), "-o", str(tmp_path / "out"), "-n", "0", "--stages", ""]
    strict = CliRunner().invoke(app, args)
    lenient = CliRunner().invoke(app, [*args, "--max-failure-ratio", "0.5"])
    assert strict.exit_code == 1  # 1 failure in 3 records is over the default 5%
    assert lenient.exit_code == 0
    assert "0 analysed, 0 failed, 3 skipped" in lenient.output
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_batch_accounts_for_every_input_in_the_summary_and_the_manifest(
        tmp_path: Path) -> None:
    """The issue-24 crawl: a .warc.gz that is gzip but not WARC and a .bin file used to give
    "0 analysed, 0 failed" and nothing in the manifest."""
    import gzip

    crawl = tmp_path / "crawl"
    crawl.mkdir()
    (crawl / "cc.warc.gz").write_bytes(gzip.compress(b"<html><p>a page, not a WARC</p></html>"))
    (crawl / "blob.bin").write_bytes(bytes(range(256)) * 8)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(crawl), "-o", str(out), "-n", "0",
                                      "--stages", "", "--max-failure-ratio", "1"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "0 analysed, 1 failed" in said
    assert "1 inputs with nothing to analyse" in said
    assert "blob.bin: [W601]" in said
    run = json.loads((out / "manifest.json").read_text())["runs"][-1]
    assert run["ignored"] == 1
    assert [(i["input"], i["code"]) for i in run["ignored_inputs"]] == [
        (str(crawl / "blob.bin"), "W601")]


def test_address_without_the_ray_engine_is_refused(feed: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["batch", str(feed), "-o", str(tmp_path / "o"),
                                      "--address", "ray://head:10001"])
    assert isinstance(result.exception, ConfigError)


def test_corpus_prints_json_and_writes_an_html_page(feed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    CliRunner().invoke(app, ["batch", str(feed), "-o", str(out), "-n", "0", "--stages", ""])
    shown = CliRunner().invoke(app, ["corpus", str(out), "--format", "json", "--query", "summary"])
    assert shown.exit_code == 0
    assert json.loads(shown.output)["summary"][0]["articles"] == 2
    page = tmp_path / "corpus.html"
    assert CliRunner().invoke(app, ["corpus", str(out), "-o", str(page)]).exit_code == 0
    assert page.read_text().startswith("<!DOCTYPE html>")


def test_corpus_csv_of_every_query_needs_a_folder(feed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    CliRunner().invoke(app, ["batch", str(feed), "-o", str(out), "-n", "0", "--stages", ""])
    refused = CliRunner().invoke(app, ["corpus", str(out), "--format", "csv"])
    assert isinstance(refused.exception, ConfigError)
    folder = tmp_path / "csv"
    done = CliRunner().invoke(app, ["corpus", str(out), "--format", "csv", "-o", str(folder)])
    assert done.exit_code == 0
    assert (folder / "top_speakers.csv").read_text().startswith("speaker,type,quotes")


@pytest.fixture
def out(feed: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    CliRunner().invoke(app, ["batch", str(feed), "-o", str(folder), "-n", "0", "--stages", "",
                             "--max-failure-ratio", "0.5"])
    return folder


def test_batch_writes_the_corpus_wide_tables(feed: Path, tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    done = CliRunner().invoke(app, ["batch", str(feed), "-o", str(out), "-n", "0", "--stages",
                                    "", "--max-failure-ratio", "0.5"])
    assert "canonical speakers, 0 near-duplicate copies" in " ".join(done.output.split())
    assert {p.name for p in (out / "derived").iterdir()} == {
        "speakers.parquet", "speaker_actors.parquet", "duplicates.parquet",
        "quote_copies.parquet", "meta.json", "search", "agg"}
    assert json.loads((out / "derived" / "search" / "indexed.json").read_text())["shards"]
    assert list((out / "derived" / "agg").glob("part-*")), "the per-shard aggregates"


@pytest.mark.parametrize("args", [
    ["--since", "last tuesday"],
    ["--compare", "Ledger"],
    ["--compare", "Ledger,Other", "--outlet", "Ledger"],
    ["--outlet", "Gazette"],
])
def test_bad_corpus_filters_exit_with_code_2(out: Path, args: list[str]) -> None:
    from unspin.cli import main

    assert main(["corpus", str(out), "-f", "json", *args]) == 2


def test_a_malformed_alias_file_exits_with_code_2(out: Path, tmp_path: Path) -> None:
    from unspin.cli import main

    bad = tmp_path / "aliases.csv"
    bad.write_text("a,b,c,d\n", encoding="utf-8")
    assert main(["corpus", str(out), "--aliases", str(bad)]) == 2
    assert main(["batch", str(out.parent / "feed.jsonl"), "-o", str(out), "--aliases", str(bad),
                 "-n", "0", "--stages", ""]) == 2


def test_corpus_filters_and_periods_reach_the_queries(out: Path) -> None:
    shown = CliRunner().invoke(app, ["corpus", str(out), "-f", "json", "--query", "outlets",
                                     "--outlet", "ledger", "--period", "week"])
    assert shown.exit_code == 0, shown.output
    assert [r["outlet"] for r in json.loads(shown.output)["outlets"]] == ["Ledger"]


@pytest.mark.parametrize("step", ["--index", "--aggregates"])
@pytest.mark.parametrize("what", ["missing", "empty", "no finished shard"])
def test_building_the_index_or_aggregates_of_a_folder_that_is_no_batch_output_is_E100(
        tmp_path: Path, step: str, what: str) -> None:
    folder = tmp_path / "out"
    if what != "missing":
        folder.mkdir()
    if what == "no finished shard":
        (folder / "shards" / "part-00000").mkdir(parents=True)  # no articles.parquet in it
    done = CliRunner().invoke(app, ["corpus", str(folder), step])
    assert isinstance(done.exception, InputError)  # the CLI's handler: exit 2, the coded line
    assert done.exception.code == "E100"
    assert "holds no finished batch shards" in str(done.exception)
    assert not (folder / "derived").exists()  # nothing written for it
