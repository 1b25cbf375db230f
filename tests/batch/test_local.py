"""The local engine: a folder, a JSONL file and a WARC file into Parquet tables."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from rich.console import Console

from unspin.analyzer import Analyzer
from unspin.batch import BatchConfig, read_table, run_batch
from unspin.batch.inputs import iter_records, record_to_article
from unspin.batch.tables import LAYER_TABLES, SCHEMAS, TABLES, report_to_rows
from unspin.batch.writer import MANIFEST
from unspin.options import Options


def _quiet() -> Console:
    return Console(file=io.StringIO())


def test_a_folder_a_jsonl_file_and_a_warc_file_become_one_article_row_each(
        inputs: dict[str, Any], local_out: Path) -> None:
    articles = read_table(local_out, "articles")
    assert sorted(articles.column("id").to_pylist()) == sorted(inputs["ids"])
    assert read_table(local_out, "failures").num_rows == 0


def test_every_table_is_written_in_every_shard(local_out: Path) -> None:
    shards = sorted((local_out / "shards").iterdir())
    assert len(shards) == 3  # 7 records, 3 a shard
    for shard in shards:
        assert sorted(p.stem for p in shard.iterdir()) == sorted(TABLES)


def test_the_articles_keep_their_source_metadata(inputs: dict[str, Any], local_out: Path) -> None:
    by_id = {r["id"]: r for r in read_table(local_out, "articles").to_pylist()}
    bridge = by_id["bridge-1"]
    assert (bridge["source_kind"], bridge["source_site"], bridge["source_published"]) == (
        "jsonl", "River News", "2024-03-02")
    assert by_id[inputs["warc_ids"][0]]["source_url"] == "https://market.example/night"
    assert by_id["crawl/sub/library.html.gz"]["source_kind"] == "html"
    assert by_id["crawl/harbour.txt"]["input"].endswith("crawl/harbour.txt")


def test_a_pool_and_the_driver_process_write_the_same_tables(
        inputs: dict[str, Any], plumbing: Options, local_out: Path, tmp_path: Path,
        sorted_rows: Any) -> None:
    run_batch(BatchConfig(inputs=(str(inputs["folder"]), str(inputs["jsonl"]), str(inputs["warc"])),
                          out=tmp_path / "serial", options=plumbing, workers=0), _quiet())
    for table in TABLES:
        assert sorted_rows(read_table(local_out, table)) == sorted_rows(
            read_table(tmp_path / "serial", table)), table


def test_the_manifest_records_version_options_models_and_inputs(local_out: Path) -> None:
    manifest = json.loads((local_out / MANIFEST).read_text())
    assert manifest["unspin_version"]
    assert manifest["options"]["stages"] == []
    assert manifest["models"]["backbone"]["package"]
    assert {i["type"] for i in manifest["inputs"]} == {"folder", "jsonl", "warc"}
    (run,) = manifest["runs"]
    assert (run["status"], run["engine"], run["workers"], run["processed"]) == (
        "complete", "local", 2, 7)
    # one entry per worker process that analysed a record: both, unless one took all
    # seven before the other started (seen on a loaded machine)
    assert 1 <= len(run["peak_rss_mb"]) <= 2
    assert all(int(pid) > 0 and mb > 0 for pid, mb in run["peak_rss_mb"].items())


def test_more_failures_than_the_threshold_give_exit_code_1(
        tmp_path: Path, plumbing: Options) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "The council met on Monday to vote."}\nbroken\n')

    def run(out: str, ratio: float) -> Any:
        return run_batch(BatchConfig(inputs=(str(feed),), out=tmp_path / out, options=plumbing,
                                     workers=0, max_failure_ratio=ratio), _quiet())

    strict, lenient = run("a", 0.25), run("b", 0.5)
    assert (strict.failure_ratio, strict.exit_code, lenient.exit_code) == (0.5, 1, 0)


def test_without_a_terminal_progress_is_plain_log_lines(
        inputs: dict[str, Any], plumbing: Options, tmp_path: Path) -> None:
    log = io.StringIO()
    run_batch(BatchConfig(inputs=(str(inputs["folder"]),), out=tmp_path / "out",
                          options=plumbing, workers=0), Console(file=log, width=200))
    assert log.getvalue().splitlines()[-1].startswith("batch: 3 records (0 failed, 0 skipped)")


@pytest.mark.slow
def test_with_the_default_stages_the_rows_are_those_of_a_single_analysis(
        inputs: dict[str, Any], tmp_path: Path, sorted_rows: Any) -> None:
    options = Options()
    run_batch(BatchConfig(inputs=(str(inputs["folder"]),), out=tmp_path / "out",
                          options=options, workers=1), _quiet())
    analyzer = Analyzer(options)
    expected: dict[str, list[dict[str, Any]]] = {t: [] for t in ("articles", *LAYER_TABLES)}
    for record in iter_records([str(inputs["folder"])], options):
        if record.kind == "skip":  # notes.pdf: listed in the manifest, not analysed
            continue
        report = analyzer.analyze_article(record_to_article(record, options))
        for table, table_rows in report_to_rows(report, input=record.source).items():
            expected[table].extend(table_rows)
    for table, table_rows in expected.items():
        want = pa.Table.from_pylist(table_rows, schema=SCHEMAS[table])
        assert sorted_rows(read_table(tmp_path / "out", table)) == sorted_rows(want), table


def test_a_page_with_no_article_is_a_failure_row_and_the_run_goes_on(
        tmp_path: Path, plumbing: Options) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "nav.html").write_text(
        "<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
        encoding="utf-8")
    (folder / "story.txt").write_text("The council met on Monday to vote on the bridge.",
                                      encoding="utf-8")
    result = run_batch(BatchConfig(inputs=(str(folder),), out=tmp_path / "out", options=plumbing,
                                   workers=0, max_failure_ratio=1.0), _quiet())
    failures = read_table(tmp_path / "out", "failures").to_pylist()
    assert [f["code"] for f in failures] == ["E104"]
    assert read_table(tmp_path / "out", "articles").num_rows == 1
    assert result.exit_code == 0
