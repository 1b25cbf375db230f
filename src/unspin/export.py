"""Reports as pre-annotations for a person to correct: Label Studio tasks or Prodigy JSONL.

``unspin export OUT --format label-studio|prodigy`` reads a batch output folder (or a JSON
report, or JSONL of reports) and writes one task per article carrying its ``text`` and the
machine's technique spans and attributions, each with its score. Every span is
``[start, end)`` character offsets (Python ``str`` indices, i.e. code points) into the
``text`` the task carries, which is the report's ``text``; each span also carries its
surface ``text`` so a reader can check the offsets.

Labels: a technique span is labelled with its technique (PTC names); an attribution is a
``Source``, a ``Cue`` and one ``Content`` span per fragment (several report quotes that
share a cue are one attribution), tied by relations (cue → content, cue → source; source
→ content without a cue). :mod:`unspin.train.corrections` reads the corrected files back.

Label Studio (JSON import format)::

    [{"data": {"text": …, "article_id": …, "unspin": {…}},
      "predictions": [{"model_version": "unspin 0.1.0", "score": …,
                       "result": [{"id": "t0", "from_name": "technique", "to_name": "text",
                                   "type": "labels", "score": 0.8,
                                   "value": {"start": 4, "end": 12, "text": "…",
                                             "labels": ["Loaded_Language"]}},
                                  {"type": "relation", "from_id": "q1-cue", "to_id": …}, …]}]}]

Prodigy (JSONL, token-free spans)::

    {"text": …, "spans": [{"start": 4, "end": 12, "label": "Loaded_Language", "text": "…",
                           "score": 0.8}, …],
     "relations": [{"head_span": {…}, "child_span": {…}, "label": "ATTRIBUTION"}],
     "meta": {"article_id": …, …}, "unspin": {…}}

``unspin`` holds what training needs beyond the spans: the layers the task covers and the
report's sentences (``[start, end)`` offsets).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO
from xml.sax.saxutils import quoteattr

from unspin.errors import ConfigError, EmptyInputError, InputError
from unspin.report.models import Quote, Report

__all__ = [
    "FORMATS",
    "LAYERS",
    "QUOTE_LABELS",
    "RELATION_LABEL",
    "export",
    "label_studio_config",
    "label_studio_task",
    "prodigy_task",
    "read_reports",
]

Format = Literal["label-studio", "prodigy"]
#: The export formats, as ``--format`` names them.
FORMATS: tuple[str, ...] = ("label-studio", "prodigy")
#: The layers a task can carry.
LAYERS: tuple[str, ...] = ("techniques", "quotes")
#: The labels of an attribution's parts (PolNeAR's names).
QUOTE_LABELS: tuple[str, ...] = ("Source", "Cue", "Content")
#: The label of the relations that tie an attribution's parts.
RELATION_LABEL = "ATTRIBUTION"


def _span_item(id_: str, control: str, start: int, end: int, label: str, text: str,
               score: float) -> dict[str, Any]:
    return {"id": id_, "from_name": control, "to_name": "text", "type": "labels",
            "score": round(score, 4),
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}


def _attributions(quotes: Sequence[Quote]) -> list[list[Quote]]:
    """Report quotes grouped into attributions: fragments that share a cue are one."""
    groups: dict[object, list[Quote]] = {}
    for q in quotes:
        key: object = (q.cue.start, q.cue.end) if q.cue is not None else q.id
        groups.setdefault(key, []).append(q)
    return list(groups.values())


def _parts(report: Report, layers: Sequence[str]) -> tuple[
        list[tuple[str, str, int, int, str, float]], list[tuple[str, str]]]:
    """``(spans, relations)`` of a report: spans as ``(id, control, start, end, label,
    score)``, relations as ``(from id, to id)``."""
    spans: list[tuple[str, str, int, int, str, float]] = []
    relations: list[tuple[str, str]] = []
    if "techniques" in layers:
        for i, t in enumerate(report.techniques):
            spans.append((f"t{i}", "technique", t.start, t.end, t.technique, t.score))
    if "quotes" in layers:
        for group in _attributions(report.quotes):
            first = group[0]
            score = max(q.confidence for q in group)
            hub: str | None = None
            if first.cue is not None:
                hub = f"{first.id}-cue"
                spans.append((hub, "attribution", first.cue.start, first.cue.end, "Cue", score))
            source = next((q.source for q in group if q.source is not None), None)
            source_id = f"{first.id}-source"
            if source is not None:
                spans.append((source_id, "attribution", source.start, source.end, "Source",
                              score))
                if hub is not None:
                    relations.append((hub, source_id))
            seen: set[tuple[int, int]] = set()
            for q in group:
                if (q.content.start, q.content.end) in seen:
                    continue
                seen.add((q.content.start, q.content.end))
                cid = f"{q.id}-content"
                spans.append((cid, "attribution", q.content.start, q.content.end, "Content",
                              q.confidence))
                if hub is not None:
                    relations.append((hub, cid))
                elif source is not None:
                    relations.append((source_id, cid))
    return spans, relations


def _unspin_data(report: Report, layers: Sequence[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "layers": list(layers), "sentences": [[s.start, s.end] for s in report.sentences],
        "unspin_version": report.unspin_version, "schema_version": report.schema_version,
        "author": report.source.author}
    if "quotes" in layers:  # what the annotator may want beside each cue: its class and stance
        cues = {(q.cue.start, q.cue.end): [q.cue.start, q.cue.end, q.cue_class, q.cue_stance]
                for q in report.quotes if q.cue is not None}
        data["cues"] = [cues[k] for k in sorted(cues)]
    return data


def _check_layers(layers: Sequence[str]) -> tuple[str, ...]:
    unknown = [x for x in layers if x not in LAYERS]
    if unknown or not layers:
        raise ConfigError(f"unknown export layer(s) {', '.join(unknown) or '(none given)'}; "
                          f"choose from {', '.join(LAYERS)}")
    return tuple(x for x in LAYERS if x in layers)


def label_studio_task(report: Report, layers: Sequence[str] = LAYERS) -> dict[str, Any]:
    """One Label Studio task (JSON import format) holding the report's spans as a prediction."""
    layers = _check_layers(layers)
    spans, relations = _parts(report, layers)
    result: list[dict[str, Any]] = [_span_item(i, c, s, e, label, report.text, score)
                                    for i, c, s, e, label, score in spans]
    result += [{"type": "relation", "from_id": a, "to_id": b, "direction": "right",
                "labels": [RELATION_LABEL]} for a, b in relations]
    scores = [score for *_, score in spans]
    return {
        "data": {"text": report.text, "article_id": report.id, "title": report.source.title,
                 "url": report.source.url, "unspin": _unspin_data(report, layers)},
        "predictions": [{"model_version": f"unspin {report.unspin_version}",
                         "score": round(sum(scores) / len(scores), 4) if scores else 0.0,
                         "result": result}],
    }


def prodigy_task(report: Report, layers: Sequence[str] = LAYERS) -> dict[str, Any]:
    """One Prodigy task: ``text``, token-free ``spans`` with scores, ``relations`` between
    an attribution's parts (by their spans), ``meta``."""
    layers = _check_layers(layers)
    spans, relations = _parts(report, layers)
    by_id: dict[str, dict[str, Any]] = {}
    out_spans: list[dict[str, Any]] = []
    for i, _, s, e, label, score in spans:
        span = {"start": s, "end": e, "label": label, "text": report.text[s:e],
                "score": round(score, 4)}
        by_id[i] = span
        out_spans.append(span)

    def ref(i: str) -> dict[str, Any]:
        return {k: by_id[i][k] for k in ("start", "end", "label")}

    return {
        "text": report.text,
        "spans": out_spans,
        "relations": [{"head_span": ref(a), "child_span": ref(b), "label": RELATION_LABEL}
                      for a, b in relations],
        "meta": {"article_id": report.id, "title": report.source.title, "url": report.source.url,
                 "model": f"unspin {report.unspin_version}"},
        "unspin": _unspin_data(report, layers),
    }


def label_studio_config(labels: Iterable[str] | None = None) -> str:
    """A Label Studio labeling configuration for exported tasks (paste it into the project):
    one ``Labels`` control for techniques (default: the 14 PTC labels), one for an
    attribution's parts, over the task's ``text``."""
    if labels is None:
        from unspin.pipeline._techniques.model import LABELS

        labels = LABELS
    tech = "\n".join(f"    <Label value={quoteattr(x)}/>" for x in labels)
    quote = "\n".join(f"    <Label value={quoteattr(x)}/>" for x in QUOTE_LABELS)
    return (f"<View>\n  <Relations>\n    <Relation value={quoteattr(RELATION_LABEL)}/>\n"
            f"  </Relations>\n"
            f"  <Labels name=\"technique\" toName=\"text\">\n{tech}\n  </Labels>\n"
            f"  <Labels name=\"attribution\" toName=\"text\">\n{quote}\n  </Labels>\n"
            "  <Text name=\"text\" value=\"$text\"/>\n</View>\n")


def _reports_from_json(path: Path) -> Iterator[Report]:
    from pydantic import ValidationError

    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read reports from {path}: {exc}", path=str(path)) from exc
    from unspin.ingest.jsonl import looks_like_jsonl

    if not raw.strip():
        raise EmptyInputError(f"{path} is empty; give a batch output folder, a report written "
                              "by `unspin analyze` or JSONL of reports", path=str(path))
    where = "it"
    try:
        if not looks_like_jsonl(raw):  # one (pretty-printed) report
            yield Report.model_validate_json(raw)
            return
        for n, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                where = f"line {n}"
                yield Report.model_validate_json(line)
    except ValidationError as exc:
        raise InputError(f"{path} does not hold unspin reports ({where}: {exc.error_count()} "
                         f"problems, first: {exc.errors()[0]['msg']}); give a batch output "
                         "folder, a report written by `unspin analyze` or JSONL of reports",
                         path=str(path)) from exc


def read_reports(source: Path) -> Iterator[Report]:
    """The reports in ``source``: a batch output folder (only the layers an export needs are
    read: ``articles``, ``quotes``, ``techniques``), a JSON report, or JSONL of reports."""
    if source.is_dir():
        from unspin.batch.reports import iter_reports

        return iter_reports(source, layers=("quotes", "techniques"))
    if source.is_file():
        return _reports_from_json(source)
    raise InputError(f"no such batch output folder or report file: {source}", path=str(source))


def export(source: Path, out: TextIO, *, format: str = "label-studio",
           layers: Sequence[str] = LAYERS) -> int:
    """Write every report in ``source`` to ``out`` as ``format`` tasks; return how many.

    Label Studio gets one JSON array (its import format), Prodigy one task a line."""
    if format not in FORMATS:
        raise ConfigError(f"unknown export format {format!r}; choose from {', '.join(FORMATS)}")
    layers = _check_layers(layers)
    n = 0
    if format == "prodigy":
        for report in read_reports(source):
            out.write(json.dumps(prodigy_task(report, layers), ensure_ascii=False) + "\n")
            n += 1
        return n
    out.write("[")
    for report in read_reports(source):
        out.write(("\n" if n == 0 else ",\n")
                  + json.dumps(label_studio_task(report, layers), ensure_ascii=False))
        n += 1
    out.write("\n]\n")
    return n

