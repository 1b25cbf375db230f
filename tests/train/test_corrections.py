"""Corrected exports back to training: export → a person edits a label → the trainers'
readers yield the edited label at the exact offsets; what cannot be used is counted."""

from __future__ import annotations

import copy
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from unspin.corpora.polnear import gold_attributions
from unspin.errors import CorrectionsError
from unspin.export import export
from unspin.train.corrections import (
    BAD_OFFSETS,
    LOOSE_SOURCE,
    MALFORMED,
    NO_TEXT,
    REJECTED,
    SUPERSEDED,
    UNKNOWN_LABEL,
    UNREVIEWED,
    load_corrections,
    polnear_articles,
    ptc_articles,
    read_corrections,
)

EDITED = "Name_Calling,Labeling"


def _exported(source: Path, fmt: str) -> str:
    out = io.StringIO()
    export(source, out, format=fmt)
    return out.getvalue()


def _ls_tasks(batch_out: Path) -> list[dict[str, Any]]:
    return list(json.loads(_exported(batch_out, "label-studio")))


def _annotate(task: dict[str, Any], edit: Any = None, **fields: Any) -> dict[str, Any]:
    """What Label Studio's export holds once a person has submitted the prediction, edited
    by ``edit(result)``."""
    result = copy.deepcopy(task["predictions"][0]["result"])
    for item in result:
        item.pop("score", None)
    if edit is not None:
        edit(result)
    return {**task, "annotations": [{"id": 1, "result": result, "was_cancelled": False,
                                     "updated_at": "2026-12-02T10:00:00Z", **fields}]}


def _relabel(old: str, new: str) -> Any:
    def edit(result: list[dict[str, Any]]) -> None:
        for item in result:
            if item["type"] == "labels" and item["value"]["labels"] == [old]:
                item["value"]["labels"] = [new]
    return edit


def _write(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def _jsonl(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks), encoding="utf-8")
    return path


def _span_of(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


# ------------------------------------------------------------------ the round trip


def test_a_label_edited_in_label_studio_reaches_the_techniques_trainer(
        tmp_path: Path, batch_out: Path) -> None:
    tasks = _ls_tasks(batch_out)
    tasks[0] = _annotate(tasks[0], _relabel("Loaded_Language", EDITED))
    corr = read_corrections(_write(tmp_path / "ls.json", tasks))
    (article,) = ptc_articles(corr.articles)
    text = article.text
    start, end = _span_of(text, "reckless gamble")
    assert [(s.start, s.end, s.technique) for s in article.spans] == [  # in text order
        (*_span_of(text, "will change everything"), "Exaggeration,Minimisation"), (start, end, EDITED)]
    assert text[start:end] == "reckless gamble"
    assert article.id == "corrections:harbour-1"
    assert corr.skipped[UNREVIEWED] == 1  # the second article was never submitted


def test_the_attribution_trainer_reads_sources_cues_and_contents(
        tmp_path: Path, batch_out: Path) -> None:
    tasks = _ls_tasks(batch_out)[:1]
    tasks[0] = _annotate(tasks[0])
    (article,) = polnear_articles(read_corrections(_write(tmp_path / "ls.json", tasks)).articles)
    text = article.text

    def frag(part: str) -> tuple[tuple[int, int], ...]:
        return (_span_of(text, part),)

    believes = next(a for a in article.attributions if a.cue == frag("believes"))
    assert believes.content == (*frag("the council will agree"), *frag("the port will pay for it"))
    assert believes.source == ((text.index("Brandt believes"), text.index("Brandt believes") + 6),)
    said = next(a for a in article.attributions if a.cue == frag("said"))
    assert said.source == frag("Mayor Ilse Brandt") and said.content == frag("will change everything")
    assert len(article.attributions) == 3
    assert len(gold_attributions(article)) == 3  # what the attribution trainer calls on it


def test_a_label_edited_in_prodigy_reaches_the_techniques_trainer(
        tmp_path: Path, batch_out: Path) -> None:
    tasks = [json.loads(x) for x in _exported(batch_out, "prodigy").splitlines()]
    for span in tasks[0]["spans"]:
        if span["label"] == "Loaded_Language":
            span["label"] = EDITED
    tasks[0]["answer"] = "accept"
    tasks[1]["answer"] = "reject"
    corr = read_corrections(_jsonl(tmp_path / "p.jsonl", tasks))
    (article,) = ptc_articles(corr.articles)
    assert (*_span_of(article.text, "reckless gamble"), EDITED) in {
        (s.start, s.end, s.technique) for s in article.spans}
    assert corr.format == "prodigy" and corr.skipped[REJECTED] == 1
    (attr_article,) = polnear_articles(corr.articles)
    assert len(attr_article.attributions) == 3


def test_a_span_a_person_deletes_is_gone_and_one_they_draw_is_there(
        tmp_path: Path, batch_out: Path) -> None:
    tasks = _ls_tasks(batch_out)[:1]
    text = tasks[0]["data"]["text"]
    a, b = _span_of(text, "divides")

    def edit(result: list[dict[str, Any]]) -> None:
        result[:] = [r for r in result if r.get("value", {}).get("labels") != ["Loaded_Language"]]
        result.append({"id": "new1", "from_name": "technique", "to_name": "text", "type": "labels",
                       "value": {"start": a, "end": b, "text": "divides", "labels": ["Doubt"]}})

    (article,) = ptc_articles(read_corrections(_write(tmp_path / "ls.json",
                                                      [_annotate(tasks[0], edit)])).articles)
    assert {(s.start, s.end, s.technique) for s in article.spans} == {
        (a, b, "Doubt"), (*_span_of(text, "will change everything"), "Exaggeration,Minimisation")}


def test_the_exported_sentences_cut_at_line_breaks_are_what_training_reads(
        tmp_path: Path, batch_out: Path) -> None:
    tasks = [_annotate(_ls_tasks(batch_out)[0])]
    (article,) = ptc_articles(read_corrections(_write(tmp_path / "ls.json", tasks)).articles)
    sentences = [s.text for s in article.sentences()]
    assert sentences[0] == "Harbour plan divides the town"
    assert sentences[-1].startswith("Brandt believes")
    assert all("\n" not in s for s in sentences)
    assert all(article.text[s.start:s.start + len(s.text)] == s.text for s in article.sentences())


def test_a_person_s_latest_annotation_wins_and_ground_truth_wins_over_it(
        tmp_path: Path, batch_out: Path) -> None:
    task = _ls_tasks(batch_out)[0]
    old = _annotate(task, _relabel("Loaded_Language", "Doubt"))["annotations"][0]
    new = _annotate(task, _relabel("Loaded_Language", EDITED))["annotations"][0]
    new["updated_at"] = "2026-12-03T00:00:00Z"
    for anns, expected in (([new, old], EDITED), ([old, new], EDITED),
                           ([new, {**old, "ground_truth": True}], "Doubt")):
        (article,) = ptc_articles(read_corrections(
            _write(tmp_path / "ls.json", [{**task, "annotations": anns}])).articles)
        assert expected in {s.technique for s in article.spans}


# ------------------------------------------------------------------ what is not used


def _with_result_item(task: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    return _annotate(task, lambda result: result.append(item))


@pytest.mark.parametrize("value,reason", [
    ({"start": 0, "end": 7, "text": "Harbour", "labels": ["Humour"]}, UNKNOWN_LABEL),
    ({"start": 0, "end": 7, "text": "Harbor", "labels": ["Doubt"]}, BAD_OFFSETS),
    ({"start": 5, "end": 5000, "labels": ["Doubt"]}, BAD_OFFSETS),
    ({"start": 0, "end": 7, "text": "Harbour", "labels": ["Source"]}, LOOSE_SOURCE),
])
def test_a_task_that_cannot_be_trusted_is_skipped_whole_and_counted(
        tmp_path: Path, batch_out: Path, value: dict[str, Any], reason: str) -> None:
    tasks = _ls_tasks(batch_out)
    good = _annotate(tasks[0])
    good["data"] = {**good["data"], "article_id": "good"}
    bad = _with_result_item(tasks[0], {"id": "x", "from_name": "technique", "to_name": "text",
                                       "type": "labels", "value": value})
    corr = read_corrections(_write(tmp_path / "ls.json", [good, bad]))
    assert [a.id for a in corr.articles] == ["good"]
    assert corr.skipped[reason] == 1
    assert "task 2 (harbour-1)" in corr.summary()


def test_cancelled_and_unsubmitted_tasks_are_counted_not_used(tmp_path: Path,
                                                              batch_out: Path) -> None:
    first, second = _ls_tasks(batch_out)
    cancelled = _annotate(first, was_cancelled=True)
    corr = read_corrections(_write(tmp_path / "ls.json", [cancelled, second]))
    assert corr.articles == []
    assert (corr.skipped[REJECTED], corr.skipped[UNREVIEWED]) == (1, 1)


def test_the_same_article_twice_keeps_the_later_one(tmp_path: Path, batch_out: Path) -> None:
    task = _ls_tasks(batch_out)[0]
    tasks = [_annotate(task, _relabel("Loaded_Language", "Doubt")),
             _annotate(task, _relabel("Loaded_Language", EDITED))]
    corr = read_corrections(_write(tmp_path / "ls.json", tasks))
    (article,) = ptc_articles(corr.articles)
    assert EDITED in {s.technique for s in article.spans} and corr.skipped[SUPERSEDED] == 1


@pytest.mark.parametrize("content", ["", "not json\n", "[1, 2]", "[{\"data\": {}}]",
                                     "{\"spans\": []}\n"])
def test_a_file_that_is_no_export_is_a_coded_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorrectionsError) as info:
        read_corrections(path)
    assert str(info.value).startswith("[E120]")


def test_loading_records_each_file_s_hash_and_refuses_a_file_with_nothing_usable(
        tmp_path: Path, batch_out: Path) -> None:
    tasks = _ls_tasks(batch_out)
    path = _write(tmp_path / "ls.json", [_annotate(tasks[0]), tasks[1]])
    logged: list[str] = []
    articles, provenance = load_corrections([path], "techniques", logged.append)
    assert [a.id for a in articles] == ["harbour-1"]
    assert provenance == [{"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                           "format": "label-studio", "tasks": 2, "used": 1,
                           "skipped": {UNREVIEWED: 1}}]
    assert "1 skipped: unreviewed" in logged[0]
    raw = _write(tmp_path / "raw.json", tasks)  # the export itself: nothing reviewed yet
    with pytest.raises(CorrectionsError, match="no usable techniques corrections"):
        load_corrections([raw], "techniques", logged.append)


def test_offsets_counted_in_utf16_units_after_an_emoji_are_read_right(tmp_path: Path) -> None:
    text = "Fans \U0001F389 cheered the shameful decision."
    a = text.index("shameful")
    utf16 = a + 1  # the emoji is two UTF-16 code units, one code point
    task = {"data": {"text": text, "article_id": "emoji"},
            "annotations": [{"result": [{"id": "x", "from_name": "technique", "to_name": "text",
                                         "type": "labels",
                                         "value": {"start": utf16, "end": utf16 + 8,
                                                   "text": "shameful",
                                                   "labels": ["Loaded_Language"]}}]}]}
    (article,) = ptc_articles(read_corrections(_write(tmp_path / "ls.json", [task])).articles)
    assert [(s.start, s.end) for s in article.spans] == [(a, a + 8)]


def _labels(start: int, end: int, surface: str, label: str = "Loaded_Language") -> dict[str, Any]:
    return {"id": "x", "from_name": "technique", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": surface, "labels": [label]}}


def test_utf16_offsets_that_reach_the_end_of_the_text_are_read_right(tmp_path: Path) -> None:
    text = "\U0001F389 shameful"
    task = {"data": {"text": text, "article_id": "end"},
            "annotations": [{"result": [_labels(3, 11, "shameful")]}]}  # UTF-16: past len(text)
    (article,) = ptc_articles(read_corrections(_write(tmp_path / "ls.json", [task])).articles)
    assert [(s.start, s.end) for s in article.spans] == [(2, 10)]


def test_tasks_that_name_no_article_never_take_each_other_s_place(tmp_path: Path) -> None:
    def task(text: str) -> dict[str, Any]:
        return {"id": 1, "data": {"text": text},  # Label Studio numbers tasks per project
                "annotations": [{"result": [_labels(0, 5, text[:5])]}]}

    one = _write(tmp_path / "one.json", [task("Alpha text about the harbour.")])
    two = _write(tmp_path / "two.json", [task("Gamma text about the ferry.")])
    articles, _ = load_corrections([one, two], "techniques", lambda _: None)
    assert sorted(a.text for a in articles) == ["Alpha text about the harbour.",
                                                "Gamma text about the ferry."]


@pytest.mark.parametrize("result", [{"x": 1}, [5], [{"type": "labels", "value": "oops"}]])
def test_a_malformed_annotation_is_skipped_not_read_as_no_techniques(
        tmp_path: Path, result: Any) -> None:
    task = {"data": {"text": "A text with words.", "article_id": "m"},
            "annotations": [{"result": result}]}
    corr = read_corrections(_write(tmp_path / "ls.json", [task]))
    assert corr.articles == [] and corr.skipped[MALFORMED] == 1


def test_a_task_without_text_is_skipped_and_the_others_are_read(tmp_path: Path) -> None:
    good = {"data": {"text": "A text with words.", "article_id": "g"},
            "annotations": [{"result": [_labels(2, 6, "text")]}]}
    blank = {"data": {"text": "   ", "article_id": "b"}, "annotations": [{"result": []}]}
    corr = read_corrections(_write(tmp_path / "ls.json", [good, blank, {"data": {}}]))
    assert [a.id for a in corr.articles] == ["g"] and corr.skipped[NO_TEXT] == 2


def test_a_later_reject_withdraws_an_earlier_accept(tmp_path: Path) -> None:
    text = "A text with words."
    accept = {"text": text, "meta": {"article_id": "p"}, "answer": "accept",
              "spans": [{"start": 2, "end": 6, "label": "Doubt"}]}
    corr = read_corrections(_jsonl(tmp_path / "p.jsonl", [accept, {**accept, "answer": "reject"}]))
    assert corr.articles == [] and corr.skipped[REJECTED] == 1

