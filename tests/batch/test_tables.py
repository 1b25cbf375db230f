"""Report → table rows: explicit, pinned Arrow schemas, and a lossless round trip."""

from __future__ import annotations

import typing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from unspin.batch.derived import DERIVED_SCHEMAS
from unspin.batch.tables import (
    FAILURES_SCHEMA,
    LAYER_TABLES,
    NESTED_IN_ARTICLES,
    SCHEMAS,
    failure_row,
    report_from_rows,
    report_to_rows,
)
from unspin.report.models import (
    Actor,
    Entity,
    Narrative,
    Quote,
    RemovedSegment,
    Report,
    Role,
    Sentence,
    SourceInfo,
    Span,
    Technique,
    Voice,
    VoiceSummary,
    Warning_,
)

#: The tables' columns as ``name: type``. A change here is a change to the published
#: output: update it on purpose, with the report schema version.
PINNED = {
    "articles": ["input: string", "schema_version: string", "unspin_version: string", "id: string",
                 "source_kind: string", "source_url: string", "source_title: string",
                 "source_site: string", "source_published: string", "source_path: string",
                 "source_author: string", "language: string", "text: string", "raw_text: string",
                 "sentences: list<item: struct<start: int64, end: int64>>",
                 "entities: list<item: struct<start: int64, end: int64, label: string, text: string>>",
                 "narrative_domain_domain: string", "narrative_domain_scores: map<string, double>",
                 "narrative_domain_p_narrative: double",
                 "model_model: string", "model_encoder: string", "model_weights_sha256: string",
                 "model_adapter_sha256: string",
                 "warnings: list<item: struct<code: string, message: string>>",
                 "timings: map<string, double>"],
    "removed": ["article_id: string", "index: int64", "start: int64", "end: int64", "text: string",
                "reason: string", "at: int64"],
    "actors": ["article_id: string", "index: int64", "id: string", "name: string", "type: string",
               "description: string", "mentions: list<item: struct<start: int64, end: int64>>",
               "gender: string", "gender_evidence: int64"],
    "quotes": ["article_id: string", "index: int64", "id: string", "kind: string",
               "cue_class: string", "cue_stance: string",
               "content_start: int64", "content_end: int64", "cue_start: int64", "cue_end: int64",
               "source_start: int64", "source_end: int64", "speaker: string", "addressee: string",
               "via: list<item: string>", "channel: string", "within: string",
               "found_by: list<item: string>", "confidence: double"],
    "techniques": ["article_id: string", "index: int64", "start: int64", "end: int64",
                   "technique: string", "score: double", "voice_kind: string",
                   "voice_actor: string", "voice_via: list<item: string>", "voice_quote: string",
                   "voice_reported: bool"],
    "narratives": ["article_id: string", "index: int64", "label: string", "narrative: string",
                   "subnarrative: string", "score: double",
                   "evidence: list<item: struct<start: int64, end: int64, voice: struct<kind: "
                   "string, actor: string, via: list<item: string>, quote: string, reported: bool>>>"],
    "roles": ["article_id: string", "index: int64", "start: int64", "end: int64", "actor: string",
              "main_role: string", "fine_roles: list<item: string>", "score: double"],
    "voices": ["article_id: string", "index: int64", "voice_kind: string", "voice_actor: string",
               "voice_via: list<item: string>", "voice_quote: string", "voice_reported: bool",
               "name: string", "quotes: int64", "techniques: map<string, int64>",
               "narratives: list<item: string>", "roles: list<item: string>"],
    "failures": ["id: string", "source: string", "stage: string", "code: string", "type: string",
                 "message: string"],
}

#: The corpus-wide tables of ``OUT/derived`` (``unspin.batch.derived``), pinned the same way.
PINNED_DERIVED = {
    "speakers": ["speaker: string", "type: string", "aliases: list<item: string>",
                 "articles: int64", "quotes: int64", "wikidata_id: string", "gender: string"],
    "speaker_actors": ["article_id: string", "actor_id: string", "name: string",
                       "speaker: string"],
    "duplicates": ["article_id: string", "duplicate_of: string", "similarity: double"],
    "quote_copies": ["cluster: int64", "article_id: string", "quote_id: string",
                     "outlet: string", "published: string", "first: bool", "similarity: double",
                     "altered: bool"],
}

TEXT = "Minister Ana Ruiz said the plan \"will work\". Critics called it a disaster."


def full_report() -> Report:
    """A report with every layer filled, written by hand (offsets into TEXT)."""
    speaker = Voice(kind="actor", actor="a1", via=[], quote="q1", reported=False)
    return Report(
        unspin_version="0.1.0", id="doc-1",
        source=SourceInfo(kind="html", url="https://news.example/a", title="Plan", site="News",
                          published="2024-05-01", path=None),
        language="en", text=TEXT, raw_text=TEXT + "\nREAD MORE",
        removed=[RemovedSegment(start=len(TEXT) + 1, end=len(TEXT) + 10, text="READ MORE",
                                reason="promo", at=len(TEXT))],
        sentences=[Sentence(start=0, end=44), Sentence(start=45, end=len(TEXT))],
        entities=[Entity(start=9, end=17, label="PERSON", text="Ana Ruiz")],
        actors=[Actor(id="a1", name="Ana Ruiz", type="person", description="minister",
                      mentions=[Span(start=9, end=17)]),
                Actor(id="a2", name="critics", type="group", mentions=[Span(start=45, end=52)])],
        quotes=[Quote(id="q1", kind="direct", content=Span(start=32, end=43), cue=Span(start=18, end=22),
                      source=Span(start=0, end=17), speaker="a1", via=[], confidence=0.9),
                Quote(id="q2", kind="indirect", content=Span(start=60, end=72), speaker="a2",
                      confidence=0.5)],
        techniques=[Technique(start=60, end=72, technique="Loaded_Language", score=0.8,
                              voice=Voice(kind="actor", actor="a2", quote="q2", reported=True)),
                    Technique(start=0, end=8, technique="Name_Calling", score=0.3)],
        narratives=[Narrative(label="X: Y: Z", narrative="X: Y", subnarrative="Z", score=0.7,
                              evidence=[{"start": 32, "end": 43, "voice": speaker.model_dump()}])],
        roles=[Role(start=9, end=17, actor="a1", main_role="Protagonist",
                    fine_roles=["Guardian"], score=0.6)],
        voices=[VoiceSummary(voice=speaker, name="Ana Ruiz", quotes=1,
                             techniques={"Loaded_Language": 1}, narratives=["X: Y: Z"],
                             roles=["Protagonist"])],
        warnings=[Warning_(code="W020", message="stage 'x' skipped")],
        timings={"backbone": 3.5, "quotes": 1.25},
    )


@pytest.mark.parametrize("table", list(PINNED))
def test_each_table_has_its_pinned_schema(table: str) -> None:
    assert [f"{f.name}: {f.type}" for f in SCHEMAS[table]] == PINNED[table]


@pytest.mark.parametrize("table", list(PINNED_DERIVED))
def test_each_derived_table_has_its_pinned_schema(table: str) -> None:
    assert [f"{f.name}: {f.type}" for f in DERIVED_SCHEMAS[table]] == PINNED_DERIVED[table]


def test_every_list_layer_of_the_report_is_a_table_or_an_article_column() -> None:
    list_fields = {name for name, f in Report.model_fields.items()
                   if typing.get_origin(f.annotation) is list}
    assert list_fields == set(LAYER_TABLES) | NESTED_IN_ARTICLES
    assert set(LAYER_TABLES) <= set(SCHEMAS)


def test_layer_rows_point_at_their_article_and_keep_the_report_order() -> None:
    rows = report_to_rows(full_report(), input="crawl/a.html")
    assert [(r["article_id"], r["index"], r["id"]) for r in rows["quotes"]] == [
        ("doc-1", 0, "q1"), ("doc-1", 1, "q2")]
    assert rows["articles"][0]["input"] == "crawl/a.html"


def test_nested_spans_are_flattened_and_a_missing_one_is_null() -> None:
    q1, q2 = report_to_rows(full_report(), input="x")["quotes"]
    assert (q1["content_start"], q1["content_end"], q1["cue_start"]) == (32, 43, 18)
    assert (q2["cue_start"], q2["cue_end"], q2["source_start"]) == (None, None, None)


def test_a_report_survives_the_tables_through_parquet(tmp_path: Path) -> None:
    report = full_report()
    rows = report_to_rows(report, input="x")
    back: dict[str, list[dict[str, object]]] = {}
    for table, table_rows in rows.items():
        path = tmp_path / f"{table}.parquet"
        pq.write_table(pa.Table.from_pylist(table_rows, schema=SCHEMAS[table]), path)
        back[table] = pq.read_table(path).to_pylist()
    assert report_from_rows(back["articles"][0], back) == report


def test_an_empty_report_has_one_article_row_and_no_layer_rows() -> None:
    report = full_report().model_copy(update={
        name: [] for name in LAYER_TABLES})
    rows = report_to_rows(report, input="x")
    assert len(rows["articles"]) == 1
    assert all(rows[name] == [] for name in LAYER_TABLES)
    assert report_from_rows(rows["articles"][0], {}) == report


def test_a_failure_row_fits_the_failures_schema() -> None:
    row = failure_row(id="a", source="f.jsonl:2", stage="ingest", code="E106", type="RecordError",
                      message="line 2 is not valid JSON")
    assert pa.Table.from_pylist([row], schema=FAILURES_SCHEMA).num_rows == 1
