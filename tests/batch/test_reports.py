"""Reports back out of a batch folder: the same Report the run stored, with no model loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unspin.batch.reports import iter_reports, load_report, load_reports
from unspin.batch.tables import failure_row
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore
from unspin.cli import main
from unspin.errors import InputError


def _with_a_failure(folder: Path) -> Path:
    store = ShardStore(folder)
    store.write_shard([Outcome(id="broken-3", source="in/broken-3", failed=True, pid=1,
                               rss_kb=0, ms=0.0, rows={"failures": [failure_row(
                                   id="broken-3", source="in/broken-3", stage="ingest",
                                   code="E104", type="NoArticleTextError",
                                   message="no article text")]})])
    return folder


def test_a_stored_report_comes_back_whole(batch_out: Path, annotated_report: Any) -> None:
    report = load_report(batch_out, "harbour-1")
    assert report.model_dump(mode="json") == annotated_report.model_dump(mode="json")


def test_every_report_can_be_read_one_shard_at_a_time(batch_out: Path) -> None:
    ids = [r.id for r in iter_reports(batch_out)]
    assert sorted(ids) == ["bare-2", "harbour-1"]
    only_quotes = {r.id: r for r in iter_reports(batch_out, layers=("quotes",))}
    assert only_quotes["harbour-1"].quotes and not only_quotes["harbour-1"].techniques


def test_several_reports_are_looked_up_at_once_and_unknown_ids_are_absent(batch_out: Path) -> None:
    found = load_reports(batch_out, ["bare-2", "harbour-1", "nope"])
    assert sorted(found) == ["bare-2", "harbour-1"]


def test_a_failed_or_unknown_article_is_an_input_error_that_says_which(batch_out: Path) -> None:
    _with_a_failure(batch_out)
    with pytest.raises(InputError, match="failed in that run at stage ingest"):
        load_report(batch_out, "broken-3")
    with pytest.raises(InputError, match="no article with id 'ghost'"):
        load_report(batch_out, "ghost")
    with pytest.raises(InputError, match="no finished batch shards"):
        load_report(batch_out / "missing", "harbour-1")


def test_render_id_writes_one_article_of_a_run_as_its_report_page(batch_out: Path,
                                                                   tmp_path: Path) -> None:
    page = tmp_path / "harbour.html"
    assert main(["render", str(batch_out), "--id", "harbour-1", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "Harbour plan divides the town" in html and "Ilse Brandt" in html


def test_render_of_a_folder_needs_an_id_and_a_file_takes_none(
        batch_out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(batch_out)]) == 2
    assert "--id" in capsys.readouterr().err
    assert main(["render", str(batch_out), "--id", "ghost"]) == 2
    assert "ghost" in capsys.readouterr().err
    report = tmp_path / "r.json"
    report.write_text("{}", encoding="utf-8")
    assert main(["render", str(report), "--id", "harbour-1"]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_a_damaged_shard_is_an_input_error_that_names_the_file(batch_out: Path) -> None:
    damaged = next((batch_out / "shards").glob("part-*")) / "quotes.parquet"
    damaged.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match=r"quotes\.parquet cannot be read"):
        load_report(batch_out, "harbour-1")

