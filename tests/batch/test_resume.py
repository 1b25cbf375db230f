"""Resuming: a rerun skips finished records, adds the rest, duplicates nothing; --force
starts over."""

from __future__ import annotations

import io
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from unspin.batch import BatchConfig, BatchResult, read_table, run_batch
from unspin.errors import ConfigError
from unspin.options import Options


def _run(out: Path, *inputs: Path, options: Options, **kw: Any) -> BatchResult:
    return run_batch(BatchConfig(inputs=tuple(str(i) for i in inputs), out=out, options=options,
                                 workers=0, **kw), Console(file=io.StringIO()))


def _ids(out: Path) -> Counter[str]:
    return Counter(read_table(out, "articles").column("id").to_pylist()
                   + read_table(out, "failures").column("id").to_pylist())


def test_a_rerun_of_a_finished_run_analyses_nothing_and_changes_nothing(
        inputs: dict[str, Any], plumbing: Options, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, inputs["folder"], inputs["jsonl"], options=plumbing)
    before = sorted(p.name for p in (out / "shards").iterdir())
    again = _run(out, inputs["folder"], inputs["jsonl"], options=plumbing)
    assert (again.processed, again.skipped) == (0, 5)
    assert sorted(p.name for p in (out / "shards").iterdir()) == before


def test_a_rerun_with_more_inputs_analyses_only_the_new_records(
        inputs: dict[str, Any], plumbing: Options, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, inputs["folder"], options=plumbing)
    more = _run(out, inputs["folder"], inputs["jsonl"], inputs["warc"], options=plumbing)
    assert (more.processed, more.skipped) == (4, 3)
    ids = _ids(out)
    assert set(ids) == inputs["ids"] and max(ids.values()) == 1


def test_failed_records_count_as_done_and_are_not_retried(
        tmp_path: Path, plumbing: Options) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "The mayor opened the new bridge."}\nnot json\n')
    out = tmp_path / "out"
    _run(out, feed, options=plumbing)
    again = _run(out, feed, options=plumbing)
    assert (again.processed, again.failed, again.skipped) == (0, 0, 2)
    assert read_table(out, "failures").num_rows == 1


def test_force_starts_over(inputs: dict[str, Any], plumbing: Options, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, inputs["folder"], inputs["jsonl"], options=plumbing)
    forced = _run(out, inputs["jsonl"], options=plumbing, force=True)
    assert (forced.processed, forced.skipped) == (2, 0)
    assert set(_ids(out)) == {"bridge-1", "feed.jsonl:2"}


def test_a_rerun_with_other_options_is_refused(inputs: dict[str, Any], plumbing: Options,
                                               tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, inputs["jsonl"], options=plumbing)
    with pytest.raises(ConfigError, match="other options"):
        _run(out, inputs["jsonl"], options=plumbing.with_(clean=False))


def test_a_run_resumed_with_another_model_is_refused_naming_the_one_it_started_with(
        inputs: dict[str, Any], plumbing: Options, tmp_path: Path) -> None:
    import json

    out = tmp_path / "out"
    _run(out, inputs["jsonl"], options=plumbing)  # the default model: small
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["model"] == "small"
    assert manifest["models"]["encoder"]["model"] == "small"
    with pytest.raises(ConfigError, match=r"started with the small model.*--model small") as exc:
        _run(out, inputs["jsonl"], options=plumbing.with_(model="base"))
    assert exc.value.exit_code == 2
    again = _run(out, inputs["jsonl"], options=plumbing.with_(model="small"))  # named: same
    assert again.processed == 0



@pytest.mark.parametrize("damaged", ["{not json", "[1, 2]", "null"])
def test_a_damaged_manifest_is_an_input_error_and_nothing_is_written(
        damaged: str, inputs: dict[str, Any], plumbing: Options, tmp_path: Path) -> None:
    from unspin.errors import InputError

    out = tmp_path / "out"
    _run(out, inputs["jsonl"], options=plumbing)
    (out / "manifest.json").write_text(damaged, encoding="utf-8")
    before = sorted(p.name for p in (out / "shards").iterdir())
    with pytest.raises(InputError, match="--force") as exc:
        _run(out, inputs["jsonl"], options=plumbing)
    assert exc.value.exit_code == 2
    assert sorted(p.name for p in (out / "shards").iterdir()) == before
    assert (out / "manifest.json").read_text(encoding="utf-8") == damaged

def test_a_shard_left_half_written_by_a_killed_run_is_discarded(
        inputs: dict[str, Any], plumbing: Options, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, inputs["folder"], options=plumbing)
    (shard,) = (out / "shards").iterdir()
    half = out / "shards" / ".tmp-part-000002-x"
    shutil.copytree(shard, half)
    (half / "failures.parquet").unlink()
    again = _run(out, inputs["folder"], inputs["jsonl"], options=plumbing)
    assert not half.exists()
    assert again.processed == 2 and max(_ids(out).values()) == 1


def test_a_record_id_seen_twice_in_one_run_is_analysed_once(
        tmp_path: Path, plumbing: Options) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "The mayor opened the bridge."}\n'
                    '{"id": "a", "text": "The mayor closed the bridge."}\n')
    result = _run(tmp_path / "out", feed, options=plumbing)
    assert (result.processed, result.duplicates) == (1, 1)


def test_a_folder_that_is_not_a_batch_output_is_refused(
        tmp_path: Path, inputs: dict[str, Any], plumbing: Options) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.tex").write_text("precious")
    with pytest.raises(ConfigError, match="not empty"):
        _run(tmp_path / "out", inputs["jsonl"], options=plumbing)
