"""The derived step's per-shard aggregates: built after a run, rebuilt only for the shards
whose inputs changed, on Ray's workers when the batch runs on Ray."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from unspin.batch.aggregates import (
    AGG,
    AGG_TABLES,
    ShardTask,
    aggregates_fresh,
    build_shard,
    run_here,
    shard_digests,
    update_aggregates,
)
from unspin.batch.derived import DERIVED, rebuild_derived
from unspin.batch.tables import report_to_rows
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore
from unspin.errors import ConfigError
from unspin.report.models import Actor, Quote, Report, SourceInfo, Span

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray Data is not installed (pip install 'unspin[ray]')")


def _report(id: str, site: str, day: str, speaker: str) -> Report:
    text = f'"We will see," said {speaker}. The end.'
    return Report(unspin_version="0.1.0", id=id, language="en", text=text, raw_text=text,
                  source=SourceInfo(kind="jsonl", site=site, published=day),
                  actors=[Actor(id="p1", name=speaker, type="person")],
                  quotes=[Quote(id="q1", kind="direct", content=Span(start=1, end=12),
                                speaker="p1", confidence=0.9)])


def _shard(out: Path, reports: list[Report]) -> None:
    store = ShardStore(out)
    store.shards.mkdir(parents=True, exist_ok=True)
    store.write_shard([Outcome(id=r.id, source="x", rows=report_to_rows(r, input="x"),
                               failed=False, pid=1, rss_kb=0, ms=0.0) for r in reports])


def _two_shards(out: Path) -> Path:
    _shard(out, [_report("a1", "Ledger", "2024-03-01", "Mara Okafor"),
                 _report("a2", "Gazette", "2024-03-02", "Tomas Reyes")])
    _shard(out, [_report("b1", "Ledger", "2024-04-01", "Mara Okafor")])
    rebuild_derived(out)
    return out


def _tables(out: Path) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for shard in sorted((out / DERIVED / AGG).glob("part-*")):
        for name in AGG_TABLES:
            rows = pq.read_table(shard / f"{name}.parquet").to_pylist()
            found[f"{shard.name}/{name}"] = sorted(rows, key=lambda r: json.dumps(r, default=str))
    return found


def test_every_shard_gets_its_tables_and_the_folder_its_meta(tmp_path: Path) -> None:
    out = _two_shards(tmp_path)
    assert not aggregates_fresh(out)
    assert update_aggregates(out)["built"] == 2
    assert aggregates_fresh(out)
    speakers = pq.read_table(out / DERIVED / AGG / "part-000001" / "speakers.parquet")
    assert sorted(speakers.column("speaker").to_pylist()) == ["Mara Okafor", "Tomas Reyes"]
    articles = pq.read_table(out / DERIVED / AGG / "part-000001" / "articles.parquet")
    assert sorted(zip(articles.column("outlet").to_pylist(),
                      articles.column("articles").to_pylist(), strict=True)) == [
        ("Gazette", 1), ("Ledger", 1)]


def test_an_unchanged_output_rebuilds_nothing(tmp_path: Path) -> None:
    out = _two_shards(tmp_path)
    update_aggregates(out)
    assert update_aggregates(out) | {"seconds": 0} == {"built": 0, "kept": 2, "dropped": 0,
                                                       "seconds": 0}


def test_aggregates_of_an_older_format_are_not_read_and_are_rebuilt(tmp_path: Path) -> None:
    """Format 1 was keyed by (outlet, day, …) without the article: a view filtered by a
    speaker cannot read it, so it is stale and every shard is built again."""
    out = _two_shards(tmp_path)
    update_aggregates(out)
    for meta in (out / DERIVED / AGG).glob("**/meta.json"):
        data = json.loads(meta.read_text())
        meta.write_text(json.dumps({**data, "format": "unspin-agg/1"}))
    assert not aggregates_fresh(out)
    assert update_aggregates(out)["built"] == 2
    assert aggregates_fresh(out)
    articles = pq.read_table(out / DERIVED / AGG / "part-000001" / "articles.parquet")
    assert sorted(articles.column("article_id").to_pylist()) == ["a1", "a2"]


def test_a_new_shard_is_built_and_the_others_kept(tmp_path: Path) -> None:
    out = _two_shards(tmp_path)
    update_aggregates(out)
    before = _tables(out)
    _shard(out, [_report("c1", "Tide", "2024-05-01", "Ana Ruiz")])
    rebuild_derived(out)
    assert not aggregates_fresh(out)
    assert update_aggregates(out)["built"] == 1
    after = _tables(out)
    assert {k: v for k, v in after.items() if not k.startswith("part-000003")} == before
    assert aggregates_fresh(out)


def test_an_old_shard_whose_speakers_changed_is_rebuilt(tmp_path: Path) -> None:
    """A shard's partials depend on corpus-wide rows (its articles' canonical speakers):
    when the merge moves them, that shard is rebuilt, and only it."""
    out = _two_shards(tmp_path)
    update_aggregates(out)
    path = out / DERIVED / "speaker_actors.parquet"
    links = pq.read_table(path).to_pylist()
    for row in links:
        if row["article_id"] == "b1":
            row["speaker"] = "M. Okafor"  # as a different merge would name her
    pq.write_table(pa.Table.from_pylist(links, schema=pq.read_schema(path)), path)
    assert update_aggregates(out)["built"] == 1
    speakers = pq.read_table(out / DERIVED / AGG / "part-000002" / "speakers.parquet")
    assert speakers.column("speaker").to_pylist() == ["M. Okafor"]


def test_the_digest_of_a_shard_covers_its_files_and_its_corpus_wide_rows(tmp_path: Path
                                                                          ) -> None:
    out = _two_shards(tmp_path)
    update_aggregates(out)
    first = shard_digests(out)
    assert len(set(first.values())) == 2
    _shard(out, [_report("c1", "Tide", "2024-05-01", "Ana Ruiz")])
    rebuild_derived(out)
    update_aggregates(out)
    again = shard_digests(out)
    assert {k: again[k] for k in first} == first


def test_a_vanished_shard_loses_its_tables(tmp_path: Path) -> None:
    import shutil

    out = _two_shards(tmp_path)
    update_aggregates(out)
    shutil.rmtree(out / "shards" / "part-000002")
    rebuild_derived(out)
    assert update_aggregates(out)["dropped"] == 1
    assert sorted(p.name for p in (out / DERIVED / AGG).glob("part-*")) == ["part-000001"]


def test_stale_derived_tables_are_refused_with_what_to_do(tmp_path: Path) -> None:
    out = _two_shards(tmp_path)
    _shard(out, [_report("c1", "Tide", "2024-05-01", "Ana Ruiz")])  # derived not rebuilt
    with pytest.raises(ConfigError, match="rerun the same `unspin batch` command"):
        update_aggregates(out)


def test_a_batch_run_leaves_fresh_aggregates(local_out: Path) -> None:
    assert aggregates_fresh(local_out)


@needs_ray
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_on_ray_the_shards_are_built_by_ray_tasks_into_the_same_tables(tmp_path: Path) -> None:
    from unspin.batch.ray import RayEngine
    from unspin.options import Options

    here, there = _two_shards(tmp_path / "here"), _two_shards(tmp_path / "there")
    update_aggregates(here, mapper=run_here)
    calls: list[int] = []
    engine = RayEngine(Options(stages=()), workers=2)

    def counted(fn: Any, tasks: Any) -> None:
        calls.append(len(tasks))
        engine.map_tasks(fn, tasks)

    assert update_aggregates(there, mapper=counted, threads=1)["built"] == 2
    assert calls == [2] and aggregates_fresh(there)
    assert _tables(there) == _tables(here)


def test_build_shard_is_a_plain_function_of_its_task(tmp_path: Path) -> None:
    """What a Ray task runs: picklable, with everything it needs in the task."""
    import pickle

    out = _two_shards(tmp_path)
    update_aggregates(out)
    task = pickle.loads(pickle.dumps(ShardTask(str(out), "part-000001", "d", 1)))
    build_shard(task)
    meta = json.loads((out / DERIVED / AGG / "part-000001" / "meta.json").read_text())
    assert meta["digest"] == "d"
