"""Distillation for ``unspin train encoder --teacher base``: the teacher's token outputs,
on the student's word pieces, over PTC *fit* and unlabeled news.

The student (small, MiniLM-L6) is fine-tuned as :mod:`unspin.train.encoder` always does
(LoRA, token head, keep loss) with one more target: for each of its word pieces, the
*teacher's* token-head probabilities — "inside a technique span" and the 14 techniques —
as produced by the teacher's fine-tuned encoder and its token head
(``unspin/models/base/encoder``). The teacher speaks on every sentence: PTC *fit*
(beside the gold labels) and sentences of unlabeled news from the train splits in
``../shared/data`` (PolNeAR train, SemEval-2025 EN train, the extraction benchmark's
ground-truth bodies; :func:`unlabeled_texts`), so the student sees the teacher's
judgement on far more text than PTC alone holds.

The two encoders cut words differently (MiniLM's uncased WordPiece against mpnet's
cased SentencePiece-like vocabulary), so targets go through characters
(:func:`align`): each character takes the mean output of the teacher pieces covering it,
and each student piece the mean over its characters; a student piece that no teacher
piece covers gets no target (masked). The teacher's states come from
:func:`unspin.pipeline._techniques.features.feature_cache` (float32, cached on disk, the
same cache ``unspin train techniques --model base`` fills), so a second run, or a run
after the teacher's techniques training, costs no teacher pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from unspin.errors import ConfigError, InputError, ModelError

__all__ = ["UnlabeledText", "align", "teacher_probs", "unlabeled_sentences", "unlabeled_texts"]

F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True)
class UnlabeledText:
    """One document of unlabeled news: where it comes from, its id there, its text."""

    source: str
    id: str
    text: str


def _source_kind(folder: Path) -> str:
    if (folder / "ground-truth.json").is_file():
        return "extraction"
    try:
        from unspin.corpora.polnear import _split_dir

        if (_split_dir(folder, "train") / "text").is_dir():
            return "polnear"
    except InputError:  # not a PolNeAR folder; try the next kind
        pass
    try:
        from unspin.corpora.semeval import resolve_root

        if (resolve_root(folder) / "train" / "EN" / "raw-documents").is_dir():
            return "semeval"
    except InputError:  # not a SemEval folder either
        pass
    return "unknown"


def unlabeled_texts(folders: Sequence[Path]) -> list[UnlabeledText]:
    """The news texts of the train splits in ``folders``, in a fixed order: PolNeAR train
    articles, SemEval-2025 EN train documents, the extraction benchmark's ground-truth
    article bodies (only their text is read, never a label). A folder of another kind is a
    :class:`ConfigError` naming the three it can be."""
    out: list[UnlabeledText] = []
    for folder in folders:
        kind = _source_kind(folder)
        if kind == "polnear":
            from unspin.corpora.polnear import read_split

            out.extend(UnlabeledText("polnear", a.name, a.text) for a in read_split(folder, "train"))
        elif kind == "semeval":
            from unspin.corpora.semeval import read_narrative_docs

            out.extend(UnlabeledText("semeval", d.id, d.text) for d in read_narrative_docs(folder))
        elif kind == "extraction":
            truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
            for key in sorted(truth):
                body = truth[key].get("articleBody") if isinstance(truth[key], dict) else None
                if isinstance(body, str) and body.strip():
                    out.append(UnlabeledText("extraction", key, body))
        else:
            raise ConfigError(f"--unlabeled {folder}: not a PolNeAR, SemEval-2025 or extraction "
                              "benchmark folder (the train splits of ../shared/data)")
    return out


def unlabeled_sentences(texts: Sequence[UnlabeledText], *, limit: int, seed: int,
                        min_chars: int = 20) -> list[tuple[str, str]]:
    """Up to ``limit`` sentences ``(source, sentence)`` of ``texts``, cut by the backbone's
    parser as the stages cut them (:func:`unspin.train._corpus.split_sentences`, cached).
    Documents are drawn in a seeded order, taking turns between sources so each source
    gives a like share; sentences shorter than ``min_chars`` (datelines, bylines) are
    skipped."""
    from unspin.train._corpus import split_sentences

    by_source: dict[str, list[UnlabeledText]] = {}
    for t in texts:
        by_source.setdefault(t.source, []).append(t)
    rng = np.random.default_rng(seed)
    queues = {s: [docs[int(i)] for i in rng.permutation(len(docs))]
              for s, docs in sorted(by_source.items())}
    out: list[tuple[str, str]] = []
    pos = dict.fromkeys(queues, 0)
    # Split in rounds of a few documents per source, so only what is used is parsed.
    while len(out) < limit and any(pos[s] < len(q) for s, q in queues.items()):
        for source, queue in queues.items():
            take = queue[pos[source] : pos[source] + 8]
            pos[source] += len(take)
            for doc in split_sentences([d.text for d in take]):
                for s in doc.sentences:
                    if len(s.strip()) >= min_chars and len(out) < limit:
                        out.append((source, s))
    return out


def texts_sha256(texts: Sequence[UnlabeledText]) -> str:
    """A hash of the unlabeled documents (source, id, text), for ``meta.json``."""
    h = hashlib.sha256()
    for t in texts:
        for part in (t.source, t.id, t.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
    return h.hexdigest()


def teacher_probs(groups: Sequence[Sequence[str]], teacher: str,
                  progress: Callable[[int, int], None] | None = None
                  ) -> list[tuple[I32, F32]]:
    """For every text of ``groups`` (flattened, in order): the teacher's word pieces
    (``[start, end)`` into the text) and its token head's probabilities there, ``(n, 15)``:
    column 0 "inside a technique span", then the techniques in
    :data:`unspin.pipeline._techniques.model.LABELS` order. The teacher is ``teacher``'s
    fine-tuned encoder (float32) and the token head shipped with it; a teacher without
    one is a :class:`ModelError` naming the command that trains it."""
    from safetensors.numpy import load_file

    from unspin.encoder import adapter_info, spec, using
    from unspin.pipeline._techniques.features import feature_cache

    sp = spec(teacher)
    head_path = sp.adapter_dir / "token_head.safetensors"
    if adapter_info(model=sp.key) is None or not head_path.is_file():
        raise ModelError(f"the teacher {sp.key!r} has no fine-tuned encoder with a token head; "
                         f"train it first: unspin train encoder --model {sp.key}")
    head = load_file(str(head_path))
    weight = head["weight"].astype(np.float32).T
    bias = head["bias"].astype(np.float32)
    with using(sp.key):
        cache = feature_cache(groups, model=sp.key, progress=progress)
    out: list[tuple[I32, F32]] = []
    for i in range(len(cache)):
        offs, states = cache.get(i)
        logits = states.astype(np.float32) @ weight + bias
        out.append((offs.astype(np.int32), (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)))
    return out


def align(student: I32, teacher: I32, probs: F32, length: int) -> tuple[F32, npt.NDArray[np.bool_]]:
    """The teacher's ``probs`` (one row per ``teacher`` piece) carried to the ``student``'s
    pieces of the same text of ``length`` characters, through characters: each character
    takes the mean row of the teacher pieces covering it, each student piece the mean over
    its covered characters. Returns ``(targets, has)``: ``targets`` ``(len(student),
    width)``, ``has`` whether a piece got one (special tokens, offsets ``-1``, and pieces no
    teacher piece covers do not)."""
    width = probs.shape[1] if probs.ndim == 2 else 0
    if probs.shape[0] != len(teacher):
        raise ValueError("one row of probabilities per teacher piece")
    sums = np.zeros((length + 1, width), np.float32)
    count = np.zeros(length + 1, np.float32)
    for (a, b), row in zip(teacher, probs, strict=True):
        a, b = max(0, int(a)), min(length, int(b))
        if b > a:
            sums[a:b] += row
            count[a:b] += 1
    # Prefix sums: a student piece's mean is (sum over its characters) / (covered characters).
    char_mean = np.where(count[:, None] > 0, sums / np.maximum(count, 1)[:, None], 0.0)
    csum = np.concatenate([np.zeros((1, width), np.float64), np.cumsum(char_mean, 0)])
    ccount = np.concatenate([[0.0], np.cumsum(count > 0)])
    targets = np.zeros((len(student), width), np.float32)
    has = np.zeros(len(student), bool)
    for k, (a, b) in enumerate(student):
        if a < 0:
            continue
        a, b = max(0, int(a)), min(length, int(b))
        covered = ccount[b] - ccount[a]
        if b > a and covered > 0:
            targets[k] = (csum[b] - csum[a]) / covered
            has[k] = True
    return targets, has
