"""The corpus view: DuckDB queries over batch tables, as rows, CSV, JSON and an HTML page.

The corpus is built here by hand (reports with known speakers, narratives, techniques,
outlets and dates), so every expected figure below is counted from ``_corpus``.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import Any

import pytest

from unspin.batch.tables import failure_row, report_to_rows
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore
from unspin.corpus import QUERIES, Corpus, Filters, cli_equivalent, render_html, to_csv, to_json
from unspin.corpus.views import page_data
from unspin.errors import ConfigError, InputError
from unspin.report.models import (
    Actor,
    Narrative,
    Quote,
    Report,
    SourceInfo,
    Span,
    Technique,
)

TEXT = "x" * 400
N1, N2 = "CC: Criticism of institutions", "CC: Amplifying fears"
EVIL = "<b>Mal</b> & Co"


def _q(i: int, speaker: str) -> Quote:
    return Quote(id=f"q{i}", kind="direct", content=Span(start=10 * i, end=10 * i + 8),
                 speaker=speaker, confidence=0.9)


def _t(start: int, name: str) -> Technique:
    return Technique(start=start, end=start + 5, technique=name, score=0.8)


def _n(label: str, voice_actor: str | None = None) -> Narrative:
    voice = {"kind": "actor", "actor": voice_actor} if voice_actor else {"kind": "outlet"}
    return Narrative(label=label, narrative=label, score=0.7,
                     evidence=[{"start": 10, "end": 18, "voice": voice}])


def _report(id: str, *, site: str | None = None, url: str | None = None,
            published: str | None = None, **layers: Any) -> Report:
    return Report(unspin_version="0.1.0", id=id,
                  source=SourceInfo(kind="html", site=site, url=url, published=published),
                  language="en", text=TEXT, raw_text=TEXT, **layers)


def _corpus() -> list[Report]:
    return [
        _report("a1", site="Daily Ledger", published="2024-01-10",
                actors=[Actor(id="x1", name="Ana Ruiz", type="person"),
                        Actor(id="x2", name="Port Authority", type="organisation")],
                quotes=[_q(1, "x1"), _q(2, "x1"), _q(3, "x2")],
                narratives=[_n(N1, voice_actor="x1")],
                techniques=[_t(0, "Loaded_Language"), _t(50, "Loaded_Language"), _t(90, "Doubt")]),
        _report("a2", url="https://www.harbourtimes.example/story/1", published="2024-01-20",
                actors=[Actor(id="y1", name="Ana Ruiz", type="person")],
                quotes=[_q(1, "y1")], narratives=[_n(N1), _n(N2)],
                techniques=[_t(0, "Loaded_Language")]),
        _report("a3", site="Daily Ledger", published="2024-02-03",
                actors=[Actor(id="z1", name="Port Authority", type="organisation")],
                quotes=[_q(1, "z1")], narratives=[_n(N2)], techniques=[_t(5, "Doubt")]),
        _report("a4", actors=[Actor(id="w1", name=EVIL, type="group")], quotes=[_q(1, "w1")]),
    ]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    store = ShardStore(folder)
    store.prepare(force=False)
    outcomes = [Outcome(id=r.id, source=f"in/{r.id}", rows=report_to_rows(r, input=f"in/{r.id}"),
                        failed=False, pid=1, rss_kb=0, ms=0.0) for r in _corpus()]
    failure = failure_row(id="bad", source="in/bad", stage="ingest", code="E102",
                          type="BinaryInputError", message="looks like a binary file")
    store.write_shard(outcomes[:2])
    store.write_shard([*outcomes[2:], Outcome(id="bad", source="in/bad",
                                              rows={"failures": [failure]}, failed=True,
                                              pid=1, rss_kb=0, ms=0.0)])
    return folder


@pytest.fixture
def db(out: Path) -> Any:
    with Corpus(out) as corpus:
        yield corpus


def test_the_summary_counts_the_whole_corpus(db: Corpus) -> None:
    assert db.query("summary") == [{
        "articles": 4, "failures": 1, "outlets": 3, "speakers": 3, "quotes": 6,
        "techniques": 5, "narratives": 4, "copies_folded": 0, "first_date": "2024-01-10",
        "last_date": "2024-02-03"}]


def test_top_speakers_are_ranked_by_quotes_across_articles_and_outlets(db: Corpus) -> None:
    assert db.query("top_speakers") == [
        {"speaker": "Ana Ruiz", "type": "person", "quotes": 3, "articles": 2, "outlets": 2},
        {"speaker": "Port Authority", "type": "organisation", "quotes": 2, "articles": 2,
         "outlets": 1},
        {"speaker": EVIL, "type": "group", "quotes": 1, "articles": 1, "outlets": 1},
    ]


def test_top_limits_the_ranking(db: Corpus) -> None:
    assert [r["speaker"] for r in db.query("top_speakers", top=1)] == ["Ana Ruiz"]


def test_speaker_by_narrative_counts_articles_and_evidence_in_the_speakers_voice(
        db: Corpus) -> None:
    assert db.query("speaker_narrative") == [
        {"speaker": "Ana Ruiz", "narrative": N1, "articles": 2, "voiced": 1},
        {"speaker": "Ana Ruiz", "narrative": N2, "articles": 1, "voiced": 0},
        {"speaker": "Port Authority", "narrative": N2, "articles": 1, "voiced": 0},
        {"speaker": "Port Authority", "narrative": N1, "articles": 1, "voiced": 0},
    ]


def test_outlet_by_technique_uses_the_site_or_else_the_url_host(db: Corpus) -> None:
    assert db.query("outlet_technique") == [
        {"outlet": "Daily Ledger", "technique": "Doubt", "spans": 2, "articles": 2,
         "spans_per_article": 1.0},
        {"outlet": "Daily Ledger", "technique": "Loaded_Language", "spans": 2, "articles": 1,
         "spans_per_article": 1.0},
        {"outlet": "harbourtimes.example", "technique": "Loaded_Language", "spans": 1,
         "articles": 1, "spans_per_article": 1.0},
    ]


def test_narratives_over_time_are_monthly_shares_of_dated_articles(db: Corpus) -> None:
    assert db.query("narratives_over_time") == [
        {"month": "2024-01", "narrative": N1, "articles": 2, "share": 1.0},
        {"month": "2024-01", "narrative": N2, "articles": 1, "share": 0.5},
        {"month": "2024-02", "narrative": N2, "articles": 1, "share": 1.0},
    ]


def test_failures_are_grouped_by_stage_and_code(db: Corpus) -> None:
    (row,) = db.query("failures_by_code")
    assert (row["stage"], row["code"], row["records"]) == ("ingest", "E102", 1)


def test_json_holds_every_query_by_name(db: Corpus) -> None:
    data = json.loads(to_json(db, list(QUERIES)))
    assert list(data) == list(QUERIES)
    assert data["top_speakers"][0]["speaker"] == "Ana Ruiz"


def test_csv_has_a_header_and_one_line_per_row(db: Corpus) -> None:
    table = list(csv.reader(io.StringIO(to_csv(db, "top_speakers"))))
    assert table[0] == ["speaker", "type", "quotes", "articles", "outlets"]
    assert len(table) == 4


def test_the_page_draws_each_question_as_inline_svg(db: Corpus) -> None:
    page = render_html(db)
    # eight questions (no quote here is repeated: that section says so), then three
    # timelines for each outlet with dated articles (a4's outlet has none, so it shows
    # "None." three times)
    assert page.count("<svg") == 8 + 3 * 2
    assert "No direct quote appears in two articles." in page
    assert page.count('<p class="empty">None.</p>') == 3
    for title in ("Filters", "Top speakers", "Speakers × narratives", "Outlets",
                  "Outlets × techniques",
                  "Narratives over time", "Outlets over time", "Failures", "Quotes by gender",
                  "Repeated quotes", "Stance of the reporting verb"):
        assert f"<h2>{title}</h2>" in page


def test_the_page_escapes_names_and_loads_nothing_from_outside(db: Corpus) -> None:
    page = render_html(db)
    assert EVIL not in page and "&lt;b&gt;Mal&lt;/b&gt; &amp; Co" in page
    for fetcher in ("src=", "href=", "@import", "url(", "<script", "<link"):
        assert fetcher not in page


def test_a_folder_without_shards_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no finished batch shards"):
        Corpus(tmp_path)


def test_several_batch_outputs_read_as_one_corpus(out: Path, tmp_path: Path) -> None:
    halves = []
    for name, reports in (("a", _corpus()[:2]), ("b", _corpus()[2:])):
        store = ShardStore(tmp_path / name)
        store.prepare(force=False)
        store.write_shard([Outcome(id=r.id, source="x", rows=report_to_rows(r, input="x"),
                                   failed=False, pid=1, rss_kb=0, ms=0.0) for r in reports])
        halves.append(tmp_path / name)
    with Corpus(halves) as split, Corpus(out) as whole:
        for name in ("top_speakers", "speaker_narrative", "outlet_technique",
                     "narratives_over_time"):
            assert split.query(name) == whole.query(name), name



def _output(folder: Path, reports: list[Report], model: str) -> Path:
    from unspin.options import Options

    store = ShardStore(folder)
    store.prepare(force=False)
    store.start_manifest(Options(model=model), [], {"started": "now"})
    store.write_shard([Outcome(id=r.id, source="x", rows=report_to_rows(r, input="x"),
                               failed=False, pid=1, rss_kb=0, ms=0.0) for r in reports])
    return folder


def test_the_page_says_which_model_made_the_reports_and_warns_when_they_mix(
        tmp_path: Path) -> None:
    """Counts found by two models do not compare: a corpus read from outputs of both says
    so on its page (and its page data, the API's JSON, names each output's model); one
    model is named, quietly."""
    base = _output(tmp_path / "a", _corpus()[:2], "base")
    small = _output(tmp_path / "b", _corpus()[2:], "small")
    with Corpus(base) as one:
        assert [m["model"] for m in one.models()] == ["base"]
        page = render_html(one)
        assert "Reports made by the base model" in page and "mixes reports" not in page
    with Corpus([base, small]) as mixed:
        models = mixed.models()
        assert page_data(mixed)["models"] == models
        assert [(m["output"], m["model"]) for m in models] == [(str(base), "base"),
                                                               (str(small), "small")]
        assert models[0]["weights_sha256"] != models[1]["weights_sha256"]
        page = render_html(mixed)
        assert 'role="alert">This corpus mixes reports from 2 models' in page
        assert html.escape(str(small)) in page
    with Corpus(_output(tmp_path / "c", _corpus()[:1], "small")) as old:
        (old.out / "manifest.json").unlink()  # written by a batch without a manifest
        assert old.models()[0]["model"] is None and "Reports made by" not in render_html(old)
        for damaged in ("{not json", "[1, 2]"):
            (old.out / "manifest.json").write_text(damaged, encoding="utf-8")
            assert old.models()[0]["model"] is None and "Reports made by" not in render_html(old)


# --------------------------------------------------------------------------- a small crawl
# Two outlets over two months: one wire story and its reprint (c2 copies c1), Donald Trump
# under five names, Ivanka Trump, and the State Department with and without "the".

def _speaking(prefix: str, *people: tuple[str, str, int]) -> dict[str, Any]:
    actors = [Actor(id=f"{prefix}{k}", name=n, type=t)  # type: ignore[arg-type]
              for k, (n, t, _) in enumerate(people)]
    quotes = [_q(len(actors) * j + k, f"{prefix}{k}") for k, (_, _, n) in enumerate(people)
              for j in range(n)]
    return {"actors": actors, "quotes": quotes}


def _story(id: str, site: str, published: str | None, text: str, *people: tuple[str, str, int],
           techniques: tuple[str, ...] = (), narratives: tuple[str, ...] = ()) -> Report:
    return Report(unspin_version="0.1.0", id=id, language="en", text=text, raw_text=text,
                  source=SourceInfo(kind="jsonl", site=site, published=published),
                  techniques=[_t(10 * i, name) for i, name in enumerate(techniques)],
                  narratives=[_n(label) for label in narratives], **_speaking(id, *people))


def _crawl(stories: Any) -> list[Report]:
    STORY, REPRINT, OTHER = stories.story, stories.reprint, stories.other
    return [
        _story("c1", "Ledger", "2024-03-04", STORY, ("Donald J. Trump", "person", 2),
               techniques=("Loaded_Language", "Loaded_Language"), narratives=(N1,)),
        _story("c2", "Courier", "2024-03-05", REPRINT, ("Mr. Trump", "person", 1),
               techniques=("Loaded_Language",), narratives=(N1,)),
        _story("c3", "Courier", "2024-03-12", OTHER, ("Donald Trump", "person", 1),
               ("Ivanka Trump", "person", 1), techniques=("Doubt",), narratives=(N2,)),
        _story("c4", "Ledger", "2024-04-02", TEXT, ("President Trump", "person", 1),
               techniques=("Doubt",), narratives=(N2,)),
        _story("c5", "Courier", None, TEXT, ("the State Department", "organisation", 1)),
        _story("c6", "Ledger", "2024-04-03", TEXT, ("State Department", "organisation", 1),
               ("Donald Trump", "person", 1)),
    ]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory, stories: Any) -> Path:
    folder = tmp_path_factory.mktemp("crawl")
    store = ShardStore(folder)
    store.prepare(force=False)
    store.write_shard([Outcome(id=r.id, source="x", rows=report_to_rows(r, input="x"),
                               failed=False, pid=1, rss_kb=0, ms=0.0) for r in _crawl(stories)])
    return folder


def _top(folder: Path, **kwargs: Any) -> list[tuple[str, int, int]]:
    with Corpus(folder, **kwargs) as db:
        return [(r["speaker"], r["quotes"], r["articles"]) for r in db.query("top_speakers")]


def test_speakers_are_counted_by_canonical_name_across_articles(crawl: Path) -> None:
    assert _top(crawl) == [("Donald Trump", 5, 4), ("State Department", 2, 2),
                           ("Ivanka Trump", 1, 1)]


def test_the_merged_names_are_listed_per_speaker(crawl: Path) -> None:
    with Corpus(crawl) as db:
        rows = {r["speaker"]: r["aliases"] for r in db.query("speaker_aliases")}
    assert rows == {"Donald Trump": ["Donald J. Trump", "Donald Trump", "Mr. Trump",
                                     "President Trump"],
                    "State Department": ["State Department", "the State Department"]}


def test_a_copy_is_folded_by_default_and_counted_with_all_copies(crawl: Path) -> None:
    with Corpus(crawl) as folded, Corpus(crawl, all_copies=True) as every:
        one, all_ = folded.query("summary")[0], every.query("summary")[0]
        outlets = {r["outlet"]: (r["articles"], r["copies_folded"])
                   for r in folded.query("outlets")}
    assert (one["articles"], one["copies_folded"]) == (5, 1)
    assert (all_["articles"], all_["copies_folded"]) == (6, 0)
    assert outlets == {"Ledger": (3, 0), "Courier": (2, 1)}
    assert _top(crawl, all_copies=True)[0] == ("Donald Trump", 6, 5)


def test_the_alias_file_overrides_the_merge_for_this_view(crawl: Path, tmp_path: Path) -> None:
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,canonical,wikidata_id\nState Department,US Department of State,"
                       "Q789915\n", encoding="utf-8")
    assert ("US Department of State", 2, 2) in _top(crawl, aliases=aliases)
    with Corpus(crawl, aliases=aliases) as db:
        (row,) = [r for r in db.query("speaker_aliases") if r["wikidata_id"]]
    assert (row["speaker"], row["wikidata_id"]) == ("US Department of State", "Q789915")


@pytest.mark.parametrize("filters", [Filters(outlets=("Courier",)),
                                     Filters(since=dt.date(2024, 3, 5), until=dt.date(2024, 3, 5))])
def test_a_copy_whose_original_is_filtered_out_is_the_views_copy_of_the_story(
        crawl: Path, filters: Filters) -> None:
    with Corpus(crawl, filters=filters) as db:
        ids = {r[0] for r in db.execute("SELECT id FROM articles")[1]}
        assert "c2" in ids  # the Courier reprint of the Ledger story (c1)
        assert db.query("summary")[0]["copies_folded"] == 0 and db.copies() == (0, [])


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(outlets=("ledger",)), [("Donald Trump", 4, 3), ("State Department", 1, 1)]),
    (Filters(since=dt.date(2024, 4, 1)), [("Donald Trump", 2, 2), ("State Department", 1, 1)]),
    (Filters(until=dt.date(2024, 3, 31)), [("Donald Trump", 3, 2), ("Ivanka Trump", 1, 1)]),
    (Filters(speakers=("Ivanka Trump",)), [("Donald Trump", 1, 1), ("Ivanka Trump", 1, 1)]),
    (Filters(speakers=("mr. trump",)), [("Donald Trump", 5, 4), ("Ivanka Trump", 1, 1),
                                        ("State Department", 1, 1)]),
    # written nowhere in the crawl, but its key ("donald trump") is one speaker's
    (Filters(speakers=("Sen. Donald Trump",)), [("Donald Trump", 5, 4), ("Ivanka Trump", 1, 1),
                                                ("State Department", 1, 1)]),
])
def test_filters_keep_the_articles_by_date_outlet_and_speaker(
        crawl: Path, filters: Filters, expected: list[tuple[str, int, int]]) -> None:
    assert _top(crawl, filters=filters) == expected


@pytest.mark.parametrize(("filters", "message"), [
    (Filters(outlets=("Gazette",)), "no outlet 'Gazette' in the corpus; outlets: Courier, Ledger"),
    (Filters(speakers=("Melania Trump",)), "no speaker 'Melania Trump'"),
])
def test_an_unknown_outlet_or_speaker_is_a_config_error(
        crawl: Path, filters: Filters, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Corpus(crawl, filters=filters)


def test_a_date_range_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ConfigError, match="after --until"):
        Filters(since=dt.date(2024, 5, 1), until=dt.date(2024, 4, 1))


def test_technique_timelines_are_spans_per_article_of_each_outlet_and_period(crawl: Path) -> None:
    with Corpus(crawl) as db:
        weeks = db.query("outlet_techniques_over_time", period="week")
        months = db.query("outlet_techniques_over_time", period="month")
    assert [(r["outlet"], r["period"], r["technique"], r["spans"], r["spans_per_article"])
            for r in weeks] == [("Courier", "2024-03-11", "Doubt", 1, 1.0),
                                ("Ledger", "2024-03-04", "Loaded_Language", 2, 2.0),
                                ("Ledger", "2024-04-01", "Doubt", 1, 0.5)]
    assert [(r["outlet"], r["period"]) for r in months] == [
        ("Courier", "2024-03"), ("Ledger", "2024-03"), ("Ledger", "2024-04")]


def test_narrative_and_speaker_timelines_per_outlet(crawl: Path) -> None:
    with Corpus(crawl) as db:
        narratives = db.query("outlet_narratives_over_time")
        speakers = db.query("outlet_speakers_over_time")
    assert [(r["outlet"], r["period"], r["narrative"], r["share"]) for r in narratives] == [
        ("Courier", "2024-03", N2, 1.0), ("Ledger", "2024-03", N1, 1.0),
        ("Ledger", "2024-04", N2, 0.5)]
    assert [(r["outlet"], r["period"], r["speaker"], r["quotes"]) for r in speakers] == [
        ("Courier", "2024-03", "Donald Trump", 1), ("Courier", "2024-03", "Ivanka Trump", 1),
        ("Ledger", "2024-03", "Donald Trump", 2), ("Ledger", "2024-04", "Donald Trump", 2),
        ("Ledger", "2024-04", "State Department", 1)]


def test_an_unknown_period_is_refused(crawl: Path) -> None:
    with Corpus(crawl) as db, pytest.raises(ConfigError, match="unknown period"):
        db.query("outlet_speakers_over_time", period="year")  # type: ignore[arg-type]


def test_the_page_shows_two_outlets_side_by_side_and_the_applied_filters(crawl: Path) -> None:
    filters = Filters(outlets=("Ledger", "Courier"), since=dt.date(2024, 3, 1))
    with Corpus(crawl, filters=filters) as db:
        page = render_html(db, compare=("Ledger", "Courier"), period="week")
        command = cli_equivalent(db, compare=("Ledger", "Courier"), period="week")
    assert command == (f"unspin corpus {crawl} --since 2024-03-01 --compare Ledger,Courier "
                       "--period week")
    assert html.escape(command) in page
    assert "each story once (1 copies folded; --all-copies counts them)" in page
    pair = page[page.index('<div class="pair">'):]
    assert pair.index('<h3 class="outlet">Ledger</h3>') < pair.index(
        '<h3 class="outlet">Courier</h3>')


def test_the_stored_tables_and_the_computed_ones_agree(crawl: Path, tmp_path: Path) -> None:
    import shutil

    from unspin.batch.derived import rebuild_derived

    stored = tmp_path / "stored"
    shutil.copytree(crawl, stored)
    rebuild_derived(stored)
    with Corpus(stored) as from_disk, Corpus(crawl) as computed:
        for name in ("summary", "top_speakers", "speaker_aliases", "outlet_speakers_over_time"):
            assert from_disk.query(name) == computed.query(name), name


def test_tables_a_batch_built_with_an_alias_file_are_read_not_recomputed(
        crawl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import unspin.batch.derived as derived

    stored = tmp_path / "stored"
    shutil.copytree(crawl, stored)
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("State Department,US Department of State\n", encoding="utf-8")
    derived.rebuild_derived(stored, aliases)

    def no_minhash(*_: object) -> object:
        raise AssertionError("the stored duplicates should have been read")

    monkeypatch.setattr(derived, "derive_duplicates", no_minhash)
    assert ("US Department of State", 2, 2) in _top(stored)  # the batch's alias merge stands
    other = tmp_path / "other.csv"
    other.write_text("State Department,DoS\n", encoding="utf-8")
    assert ("DoS", 2, 2) in _top(stored, aliases=other)  # a view's own file recomputes speakers


def test_a_damaged_batch_output_is_an_input_error_not_duckdbs(out: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (next((broken / "shards").glob("part-*")) / "quotes.parquet").write_bytes(b"junk")
    with pytest.raises(InputError, match="cannot read the batch output"), Corpus(broken) as db:
        db.query("top_speakers")
    odd = tmp_path / "run[2024]"  # a folder name DuckDB would read as a pattern
    shutil.copytree(out, odd)
    with pytest.raises(InputError, match="cannot read the batch output"), Corpus(odd) as db:
        db.query("summary")


def test_a_derived_meta_that_is_not_an_object_is_stale_not_a_crash(out: Path,
                                                                    tmp_path: Path) -> None:
    import shutil

    from unspin.batch.derived import DERIVED, is_fresh

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / DERIVED).mkdir(exist_ok=True)
    (copy / DERIVED / "meta.json").write_text("[]", encoding="utf-8")
    assert not is_fresh(copy)
    with Corpus(copy) as db:
        assert db.query("summary")[0]["articles"] == 4



SAID = '"The pier will reopen in the spring, whatever the board decides," Ana Ruiz said. '


def _quoting(id: str, site: str, published: str, text: str, gender: str,
             stance: str) -> Report:
    start = text.index('"')
    end = text.index('," ') + 2
    return Report(unspin_version="0.1.0", id=id, language="en", text=text, raw_text=text,
                  source=SourceInfo(kind="html", site=site, published=published),
                  actors=[Actor(id="r1", name="Ana Ruiz", type="person", gender=gender,  # type: ignore[arg-type]
                                gender_evidence=1)],
                  quotes=[Quote(id="q1", kind="direct", content=Span(start=start, end=end),
                                speaker="r1", confidence=0.9, cue_stance=stance)])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def travelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("travelled")
    store = ShardStore(folder)
    store.prepare(force=False)
    reports = [_quoting("h1", "Herald", "2024-03-01", SAID, "female", "neutral"),
               _quoting("c1", "Courier", "2024-03-02", "Later. " + SAID.replace("spring", "summer"),
                        "female", "distancing"),
               _quoting("c2", "Courier", "2024-03-05", "Much later. " + SAID, "unknown",
                        "neutral")]
    store.write_shard([Outcome(id=r.id, source=r.id, rows=report_to_rows(r, input=r.id),
                               failed=False, pid=1, rss_kb=0, ms=0.0) for r in reports])
    return folder


def test_a_quote_carried_by_several_articles_is_ranked_with_its_first_words(
        travelled: Path) -> None:
    with Corpus(travelled) as db:
        (row,) = db.query("repeated_quotes")
        assert (row["occurrences"], row["articles"], row["outlets"], row["altered"],
                row["first_outlet"], row["first_published"]) == (3, 3, 2, 1, "Herald",
                                                                 "2024-03-01")
        assert row["quote"].startswith('"The pier will reopen in the spring')
        (changed,) = db.query("altered_quotes")
        assert changed["article_id"] == "c1" and "summer" in changed["quote"]
        assert "spring" in changed["original"]
        assert db.articles_behind({"quote": str(row["cluster"])})[0] == 3


def test_quotes_are_counted_by_their_speakers_gender_and_stance_per_outlet(
        travelled: Path) -> None:
    with Corpus(travelled) as db:
        assert db.query("quotes_by_gender") == [
            {"outlet": "Courier", "gender": "female", "quotes": 2, "speakers": 1},
            {"outlet": "Herald", "gender": "female", "quotes": 1, "speakers": 1}]
        assert db.query("stance_outlet_speaker") == [
            {"outlet": "Courier", "speaker": "Ana Ruiz", "stance": "distancing", "quotes": 1},
            {"outlet": "Courier", "speaker": "Ana Ruiz", "stance": "neutral", "quotes": 1},
            {"outlet": "Herald", "speaker": "Ana Ruiz", "stance": "neutral", "quotes": 1}]
        assert db.articles_behind({"gender": "female"})[0] == 3
