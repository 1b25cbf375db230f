"""Corrected exports back to training: Label Studio JSON or Prodigy JSONL as training articles.

``unspin export`` (:mod:`unspin.export`) writes the machine's spans as pre-annotations; a
person corrects them in Label Studio or Prodigy and exports the result; this module turns
that file into the examples the trainers read: PTC-style technique spans
(:class:`unspin.corpora.ptc.Article`) for ``unspin train techniques`` and PolNeAR-style
attributions (:class:`unspin.corpora.polnear.GoldArticle`) for ``unspin train attribution``.

What counts as a correction:

- **Label Studio** (JSON export, a list of tasks): a task's annotations made by a person
  win over its predictions; of several, a ``ground_truth`` one wins, else the latest
  (``updated_at``). Its ``labels`` result items are the corrected spans, its ``relation``
  items tie an attribution's parts. A task whose annotations were all cancelled (skipped in
  the UI) is *rejected*; a task with predictions only is *unreviewed*.
- **Prodigy** (JSONL, e.g. ``prodigy db-out``): a task answered ``accept`` is used as it is
  (``spans``, ``relations`` by their spans); ``reject`` and ``ignore`` are *rejected*; no
  ``answer`` is *unreviewed*.

Unreviewed predictions are never training data: training a model on its own output teaches
it nothing. A task is used whole or not at all: a task with an unknown label, a span whose
offsets fall outside the text or whose ``text`` differs from the text at its offsets, or a
``Source`` tied to no ``Cue`` or ``Content`` is skipped, counted by reason with its first
example (a partly used task would teach the model that the dropped span is not a technique).
A file that cannot be parsed, or that yields no usable task for the layer a trainer needs,
is a :class:`~unspin.errors.CorrectionsError` (E120).

Offsets are ``[start, end)`` character offsets (code points) into the task's ``text``;
offsets an older Label Studio counted in UTF-16 code units (it did so after an emoji) are
read as such when only that reading gives the span's own ``text``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin.corpora.polnear import GoldArticle, GoldAttribution
from unspin.corpora.ptc import Article, GoldSpan
from unspin.errors import CorrectionsError
from unspin.export import LAYERS, QUOTE_LABELS

__all__ = [
    "SKIP_REASONS",
    "CorrectedArticle",
    "Corrections",
    "load_corrections",
    "polnear_articles",
    "ptc_articles",
    "read_corrections",
]

UNREVIEWED = "unreviewed (predictions only, no person's answer)"
REJECTED = "rejected, skipped or ignored by the annotator"
UNKNOWN_LABEL = "unknown label"
BAD_OFFSETS = "offsets do not match the text"
LOOSE_SOURCE = "a Source tied to no Cue or Content"
SUPERSEDED = "the same article again, later in the file (the later one is used)"
NO_TEXT = "no article text"
MALFORMED = "an annotation that is not a list of labelled spans"
#: Why a task is not used, in the order summaries list them.
SKIP_REASONS: tuple[str, ...] = (UNREVIEWED, REJECTED, NO_TEXT, MALFORMED, UNKNOWN_LABEL,
                                 BAD_OFFSETS, LOOSE_SOURCE, SUPERSEDED)


def _technique_labels() -> tuple[str, ...]:
    from unspin.pipeline._techniques.model import LABELS

    return LABELS


@dataclass(frozen=True)
class CorrectedArticle:
    """One corrected task: its text, the layers it covers, the sentences the export carried
    and the corrected spans (``[start, end)`` offsets into ``text``)."""

    id: str
    text: str
    layers: frozenset[str]
    sentences: tuple[tuple[int, int], ...]
    techniques: tuple[tuple[int, int, str], ...]
    attributions: tuple[GoldAttribution, ...]


@dataclass
class Corrections:
    """What one corrections file gave: the articles used and the tasks skipped, by reason."""

    path: Path
    format: str
    sha256: str
    tasks: int
    articles: list[CorrectedArticle] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def skip(self, reason: str, message: str) -> None:
        self.skipped[reason] += 1
        self.examples.setdefault(reason, message)

    def of_layer(self, layer: str) -> list[CorrectedArticle]:
        return [a for a in self.articles if layer in a.layers]

    def summary(self) -> str:
        """One line: tasks, used, and each skip reason with its count and first example."""
        parts = [f"{self.path}: {self.tasks} tasks ({self.format}), {len(self.articles)} used"]
        for reason in SKIP_REASONS:
            if self.skipped[reason]:
                parts.append(f"{self.skipped[reason]} skipped: {reason} "
                             f"(first: {self.examples[reason]})")
        return "; ".join(parts)

    def provenance(self, layer: str) -> dict[str, Any]:
        """What an artifact's ``meta.json`` records of this file."""
        return {"path": str(self.path), "sha256": self.sha256, "format": self.format,
                "tasks": self.tasks, "used": len(self.of_layer(layer)),
                "skipped": {r: self.skipped[r] for r in SKIP_REASONS if self.skipped[r]}}


class _Skip(Exception):
    def __init__(self, reason: str, message: str, id: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.id = id  # the article, when known (a later reject then drops an earlier accept)


def _text_id(text: str) -> str:
    """An id for a task that names no article: from its text, so two files' tasks never
    take each other's place unless they are the same article."""
    return "text-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _utf16_len(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


@dataclass(frozen=True)
class _Span:
    id: str
    start: int
    end: int
    labels: tuple[str, ...]
    text: str | None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _from_utf16(text: str, start: int, end: int, surface: str) -> tuple[int, int]:
    """Offsets counted in UTF-16 code units (what Label Studio wrote before it counted code
    points) as code points, when that is what makes the span read ``surface``; else as given."""
    if all(ord(c) <= 0xFFFF for c in text):
        return start, end
    units = 0
    index: dict[int, int] = {}
    for i, c in enumerate(text):
        index[units] = i
        units += 2 if ord(c) > 0xFFFF else 1
    index[units] = len(text)
    a, b = index.get(start), index.get(end)
    if a is not None and b is not None and text[a:b] == surface:
        return a, b
    return start, end


def _span(id_: str, raw: dict[str, Any], labels: Any, text: str, where: str) -> _Span:
    start, end = _int(raw.get("start")), _int(raw.get("end"))
    surface = raw.get("text")
    # offsets may count UTF-16 units, which run past the code points after an emoji
    if start is None or end is None or not 0 <= start < end <= max(len(text), _utf16_len(text)):
        raise _Skip(BAD_OFFSETS, f"{where}: span [{raw.get('start')}, {raw.get('end')}) does "
                    f"not fit a text of {len(text)} characters")
    if isinstance(surface, str) and text[start:end] != surface:
        start, end = _from_utf16(text, start, end, surface)
    if end > len(text):
        raise _Skip(BAD_OFFSETS, f"{where}: span [{start}, {end}) does not fit a text of "
                    f"{len(text)} characters")
    if isinstance(surface, str) and text[start:end] != surface:
        raise _Skip(BAD_OFFSETS, f"{where}: span [{start}, {end}) is {text[start:end]!r} in the "
                    f"text, the file says {surface!r}")
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        raise _Skip(UNKNOWN_LABEL, f"{where}: span [{start}, {end}) has no label")
    known = set(_technique_labels()) | set(QUOTE_LABELS)
    unknown = [x for x in labels if x not in known]
    if unknown:
        raise _Skip(UNKNOWN_LABEL, f"{where}: label {unknown[0]!r} is neither a technique the "
                    f"model knows nor one of {', '.join(QUOTE_LABELS)}")
    return _Span(id_, start, end, tuple(labels), surface if isinstance(surface, str) else None)


def _sentences(text: str, given: Any) -> tuple[tuple[int, int], ...]:
    """The export's sentence spans, cut at line breaks (the trainers read one sentence a
    line); the text's lines when the export carried none (or none that fit the text)."""
    spans: list[tuple[int, int]] = []
    if isinstance(given, list):
        for pair in given:
            if (isinstance(pair, list) and len(pair) == 2 and _int(pair[0]) is not None
                    and _int(pair[1]) is not None and 0 <= pair[0] < pair[1] <= len(text)):
                spans.append((pair[0], pair[1]))
    if not spans:
        spans = [(0, len(text))]
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        pos = a
        for line in text[a:b].split("\n"):
            if line.strip():
                out.append((pos, pos + len(line)))
            pos += len(line) + 1
    return tuple(out)


def _attributions(spans: Sequence[_Span], relations: Iterable[tuple[str, str]],
                  where: str) -> tuple[GoldAttribution, ...]:
    """Attribution parts grouped by the relations between them (connected parts are one
    attribution; an unrelated Content or Cue is an attribution of its own)."""
    parts = [s for s in spans if any(x in QUOTE_LABELS for x in s.labels)]
    parent = {s.id: s.id for s in parts}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in relations:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[str, list[_Span]] = {}
    for s in parts:
        groups.setdefault(find(s.id), []).append(s)
    out: list[GoldAttribution] = []
    for n, members in enumerate(sorted(groups.values(), key=lambda g: min(s.start for s in g))):
        roles: dict[str, list[tuple[int, int]]] = {r: [] for r in QUOTE_LABELS}
        for s in members:
            for label in s.labels:
                if label in roles:
                    roles[label].append((s.start, s.end))
        if not roles["Content"] and not roles["Cue"]:
            s0, s1 = roles["Source"][0]
            raise _Skip(LOOSE_SOURCE, f"{where}: the Source [{s0}, {s1}) is tied to no Cue or "
                        "Content (draw a relation from its Cue)")
        out.append(GoldAttribution(f"A{n + 1}", tuple(sorted(set(roles["Content"]))),
                                   tuple(sorted(set(roles["Cue"]))),
                                   tuple(sorted(set(roles["Source"])))))
    return tuple(out)


def _article(id_: str, text: str, extra: Any, spans: Sequence[_Span],
             relations: Iterable[tuple[str, str]], where: str) -> CorrectedArticle:
    extra = extra if isinstance(extra, dict) else {}
    declared = extra.get("layers")
    layers = ({x for x in declared if x in LAYERS} if isinstance(declared, list)
              else set(LAYERS))
    techniques = tuple(sorted({(s.start, s.end, label) for s in spans for label in s.labels
                               if label not in QUOTE_LABELS}))
    attributions = _attributions(spans, relations, where)
    # A span a person drew counts even in a layer the export left out.
    layers |= {"techniques"} if techniques else set()
    layers |= {"quotes"} if attributions else set()
    return CorrectedArticle(id_, text, frozenset(layers), _sentences(text, extra.get("sentences")),
                            techniques, attributions)


def _label_studio(task: dict[str, Any], k: int, path: Path) -> CorrectedArticle:
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) \
            or not data["text"].strip():
        raise _Skip(NO_TEXT, f"task {k} has no data.text (tasks made by `unspin export "
                    "--format label-studio` carry it)")
    text: str = data["text"]
    id_ = str(data.get("article_id") or _text_id(text))
    where = f"task {k} ({id_})"
    annotations = task.get("annotations") or task.get("completions") or []
    if not isinstance(annotations, list):
        annotations = []
    live = [(i, a) for i, a in enumerate(annotations)
            if isinstance(a, dict) and not a.get("was_cancelled")]
    if not annotations:
        raise _Skip(UNREVIEWED, where)
    if not live:
        raise _Skip(REJECTED, f"{where}: every annotation was cancelled", id=id_)
    _, chosen = max(live, key=lambda ia: (bool(ia[1].get("ground_truth")),
                                         str(ia[1].get("updated_at") or ia[1].get("created_at")
                                             or ""), ia[0]))
    result = chosen.get("result") or []
    spans: list[_Span] = []
    relations: list[tuple[str, str]] = []
    if not isinstance(result, list):
        raise _Skip(MALFORMED, f"{where}: the annotation's result is not a list")
    for n, item in enumerate(result):
        if not isinstance(item, dict):
            raise _Skip(MALFORMED, f"{where}: result item {n} is not an object")
        if item.get("type") == "relation":
            relations.append((str(item.get("from_id")), str(item.get("to_id"))))
        elif item.get("type") == "labels":
            value = item.get("value")
            if not isinstance(value, dict):
                raise _Skip(MALFORMED, f"{where}: result item {n} has no value object")
            spans.append(_span(str(item.get("id", f"r{n}")), value, value.get("labels"), text,
                               where))
    return _article(id_, text, data.get("unspin"), spans, relations, where)


def _prodigy(task: dict[str, Any], k: int, path: Path) -> CorrectedArticle:
    text = task.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Skip(NO_TEXT, f"line {k} has no text (Prodigy JSONL, e.g. `prodigy db-out "
                    "DATASET`, carries it)")
    meta: dict[str, Any] = task["meta"] if isinstance(task.get("meta"), dict) else {}
    id_ = str(meta.get("article_id") or _text_id(text))
    where = f"line {k} ({id_})"
    answer = task.get("answer")
    if answer is None:
        raise _Skip(UNREVIEWED, where)
    if answer != "accept":
        raise _Skip(REJECTED, f"{where}: answered {answer!r}", id=id_)
    raw_spans = task.get("spans") or []
    spans = [_span(f"s{n}", s, s.get("label"), text, where)
             for n, s in enumerate(raw_spans if isinstance(raw_spans, list) else [])
             if isinstance(s, dict)]
    by_key: dict[tuple[Any, Any, Any], str] = {(s.start, s.end, label): s.id for s in spans for label in s.labels}
    relations: list[tuple[str, str]] = []
    raw_rel = task.get("relations") or []
    for rel in raw_rel if isinstance(raw_rel, list) else []:
        ends = [rel.get(k) for k in ("head_span", "child_span")] if isinstance(rel, dict) else []
        ids = [by_key.get((e.get("start"), e.get("end"), e.get("label")))
               for e in ends if isinstance(e, dict)]
        if len(ids) != 2 or None in ids:
            raise _Skip(BAD_OFFSETS, f"{where}: a relation joins a span the task does not hold")
        relations.append((str(ids[0]), str(ids[1])))
    return _article(id_, text, task.get("unspin"), spans, relations, where)


def _load(path: Path) -> tuple[list[Any], str, bytes]:
    """The file's tasks, its format (``label-studio`` or ``prodigy``) and its bytes."""
    try:
        data = path.read_bytes()
        raw = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorrectionsError(f"cannot read corrections from {path}: {exc}",
                               path=str(path)) from exc
    try:
        whole: Any = json.loads(raw)
        tasks = whole if isinstance(whole, list) else [whole]
    except ValueError:
        tasks = []
        for n, line in enumerate(raw.splitlines(), 1):
            if line.strip():
                try:
                    tasks.append(json.loads(line))
                except ValueError as exc:
                    raise CorrectionsError(f"line {n} of {path} is not JSON ({exc}); give a "
                                           "Label Studio JSON export or Prodigy JSONL",
                                           path=str(path), line=n) from exc
    odd = next((n for n, t in enumerate(tasks, 1) if not isinstance(t, dict)), None)
    if not tasks or odd is not None:
        where = f"task {odd} is not an object" if odd is not None else "no tasks"
        raise CorrectionsError(f"{path}: {where} (expected a Label Studio JSON export: a list "
                               "of tasks, or Prodigy JSONL: one task a line)", path=str(path))
    return tasks, "label-studio" if "data" in tasks[0] else "prodigy", data


def read_corrections(path: Path) -> Corrections:
    """Read one corrected export (format detected: Label Studio tasks have ``data``)."""
    tasks, fmt, data = _load(path)
    out = Corrections(path, fmt, hashlib.sha256(data).hexdigest(), len(tasks))
    parse: Callable[[dict[str, Any], int, Path], CorrectedArticle] = (
        _label_studio if fmt == "label-studio" else _prodigy)
    by_id: dict[str, CorrectedArticle] = {}
    for k, task in enumerate(tasks, 1):
        try:
            article = parse(task, k, path)
        except _Skip as skip:
            out.skip(skip.reason, skip.message)
            if skip.reason == REJECTED and skip.id in by_id:  # the later answer stands
                del by_id[skip.id]
                out.skip(SUPERSEDED, f"task {k} ({skip.id}) rejects an earlier answer")
            continue
        if article.id in by_id:
            out.skip(SUPERSEDED, f"task {k} ({article.id})")
        by_id[article.id] = article
    if out.skipped[NO_TEXT] == len(tasks):
        raise CorrectionsError(f"no task of {path} has an article text ({out.examples[NO_TEXT]});"
                               " give a Label Studio JSON export or Prodigy JSONL of tasks made "
                               "by `unspin export`", path=str(path))
    out.articles = list(by_id.values())
    return out


def load_corrections(paths: Sequence[Path], layer: str, log: Callable[[str], None]
                     ) -> tuple[list[CorrectedArticle], list[dict[str, Any]]]:
    """The corrected articles of ``layer`` (``techniques`` or ``quotes``) in ``paths`` and
    each file's provenance for ``meta.json``; a later file's article replaces an earlier
    one with the same id. A file with no usable article for ``layer`` is an error."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}")
    chosen: dict[str, CorrectedArticle] = {}
    provenance: list[dict[str, Any]] = []
    for path in paths:
        corr = read_corrections(path)
        log(f"corrections: {corr.summary()}")
        used = corr.of_layer(layer)
        if not used:
            raise CorrectionsError(f"no usable {layer} corrections in {corr.summary()}",
                                   path=str(path))
        chosen.update((a.id, a) for a in used)
        provenance.append(corr.provenance(layer))
    return list(chosen.values()), provenance


def ptc_articles(articles: Iterable[CorrectedArticle]) -> list[Article]:
    """Corrected articles as PTC articles (technique spans; ids prefixed ``corrections:``)."""
    return [Article(f"corrections:{a.id}", a.text,
                    tuple(GoldSpan(s, e, t) for s, e, t in a.techniques), a.sentences)
            for a in articles if "techniques" in a.layers]


def polnear_articles(articles: Iterable[CorrectedArticle]) -> list[GoldArticle]:
    """Corrected articles as PolNeAR articles (attributions; names prefixed ``corrections:``)."""
    return [GoldArticle(f"corrections:{a.id}", a.text, list(a.attributions))
            for a in articles if "quotes" in a.layers]
