"""bench/corpus_scale.py: its synthetic batch output is a real one, small, and reproducible.

A few hundred articles stand in for the million the benchmark generates; what holds here
(schemas, references between tables, label sets, every query answering) holds for any N,
since every shard is drawn by the same code.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from unspin.batch.tables import SCHEMAS, TABLES, failure_row
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore, read_table
from unspin.corpus import QUERIES, Corpus, render_html
from unspin.taxonomy import TECHNIQUES

BENCH = Path(__file__).resolve().parents[1] / "bench" / "corpus_scale.py"
MODELS = Path(__file__).resolve().parents[1] / "src" / "unspin" / "models"
ARTICLES, SHARD = 500, 200


@pytest.fixture(scope="module")
def scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_scale", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def out(scale: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder: Path = scale.generate(tmp_path_factory.mktemp("scale") / "out", ARTICLES, seed=7,
                                  shard_size=SHARD)
    return folder


def _table(out: Path, name: str) -> pa.Table:
    return read_table(out, name)


def test_writes_shards_as_the_batch_writer_lays_them_out(out: Path) -> None:
    shards = sorted(p.name for p in (out / "shards").iterdir())
    assert shards == ["part-000001", "part-000002", "part-000003"]  # 200 + 200 + 100
    for shard in shards:
        assert sorted(p.name for p in (out / "shards" / shard).iterdir()) == \
            sorted(f"{t}.parquet" for t in TABLES)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["articles"] == ARTICLES


def test_every_table_has_exactly_the_schema_of_the_real_tables(scale: ModuleType, out: Path,
                                                              tmp_path: Path) -> None:
    for name, table in scale.shard_tables(scale.make_pools(7), 7, 1, 0, 50).items():
        assert table.schema.equals(SCHEMAS[name], check_metadata=True), name
    # on disk, compared with a shard the batch writer itself writes
    store = ShardStore(tmp_path / "real")
    store.prepare(force=False)
    failed = failure_row(id="x", source="s", stage="ingest", code="E101", type="T", message="m")
    real = store.write_shard([Outcome(id="x", source="s", rows={"failures": [failed]},
                                      failed=True, pid=0, rss_kb=0, ms=0.0)])
    assert real is not None
    for path in (out / "shards").glob("part-*/*.parquet"):
        assert pq.read_schema(path).equals(pq.read_schema(real / path.name),
                                           check_metadata=True), path


def test_every_layer_row_belongs_to_an_article_and_its_spans_lie_in_the_text(out: Path) -> None:
    articles = _table(out, "articles")
    assert articles.num_rows == ARTICLES
    ids = articles.column("id")
    assert pc.count_distinct(ids).as_py() == ARTICLES
    length = dict(zip(ids.to_pylist(), pc.utf8_length(articles.column("text")).to_pylist(),
                      strict=True))
    for name in ("actors", "quotes", "techniques", "narratives", "roles", "voices"):
        rows = _table(out, name)
        assert rows.num_rows > ARTICLES * 0.5, name
        assert pc.all(pc.is_in(rows.column("article_id"), value_set=ids)).as_py(), name
    for name, start, end in (("techniques", "start", "end"), ("roles", "start", "end"),
                             ("quotes", "content_start", "content_end")):
        for row in _table(out, name).select(["article_id", start, end]).to_pylist():
            assert 0 <= row[start] < row[end] <= length[row["article_id"]], (name, row)
    for row in _table(out, "removed").to_pylist():
        raw = articles.filter(pc.equal(ids, row["article_id"])).column("raw_text")[0].as_py()
        assert raw[row["start"]:row["end"]] == row["text"]


def test_each_quote_speaker_is_an_actor_of_the_same_article(out: Path) -> None:
    actors = {(r["article_id"], r["id"]) for r in
              _table(out, "actors").select(["article_id", "id"]).to_pylist()}
    speakers = [(r["article_id"], r["speaker"]) for r in
                _table(out, "quotes").select(["article_id", "speaker"]).to_pylist()]
    resolved = [s for s in speakers if s[1] is not None]
    assert len(resolved) > 0.8 * len(speakers)
    assert set(resolved) <= actors


def test_labels_come_from_the_projects_taxonomy_and_models(out: Path) -> None:
    assert set(_table(out, "techniques").column("technique").to_pylist()) <= set(TECHNIQUES)
    meta = json.loads((MODELS / "narratives" / "meta.json").read_text())["labels"]
    known = {s for d in meta.values() for s in d["subnarratives"]}
    narratives = _table(out, "narratives")
    assert set(narratives.column("label").to_pylist()) <= known
    assert len(set(narratives.column("narrative").to_pylist())) > 5
    fine = json.loads((MODELS / "roles" / "meta.json").read_text())["fine_roles"]
    for row in _table(out, "roles").select(["main_role", "fine_roles"]).to_pylist():
        assert [fine[f] for f in row["fine_roles"]] == [row["main_role"]]


def test_speakers_appear_under_the_alias_variants_a_crawl_shows(out: Path) -> None:
    names = set(_table(out, "actors").column("name").to_pylist())
    full = {n for n in names if n.count(" ") == 1 and not n.startswith(("Mr.", "Ms."))}
    assert any(n.split()[1] in names for n in full)  # "Ana Ruiz" and "Ruiz"
    assert any(n.startswith(("Mr. ", "Ms. ")) for n in names)
    assert any(". " in n and not n.startswith(("Mr.", "Ms.", "Dr.")) for n in names)  # "Ana M. Ruiz"


def test_outlets_and_dates_spread_like_a_crawl(out: Path) -> None:
    summary = Corpus(out).query("summary")[0]
    assert summary["articles"] == ARTICLES
    assert summary["outlets"] > 50
    assert summary["first_date"] >= "2023-01-01" and summary["last_date"] <= "2024-12-31"


def test_every_named_query_runs_and_returns_rows(out: Path) -> None:
    with Corpus(out) as db:
        for name in QUERIES:
            assert db.query(name), name
        assert "<svg" in render_html(db)


def test_every_timing_target_runs_and_reports_its_runs(scale: ModuleType, out: Path) -> None:
    assert set(QUERIES) <= set(scale.targets())
    for name in scale.targets():
        result = scale.time_target(out, name, 2)
        assert len(result["seconds"]) == 2 and result["min_s"] <= result["median_s"]
        assert result["result"] > 0 and result["peak_rss_mb"] > 0


def test_generation_is_deterministic_for_a_seed(scale: ModuleType) -> None:
    pools = scale.make_pools(3)
    first = scale.shard_tables(pools, 3, 1, 0, 150)
    again = scale.shard_tables(scale.make_pools(3), 3, 1, 0, 150)
    other = scale.shard_tables(scale.make_pools(4), 4, 1, 0, 150)
    for name in TABLES:
        assert first[name].equals(again[name]), name
    assert not first["actors"].equals(other["actors"])


def test_a_table_or_column_without_a_rule_is_still_written_with_its_schema(
        scale: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    later = {**SCHEMAS,
             "quotes": SCHEMAS["quotes"].append(pa.field("canonical", pa.string())),
             "speakers": pa.schema([pa.field("canonical", pa.string(), nullable=False),
                                    pa.field("aliases", pa.list_(pa.string()))])}
    monkeypatch.setattr(scale, "SCHEMAS", later)
    monkeypatch.setattr(scale, "TABLES", tuple(later))
    tables = scale.shard_tables(scale.make_pools(0), 0, 1, 0, 50)
    assert tables["speakers"].schema.equals(later["speakers"]) and tables["speakers"].num_rows == 0
    assert tables["quotes"].schema.equals(later["quotes"])
    assert tables["quotes"].column("canonical").null_count == tables["quotes"].num_rows


@pytest.mark.slow
def test_the_command_prints_both_sets_and_writes_json(scale: ModuleType, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "scale.json"
    assert scale.main(["--articles", "300", "--small", "100", "--shard-size", "100",
                       "--repeat", "1", "--dir", str(tmp_path / "gen"), "--json",
                       str(report)]) == 0
    printed = capsys.readouterr().out
    for name in scale.targets():
        assert f"| {name} |" in printed
    data = json.loads(report.read_text())
    assert data["big"]["articles"] == 300 and data["small"]["articles"] == 100
    assert data["big"]["rows"]["articles"] == 300
    assert not (tmp_path / "gen" / "big-300").exists()  # deleted without --keep
