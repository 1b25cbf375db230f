"""``unspin export``: reports as Label Studio / Prodigy pre-annotations, offsets exact."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from unspin.errors import ConfigError, InputError
from unspin.export import (
    QUOTE_LABELS,
    export,
    label_studio_config,
    label_studio_task,
    prodigy_task,
    read_reports,
)
from unspin.report import Report

#: What the annotated report's quotes and techniques cover (tests/conftest.py).
SURFACES = {"will change everything", "said", "Mayor Ilse Brandt", "believes", "Brandt",
            "the council will agree", "the port will pay for it", "called", "Critics",
            "the plan a reckless gamble", "reckless gamble"}


def _export(source: Path, fmt: str, **kw: Any) -> str:
    out = io.StringIO()
    export(source, out, format=fmt, **kw)
    return out.getvalue()


def test_a_batch_output_gives_one_label_studio_task_per_article(batch_out: Path) -> None:
    tasks = json.loads(_export(batch_out, "label-studio"))
    assert [t["data"]["article_id"] for t in tasks] == ["harbour-1", "bare-2"]
    assert tasks[1]["predictions"][0]["result"] == []


def test_every_exported_span_indexes_the_text_the_task_carries(batch_out: Path) -> None:
    (task, _) = json.loads(_export(batch_out, "label-studio"))
    text = task["data"]["text"]
    spans = [r for r in task["predictions"][0]["result"] if r["type"] == "labels"]
    # the fixture's spans, read back through the offsets (not through the export's own text)
    assert {text[r["value"]["start"]:r["value"]["end"]] for r in spans} == SURFACES
    for item in spans:
        assert item["value"]["text"] == text[item["value"]["start"]:item["value"]["end"]]
        assert 0.0 <= item["score"] <= 1.0


def test_techniques_keep_their_label_and_score(annotated_report: Report) -> None:
    result = label_studio_task(annotated_report)["predictions"][0]["result"]
    tech = [(r["value"]["text"], r["value"]["labels"], r["score"]) for r in result
            if r.get("from_name") == "technique"]
    assert tech == [("reckless gamble", ["Loaded_Language"], 0.81),
                    ("will change everything", ["Exaggeration,Minimisation"], 0.42)]


def test_an_attribution_is_its_parts_tied_by_relations(annotated_report: Report) -> None:
    result = label_studio_task(annotated_report)["predictions"][0]["result"]
    by_id = {r["id"]: r for r in result if r["type"] == "labels"}
    relations = [(by_id[r["from_id"]]["value"]["text"], by_id[r["to_id"]]["value"]["text"])
                 for r in result if r["type"] == "relation"]
    # "believes" is the cue of two content fragments: one cue, one source, two contents
    assert ("believes", "Brandt") in relations
    assert ("believes", "the council will agree") in relations
    assert ("believes", "the port will pay for it") in relations
    assert ("said", "Mayor Ilse Brandt") in relations
    labels = [r["value"]["labels"][0] for r in by_id.values()
              if r["from_name"] == "attribution"]
    assert labels.count("Cue") == 3 and labels.count("Source") == 3
    assert labels.count("Content") == 4


def test_layers_choose_what_a_task_carries(annotated_report: Report) -> None:
    task = label_studio_task(annotated_report, ["techniques"])
    assert {r["from_name"] for r in task["predictions"][0]["result"]} == {"technique"}
    assert task["data"]["unspin"]["layers"] == ["techniques"]
    with pytest.raises(ConfigError, match="narratives"):
        label_studio_task(annotated_report, ["narratives"])


def test_a_prodigy_task_has_token_free_spans_relations_and_meta(annotated_report: Report) -> None:
    task = prodigy_task(annotated_report)
    text = task["text"]
    assert {text[s["start"]:s["end"]] for s in task["spans"]} == SURFACES
    assert {s["label"] for s in task["spans"]} >= {"Loaded_Language", *QUOTE_LABELS}
    spans = {(s["start"], s["end"], s["label"]) for s in task["spans"]}
    for rel in task["relations"]:
        for end in ("head_span", "child_span"):
            assert (rel[end]["start"], rel[end]["end"], rel[end]["label"]) in spans
    assert task["meta"]["article_id"] == "harbour-1"
    assert "answer" not in task


def test_prodigy_export_is_one_task_a_line(batch_out: Path) -> None:
    lines = _export(batch_out, "prodigy").splitlines()
    assert [json.loads(x)["meta"]["article_id"] for x in lines] == ["harbour-1", "bare-2"]


def test_a_saved_report_or_jsonl_of_reports_exports_too(tmp_path: Path,
                                                        annotated_report: Report) -> None:
    one = tmp_path / "r.json"
    one.write_text(annotated_report.to_json(), encoding="utf-8")
    many = tmp_path / "r.jsonl"
    many.write_text(annotated_report.to_json(indent=None) + "\n"
                    + annotated_report.model_copy(update={"id": "b"}).to_json(indent=None) + "\n",
                    encoding="utf-8")
    assert [r.id for r in read_reports(one)] == ["harbour-1"]
    assert [r.id for r in read_reports(many)] == ["harbour-1", "b"]


@pytest.mark.parametrize("content", ["{\"not\": \"a report\"}", "[1, 2]"])
def test_a_file_that_is_not_a_report_is_an_input_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError):
        list(read_reports(path))


def test_an_unknown_format_or_a_missing_source_is_refused(tmp_path: Path, batch_out: Path) -> None:
    with pytest.raises(ConfigError, match="brat"):
        export(batch_out, io.StringIO(), format="brat")
    with pytest.raises(InputError, match="no such"):
        list(read_reports(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no finished batch shards"):
        list(read_reports(tmp_path / "empty"))


def test_the_label_studio_config_names_every_label() -> None:
    from unspin.pipeline._techniques.model import LABELS

    root = ET.fromstring(label_studio_config())
    values = {e.get("value") for e in root.iter("Label")}
    assert values == set(LABELS) | set(QUOTE_LABELS)
    assert {e.get("name") for e in root.iter("Labels")} == {"technique", "attribution"}


def test_a_task_carries_each_cues_class_and_stance_and_the_byline(
        annotated_report: Report) -> None:
    said = annotated_report.quotes[0].cue
    assert said is not None
    report = annotated_report.model_copy(update={
        "quotes": [annotated_report.quotes[0].model_copy(update={"cue_stance": "neutral"}),
                   *annotated_report.quotes[1:]],
        "source": annotated_report.source.model_copy(update={"author": "Lena Park"})})
    for data in (label_studio_task(report)["data"]["unspin"], prodigy_task(report)["unspin"]):
        assert data["author"] == "Lena Park"
        assert [said.start, said.end, "speech", "neutral"] in data["cues"]
    assert "cues" not in label_studio_task(report, layers=["techniques"])["data"]["unspin"]
