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

from unspin.batch import derived
from unspin.batch.derived import DERIVED, DERIVED_SCHEMAS, is_fresh, read_derived
from unspin.batch.duplicates import THRESHOLD
from unspin.batch.tables import SCHEMAS, TABLES, failure_row
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore, read_table
from unspin.corpus import PERIODS, QUERIES, Corpus, Period, render_html
from unspin.taxonomy import TECHNIQUES

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench" / "corpus_scale.py"
MODELS = ROOT / "src" / "unspin" / "models"
ARTICLES, SHARD = 500, 200


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scale() -> ModuleType:
    return _load("corpus_scale", BENCH)


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
    assert summary["articles"] + summary["copies_folded"] == ARTICLES  # each story once
    assert summary["outlets"] > 50
    assert summary["first_date"] >= "2023-01-01" and summary["last_date"] <= "2024-12-31"


def test_the_derived_tables_have_their_pinned_schemas(out: Path, tmp_path: Path) -> None:
    pinned = _load("pinned_tables", ROOT / "tests" / "batch" / "test_tables.py").PINNED_DERIVED
    # the files (the generator also builds the aggregates, in the agg/ folder beside them)
    assert sorted(p.name for p in (out / DERIVED).iterdir() if p.is_file()) == \
        sorted([*(f"{t}.parquet" for t in DERIVED_SCHEMAS), "meta.json"])
    for name in DERIVED_SCHEMAS:
        table = read_derived(out, name)
        assert [f"{f.name}: {f.type}" for f in table.schema] == pinned[name], name
        assert table.num_rows > 0, name
        # on disk, as rebuild_derived writes the schema (Parquet names a list's item
        # "element"; nullability kept)
        pq.write_table(DERIVED_SCHEMAS[name].empty_table(), tmp_path / name,
                       compression="zstd")
        assert pq.read_schema(out / DERIVED / f"{name}.parquet").equals(
            pq.read_schema(tmp_path / name)), name


def test_the_derived_tables_are_fresh_so_the_corpus_reads_them(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_fresh(out)

    def recompute(*_: object, **__: object) -> None:
        raise AssertionError("Corpus recomputed a derived table")

    monkeypatch.setattr(derived, "derive_speakers", recompute)
    monkeypatch.setattr(derived, "derive_duplicates", recompute)
    with Corpus(out) as db:
        assert db.query("summary")[0]["speakers"] > 0


def test_every_quoted_actor_maps_to_one_canonical_speaker(out: Path) -> None:
    quoted = {(r["article_id"], r["speaker"]) for r in
              _table(out, "quotes").select(["article_id", "speaker"]).to_pylist()
              if r["speaker"] is not None}
    links = read_derived(out, "speaker_actors").to_pylist()
    assert {(r["article_id"], r["actor_id"]) for r in links} == quoted
    speakers = {r["speaker"]: r for r in read_derived(out, "speakers").to_pylist()}
    assert len(speakers) == read_derived(out, "speakers").num_rows  # names are unique
    for r in links:
        assert r["name"] in speakers[r["speaker"]]["aliases"], r
    resolved = pc.sum(pc.is_valid(_table(out, "quotes").column("speaker"))).as_py()
    assert sum(s["quotes"] for s in speakers.values()) == resolved


def test_a_share_of_speakers_merge_several_aliases(out: Path) -> None:
    speakers = read_derived(out, "speakers").to_pylist()
    merged = [s for s in speakers if len(s["aliases"]) > 1]
    assert 0.05 < len(merged) / len(speakers) < 0.5
    assert all(s["type"] == "person" for s in merged)
    top = speakers[0]  # sorted by quotes, as the batch writes them
    assert top["quotes"] == max(s["quotes"] for s in speakers) and len(top["aliases"]) > 1


def test_a_few_percent_of_articles_are_copies_of_an_earlier_original(
        scale: ModuleType, out: Path) -> None:
    copies = read_derived(out, "duplicates").to_pylist()
    assert 0.005 * ARTICLES < len(copies) < 0.05 * ARTICLES
    published = {r["id"]: r["source_published"] for r in
                 _table(out, "articles").select(["id", "source_published"]).to_pylist()}
    originals = {c["duplicate_of"] for c in copies}
    assert not originals & {c["article_id"] for c in copies}
    for c in copies:
        assert c["article_id"] in published and THRESHOLD <= c["similarity"] <= 1
        assert published[c["duplicate_of"]] < (published[c["article_id"]] or "9999")
    assert [c["article_id"] for c in copies] == sorted(c["article_id"] for c in copies)
    with Corpus(out) as db:
        assert db.query("summary")[0]["copies_folded"] == len(copies)


def test_every_named_query_runs_and_returns_rows(out: Path) -> None:
    with Corpus(out) as db:
        periods: tuple[Period, ...] = ("week", "month")
        assert set(periods) == set(PERIODS)
        for period in periods:
            for name in QUERIES:
                assert db.query(name, period=period), (name, period)
        assert "<svg" in render_html(db)


def test_the_articles_behind_a_top_speaker_and_a_heatmap_cell_are_found(
        scale: ModuleType, out: Path) -> None:
    with Corpus(out) as db:
        keys = scale.drill_keys(db)
        top = db.query("top_speakers", top=1)[0]
        total, rows = db.articles_behind({"speaker": keys["speaker"]}, limit=5)
        assert total == top["articles"] and len(rows) == 5
        cell = next(r for r in db.query("outlet_technique")
                    if (r["outlet"], r["technique"]) == (keys["outlet"], keys["technique"]))
        total, rows = db.articles_behind({"outlet": keys["outlet"],
                                          "technique": keys["technique"]})
        assert total == cell["articles"] and rows


def test_every_timing_target_runs_and_reports_its_runs(scale: ModuleType, out: Path) -> None:
    assert set(QUERIES) <= set(scale.targets())
    assert {"open", "filtered_render_html", "behind_speaker", "behind_outlet_technique",
            "write_site"} <= set(scale.targets())
    for name in scale.targets():
        runs = 1 if name in scale.SMALL_ONLY else 2
        result = scale.time_target(out, name, runs)
        assert len(result["seconds"]) == runs and result["min_s"] <= result["median_s"]
        assert result["result"] > 0 and result["peak_rss_mb"] > 0, name
    assert not list(out.parent.glob(".site-*"))  # write_site's pages are removed


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
    assert set(tables) == set(later)
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
    assert "write_site | – | – | – | not timed" in printed  # the small set's only
    data = json.loads(report.read_text())
    assert data["big"]["articles"] == 300 and data["small"]["articles"] == 100
    assert data["big"]["rows"]["articles"] == 300 and data["big"]["rows"]["speakers"] > 0
    assert not (tmp_path / "gen" / "big-300").exists()  # deleted without --keep
