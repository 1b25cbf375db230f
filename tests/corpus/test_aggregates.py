"""The precomputed aggregates answer every view exactly as the scan of the shards does.

Two corpora: the benchmark's synthetic output (three shards, near-duplicate copies whose
originals fall on other dates, undated articles, repeated quotes), and the explorer's
small crawl after the batch's own derived step (the real speaker merge). Each query of
the page runs once through the partial tables and once with ``aggregates=False``; the
rows must be identical, under every filter: on dates and outlets (conditions on the
partial tables' keys) and on what articles contain (speakers, narratives, techniques,
genders, stances: semi-joins on their ids).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from unspin.batch.aggregates import AGG, aggregates_fresh, update_aggregates
from unspin.batch.derived import DERIVED, rebuild_derived
from unspin.corpus import QUERIES, Corpus, Filters
from unspin.corpus.queries import AGG_QUERIES
from unspin.corpus.views import page_data

BENCH = Path(__file__).resolve().parents[2] / "bench" / "corpus_scale.py"


def _generate(folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("corpus_scale", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    out: Path = module.generate(folder, 1500, seed=5, shard_size=500)
    return out


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("agg") / "out")


@pytest.fixture(scope="module")
def crawl_out(write_crawl: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out: Path = write_crawl(tmp_path_factory.mktemp("agg-crawl") / "out", shards=2)
    rebuild_derived(out)
    update_aggregates(out)
    return out


#: A near-duplicate copy whose original has another outlet, and a later day: filtering by
#: the copy's outlet, or from its day on, drops the original and so keeps the copy.
_CROSSING = ("SELECT c.source_site, TRY_CAST(c.source_published AS DATE) FROM duplicates d "
             "JOIN articles_all c ON c.id = d.article_id "
             "JOIN articles_all o ON o.id = d.duplicate_of "
             "WHERE c.source_site <> o.source_site AND TRY_CAST(c.source_published AS DATE) > "
             "TRY_CAST(o.source_published AS DATE) ORDER BY d.article_id LIMIT 1")


#: A near-duplicate copy that quotes a speaker its original does not: filtered by that
#: speaker, the view keeps the copy (its original does not pass, so nothing folds it).
_UNSHARED = ("SELECT s.speaker FROM duplicates d "
             "JOIN speaker_actors s ON s.article_id = d.article_id "
             "JOIN quotes_all q ON q.article_id = s.article_id AND q.speaker = s.actor_id "
             "WHERE s.speaker NOT IN (SELECT o.speaker FROM speaker_actors o "
             "JOIN quotes_all oq ON oq.article_id = o.article_id AND oq.speaker = o.actor_id "
             "WHERE o.article_id = d.duplicate_of) ORDER BY d.article_id, s.speaker LIMIT 1")


def _filters(db: Corpus) -> list[Filters]:
    outlets = [r["outlet"] for r in db.query("outlets")]
    crossing = db.execute(_CROSSING)[1]
    across = ([Filters(outlets=(crossing[0][0],)), Filters(since=crossing[0][1])]
              if crossing else [])
    return [*across, Filters(), Filters(all_copies=True), Filters(period="week", top=5),
            Filters(since=dt.date(2024, 1, 1), until=dt.date(2024, 6, 30)),
            Filters(since=dt.date(2024, 3, 10), all_copies=True),
            Filters(until=dt.date(2023, 12, 31), period="week"),
            Filters(outlets=(outlets[0],)),
            Filters(outlets=tuple(outlets[:2]), compare=(outlets[0], outlets[1]), period="week",
                    since=dt.date(2023, 6, 1))]


def _content_filters(db: Corpus) -> list[Filters]:
    """Views filtered by what articles contain, alone and with dates, outlets and copies."""
    outlets = [r["outlet"] for r in db.query("outlets")]
    speakers = [r["speaker"] for r in db.query("top_speakers", top=3)]
    narrative = db.query("narratives_over_time", top=1)[0]["narrative"]
    technique = db.query("outlet_technique", top=1)[0]["technique"]
    genders = sorted(db.known("gender"))
    stances = sorted(db.known("stance"))
    unshared = [r[0] for r in db.execute(_UNSHARED)[1]]
    return [Filters(speakers=(speakers[0],)),
            Filters(speakers=(speakers[0],), all_copies=True, period="week"),
            Filters(speakers=tuple(speakers[1:3]), since=dt.date(2024, 1, 1),
                    until=dt.date(2024, 6, 30), outlets=(outlets[0],)),
            Filters(speakers=(speakers[0],), since=dt.date(2024, 3, 10), top=5),
            *[Filters(speakers=(s,)) for s in unshared],
            *[Filters(speakers=(s,), all_copies=True) for s in unshared],
            Filters(narratives=(narrative,)),
            Filters(narratives=(narrative,), outlets=(outlets[0],), all_copies=True),
            Filters(techniques=(technique,), until=dt.date(2023, 12, 31), period="week"),
            Filters(genders=(genders[0],)),
            Filters(genders=tuple(genders[-2:]), since=dt.date(2024, 1, 1)),
            Filters(stances=(stances[0],)),
            Filters(stances=tuple(stances[-2:]), outlets=tuple(outlets[:2])),
            Filters(speakers=(speakers[0],), narratives=(narrative,), techniques=(technique,),
                    stances=tuple(stances))]


@pytest.mark.parametrize("which", ["synthetic", "crawl_out"])
def test_every_query_reads_the_aggregates_and_answers_as_the_scan_does(
        which: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(which)
    with Corpus(out) as agg, Corpus(out, aggregates=False) as raw:
        assert agg.aggregated and not raw.aggregated
        for f in _filters(raw) + _content_filters(raw):
            for name in QUERIES:
                expected = raw.query(name, filters=f)
                assert agg.route(name, agg.resolve(f)) == (
                    "aggregates" if name in AGG_QUERIES else "raw")
                assert agg.query(name, filters=f) == expected, (name, f)


def test_the_synthetic_corpus_exercises_what_the_aggregates_must_get_right(
        synthetic: Path) -> None:
    """Copies folded (and kept where a date filter drops their original), undated
    articles, repeated and altered quotes: else the comparison above proves little."""
    with Corpus(synthetic, aggregates=False) as raw:
        assert raw.query("summary")[0]["copies_folded"] > 10
        (outlet, day), = raw.execute(_CROSSING)[1]
        for f in (Filters(outlets=(outlet,)), Filters(since=day)):
            # the copy is kept, its original being filtered out: a copy in the view
            _, rows = raw.execute("SELECT count(*) FROM articles a JOIN duplicates d "
                                  "ON d.article_id = a.id", filters=raw.resolve(f))
            assert rows[0][0] > 0
        _, rows = raw.execute("SELECT count(*) FROM articles_all WHERE "
                              "TRY_CAST(source_published AS DATE) IS NULL")
        assert rows[0][0] > 0
        assert raw.query("repeated_quotes") and raw.query("altered_quotes")
        # a copy quoting a speaker its original does not: kept, not folded, under that speaker
        (speaker,), = raw.execute(_UNSHARED)[1]
        f = raw.resolve(Filters(speakers=(speaker,)))
        _, rows = raw.execute("SELECT count(*) FROM articles a JOIN duplicates d "
                              "ON d.article_id = a.id", filters=f)
        assert rows[0][0] > 0


def test_the_page_is_the_same_through_either_path(synthetic: Path) -> None:
    with Corpus(synthetic) as agg, Corpus(synthetic, aggregates=False) as raw:
        f = Filters(since=dt.date(2023, 7, 1), period="week")
        assert page_data(agg, f) == page_data(raw, f)


@pytest.mark.parametrize("f", [Filters(speakers=("x",)), Filters(narratives=("x",)),
                               Filters(techniques=("x",)), Filters(genders=("x",)),
                               Filters(stances=("x",))], ids=lambda f: f.describe())
def test_a_filter_on_what_articles_contain_reads_the_aggregates(f: Filters, synthetic: Path
                                                                 ) -> None:
    """The partial tables are keyed by article: such a view semi-joins them on the ids of
    the articles that hold what it asks, and scans nothing."""
    assert f.on_contents
    with Corpus(synthetic) as db:
        assert {db.route(name, f) for name in AGG_QUERIES} == {"aggregates"}


def test_a_speaker_filtered_page_is_the_same_through_either_path(synthetic: Path) -> None:
    with Corpus(synthetic) as agg, Corpus(synthetic, aggregates=False) as raw:
        top = raw.query("top_speakers", top=1)[0]["speaker"]
        f = Filters(speakers=(top,), since=dt.date(2024, 1, 1))
        assert page_data(agg, f) == page_data(raw, f)


def test_stale_or_missing_aggregates_are_not_read(crawl_out: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(crawl_out, old)
    shutil.rmtree(old / DERIVED / AGG)  # an output written before the aggregates existed
    with Corpus(old) as db, Corpus(crawl_out) as fresh:
        assert not db.aggregated and not aggregates_fresh(old)
        assert db.query("top_speakers") == fresh.query("top_speakers")
    update_aggregates(old)  # what `unspin corpus OLD --aggregates` and the next batch run do
    with Corpus(old) as db:
        assert db.aggregated
    # a shard added after them: the derived tables and the aggregates are both stale
    first = sorted((old / "shards").iterdir())[0]
    shutil.copytree(first, old / "shards" / "part-999999")
    assert not aggregates_fresh(old)
    with Corpus(old) as db:
        assert not db.aggregated


def test_an_alias_file_or_several_outputs_take_the_scan(crawl_out: Path, tmp_path: Path) -> None:
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("Okafor,Mara Okafor\n", encoding="utf-8")
    with Corpus(crawl_out, aliases=aliases) as db:
        assert not db.aggregated  # the view's own merge: the partials' speakers do not hold
    with Corpus([crawl_out, crawl_out]) as db:
        assert not db.aggregated


@pytest.mark.parametrize("which", ["synthetic", "crawl_out"])
def test_the_values_a_filter_can_take_are_the_same_from_the_aggregates(
        which: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(which)
    with Corpus(out) as agg, Corpus(out, aggregates=False) as raw:
        for key in ("outlet", "speaker", "speaker_key", "narrative", "technique", "gender",
                    "stance"):
            assert agg.known(key) == raw.known(key), key


def test_a_content_filtered_view_finds_its_articles_once(synthetic: Path) -> None:
    """A page asks a dozen queries of one view: its articles are found for the first and
    kept for the others (and for the last VIEWS_KEPT views only)."""
    from unspin.corpus.db import VIEWS_KEPT

    with Corpus(synthetic) as db:
        speakers = [r["speaker"] for r in db.query("top_speakers", top=VIEWS_KEPT + 2)]
        f = db.resolve(Filters(speakers=(speakers[0],)))
        page_data(db, f)
        assert len(db._views) == 1
        for speaker in speakers[1:]:
            db.query("summary", filters=Filters(speakers=(speaker,)))
        assert len(db._views) == VIEWS_KEPT


def _drills(db: Corpus) -> list[dict[str, str]]:
    """A drill-down of every key the page links, and of the pairs its tables link."""
    speakers = [r["speaker"] for r in db.query("top_speakers", top=2)]
    outlet = db.query("outlets")[0]["outlet"]
    narrative = db.query("narratives_over_time", top=1)[0]["narrative"]
    technique = db.query("outlet_technique", top=1)[0]["technique"]
    _, months = db.execute("SELECT DISTINCT strftime(date_trunc('month', TRY_CAST("
                           "source_published AS DATE)), '%Y-%m') AS m FROM articles_all "
                           "WHERE m IS NOT NULL ORDER BY m LIMIT 2")
    _, weeks = db.execute("SELECT DISTINCT strftime(date_trunc('week', TRY_CAST("
                          "source_published AS DATE)), '%Y-%m-%d') AS w FROM articles_all "
                          "WHERE w IS NOT NULL ORDER BY w LIMIT 1")
    _, clusters = db.execute("SELECT DISTINCT CAST(cluster AS VARCHAR) FROM quote_copies "
                             "ORDER BY 1 LIMIT 2")
    return [*({"speaker": s} for s in speakers), {"outlet": outlet}, {"narrative": narrative},
            {"technique": technique}, *({"month": m} for (m,) in months),
            *({"week": w} for (w,) in weeks), *({"quote": c} for (c,) in clusters),
            *({"has": h} for h in ("quotes", "techniques", "narratives")),
            *({"gender": g} for g in sorted(db.known("gender"))),
            {"outlet": outlet, "technique": technique},
            {"speaker": speakers[0], "narrative": narrative}, {"speaker": "nobody at all"}, {}]


@pytest.mark.parametrize("which", ["synthetic", "crawl_out"])
def test_every_drill_down_reads_the_aggregates_and_answers_as_the_scan_does(
        which: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The articles behind a count (their number, and the first of them, newest first) come
    from the partial tables: the same rows as the scan's, under every filter, and no query
    of the shards is run for them."""
    out: Path = request.getfixturevalue(which)
    with Corpus(out) as agg, Corpus(out, aggregates=False) as raw:
        drills = _drills(raw)
        views = _filters(raw) + _content_filters(raw)
        expected = [raw.articles_behind_many(drills, limit=7, filters=f) for f in views]
        monkeypatch.setattr(agg, "execute", _no_scan)
        for f, wanted in zip(views, expected, strict=True):
            got = agg.articles_behind_many(drills, limit=7, filters=f)
            assert got == wanted, f.describe()
        assert any(total for total, _ in expected[0])


def _no_scan(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the shards were scanned")


def test_a_search_on_the_aggregates_shows_what_the_scan_shows(
        synthetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search filters its hits by number on the partial tables and draws each snippet
    from the text the index stores: the same hits, counts and snippets as by id on the
    shards, and no shard is read."""
    from unspin.corpus.search import build_index, search

    build_index(synthetic)
    with Corpus(synthetic) as agg, Corpus(synthetic, aggregates=False) as raw:
        word = raw.execute("SELECT split_part(text, ' ', 3) FROM articles_all "
                           "ORDER BY id LIMIT 1")[1][0][0]
        speaker = raw.query("top_speakers", top=1)[0]["speaker"]
        views = [Filters(), Filters(all_copies=True), Filters(since=dt.date(2024, 1, 1)),
                 Filters(speakers=(speaker,)), *_filters(raw)[:2]]
        for q in (word, f"{word} OR harbour", f'"{word}"'):
            expected = [search(raw, q, f, limit=20) for f in views]
            with monkeypatch.context() as m:
                m.setattr(agg, "execute", _no_scan)
                got = [search(agg, q, f, limit=20) for f in views]
            assert got == expected, q
            assert expected[0].matches > 0 and expected[0].rows[0]["snippet"]
