"""The corpus-wide tables in ``OUT/derived``: built after a run, rebuilt when a run adds
records, read back as written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from unspin.batch.derived import is_fresh, read_derived, rebuild_derived
from unspin.batch.run import BatchConfig, run_batch
from unspin.batch.tables import report_to_rows
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore
from unspin.errors import InputError
from unspin.options import Options
from unspin.report.models import Actor, Quote, Report, SourceInfo, Span


def _report(id: str, text: str, speakers: list[tuple[str, str, int]],
            published: str | None = None, gender: str = "unknown") -> Report:
    actors = [Actor(id=f"{id}-{k}", name=name, type="person", gender=gender,  # type: ignore[arg-type]
                    gender_evidence=int(gender != "unknown")) for k, (name, _, _) in
              enumerate(speakers)]
    quotes = [Quote(id=f"{id}-q{k}-{j}", kind="direct", content=Span(start=0, end=5),
                    speaker=f"{id}-{k}", confidence=0.9)
              for k, (_, _, n) in enumerate(speakers) for j in range(n)]
    return Report(unspin_version="0.1.0", id=id, language="en", text=text, raw_text=text,
                  source=SourceInfo(kind="jsonl", published=published), actors=actors,
                  quotes=quotes)


def test_a_speakers_gender_is_decided_over_its_articles(tmp_path: Path) -> None:
    _write(tmp_path, [_report("a", "One.", [("Ana Ruiz", "person", 1)], gender="female"),
                      _report("b", "Two.", [("Ms. Ruiz", "person", 1)], gender="female"),
                      _report("c", "Three.", [("Ana Ruiz", "person", 1)]),
                      _report("d", "Four.", [("Tom Lee", "person", 1)], gender="male"),
                      _report("e", "Five.", [("Tom Lee", "person", 1)], gender="female")])
    rebuild_derived(tmp_path)
    genders = {r["speaker"]: r["gender"] for r in read_derived(tmp_path, "speakers").to_pylist()}
    assert genders == {"Ana Ruiz": "female", "Tom Lee": "unknown"}  # one to one: a conflict


def test_a_quoted_actor_whose_name_is_no_name_has_no_speaker(tmp_path: Path) -> None:
    _write(tmp_path, [_report("a", "One.", [("Donald Trump", "person", 1)]),
                      _report("b", "Two.", [("pro-Trump", "person", 2)])])
    rebuild_derived(tmp_path)
    assert [r["speaker"] for r in read_derived(tmp_path, "speakers").to_pylist()] == [
        "Donald Trump"]
    assert [r["article_id"] for r in read_derived(tmp_path, "speaker_actors").to_pylist()] == ["a"]


def test_a_quote_carried_by_two_outlets_is_in_quote_copies(tmp_path: Path) -> None:
    said = '"The pier will reopen in the spring, whatever the board decides," Ana Ruiz said.'
    quote = Span(start=0, end=said.index(",\"") + 2)
    reports = []
    for rid, site, day, text in [("b", "courier", "2024-03-02", said),
                                 ("a", "herald", "2024-03-01", "Earlier today. " + said)]:
        shift = len(text) - len(said)
        reports.append(Report(
            unspin_version="0.1.0", id=rid, language="en", text=text, raw_text=text,
            source=SourceInfo(kind="jsonl", site=site, published=day),
            actors=[Actor(id="a1", name="Ana Ruiz", type="person")],
            quotes=[Quote(id="q1", kind="direct", speaker="a1", confidence=0.9,
                          content=Span(start=quote.start + shift, end=quote.end + shift))]))
    _write(tmp_path, reports)
    rebuild_derived(tmp_path)
    assert [(r["cluster"], r["article_id"], r["outlet"], r["first"], r["altered"])
            for r in read_derived(tmp_path, "quote_copies").to_pylist()] == [
        (1, "a", "herald", True, False), (1, "b", "courier", False, False)]


def _write(out: Path, reports: list[Report]) -> None:
    store = ShardStore(out)
    store.shards.mkdir(parents=True, exist_ok=True)
    store.write_shard([Outcome(id=r.id, source="x", rows=report_to_rows(r, input="x"),
                               failed=False, pid=1, rss_kb=0, ms=0.0) for r in reports])


def test_speakers_and_copies_are_written_beside_the_shards(tmp_path: Path, stories: Any) -> None:
    _write(tmp_path, [_report("a", stories.story, [("Donald J. Trump", "person", 2)], "2024-03-01"),
                      _report("b", stories.reprint, [("Mr. Trump", "person", 1)], "2024-03-02"),
                      _report("c", stories.other, [("Ivanka Trump", "person", 1)]),
                      _report("d", "A short note.", [("Donald Trump", "person", 1)]),
                      _report("e", "Another note.", [("Donald Trump", "person", 1)])])
    rows = rebuild_derived(tmp_path)
    assert rows == {"speakers": 2, "speaker_actors": 5, "duplicates": 1, "quote_copies": 0}
    assert read_derived(tmp_path, "speakers").to_pylist() == [
        {"speaker": "Donald Trump", "type": "person",
         "aliases": ["Donald J. Trump", "Donald Trump", "Mr. Trump"], "articles": 4, "quotes": 5,
         "wikidata_id": None, "gender": "unknown"},
        {"speaker": "Ivanka Trump", "type": "person", "aliases": ["Ivanka Trump"],
         "articles": 1, "quotes": 1, "wikidata_id": None, "gender": "unknown"}]
    assert read_derived(tmp_path, "speaker_actors").to_pylist()[1] == {
        "article_id": "b", "actor_id": "b-0", "name": "Mr. Trump", "speaker": "Donald Trump"}
    (dup,) = read_derived(tmp_path, "duplicates").to_pylist()
    assert (dup["article_id"], dup["duplicate_of"]) == ("b", "a")


def test_the_tables_are_stale_once_a_shard_is_added_or_the_alias_file_changes(
        tmp_path: Path, stories: Any) -> None:
    _write(tmp_path, [_report("a", stories.story, [("Ana Ruiz", "person", 1)])])
    rebuild_derived(tmp_path)
    assert is_fresh(tmp_path)
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("Ana Ruiz,Ana María Ruiz\n", encoding="utf-8")
    assert not is_fresh(tmp_path, aliases)
    rebuild_derived(tmp_path, aliases)
    assert is_fresh(tmp_path, aliases) and not is_fresh(tmp_path)
    assert read_derived(tmp_path, "speakers").column("speaker").to_pylist() == ["Ana María Ruiz"]
    _write(tmp_path, [_report("b", stories.other, [("Ana Ruiz", "person", 1)])])
    assert not is_fresh(tmp_path, aliases)


def test_tables_built_by_another_merge_are_stale(tmp_path: Path, stories: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, [_report("a", stories.story, [("Ana Ruiz", "person", 1)])])
    rebuild_derived(tmp_path)
    monkeypatch.setattr("unspin.batch.speakers.DOMINANCE", 5.0)
    assert not is_fresh(tmp_path)


def _feed(path: Path, records: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in records),
                    encoding="utf-8")
    return path


def test_a_batch_run_builds_them_and_an_extending_run_rebuilds_them(
        tmp_path: Path, stories: Any, plumbing: Options) -> None:
    out = tmp_path / "out"
    first = _feed(tmp_path / "one.jsonl", [("s1", stories.story), ("o1", stories.other)])
    done = run_batch(BatchConfig(inputs=(str(first),), out=out, options=plumbing, workers=0,
                                 progress=False))
    assert done.derived == {"speakers": 0, "speaker_actors": 0, "duplicates": 0,
                            "quote_copies": 0}
    more = _feed(tmp_path / "two.jsonl", [("s2", stories.reprint)])
    again = run_batch(BatchConfig(inputs=(str(first), str(more)), out=out, options=plumbing,
                                  workers=0, progress=False))
    assert again.derived is not None and again.derived["duplicates"] == 1
    assert read_derived(out, "duplicates").column("article_id").to_pylist() == ["s2"]
    idle = run_batch(BatchConfig(inputs=(str(first), str(more)), out=out, options=plumbing,
                                 workers=0, progress=False))
    assert idle.derived is None  # nothing new: the tables are kept as they are


def test_a_forced_rerun_rebuilds_them_from_its_own_records(
        tmp_path: Path, stories: Any, plumbing: Options) -> None:
    out = tmp_path / "out"
    copies = _feed(tmp_path / "copies.jsonl", [("s1", stories.story), ("s2", stories.reprint)])
    other = _feed(tmp_path / "other.jsonl", [("o1", stories.other), ("o2", "A note.")])
    run_batch(BatchConfig(inputs=(str(copies),), out=out, options=plumbing, workers=0,
                          progress=False))
    assert read_derived(out, "duplicates").num_rows == 1
    run_batch(BatchConfig(inputs=(str(other),), out=out, options=plumbing, workers=0,
                          progress=False, force=True))  # the same shard name, part-000001
    assert read_derived(out, "duplicates").num_rows == 0


def test_a_malformed_alias_file_stops_the_run_before_any_work(
        tmp_path: Path, stories: Any, plumbing: Options) -> None:
    feed = _feed(tmp_path / "one.jsonl", [("s1", stories.story)])
    bad = tmp_path / "aliases.csv"
    bad.write_text("only-one-field\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1 of the alias file"):
        run_batch(BatchConfig(inputs=(str(feed),), out=tmp_path / "out", options=plumbing,
                              workers=0, progress=False, aliases=bad))
    assert not (tmp_path / "out").exists()
