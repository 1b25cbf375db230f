"""The corpus view: DuckDB queries over batch tables, as rows, CSV, JSON and an HTML page.

The corpus is built here by hand (reports with known speakers, narratives, techniques,
outlets and dates), so every expected figure below is counted from ``_corpus``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from unspin.batch.tables import failure_row, report_to_rows
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore
from unspin.corpus import QUERIES, Corpus, render_html, to_csv, to_json
from unspin.errors import InputError
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
    assert page.count("<svg") == 5
    for title in ("Top speakers", "Speakers × narratives", "Outlets × techniques",
                  "Narratives over time", "Failures"):
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
