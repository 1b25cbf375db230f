"""Shared by the narratives and roles trainers and evaluators: sentences and their embeddings.

Training documents are split into sentences by the same backbone the pipeline runs on
(spaCy's parser, so training sees the sentences the stage will see), and the sentences are
embedded by the pinned encoder. Both are cached under ``$UNSPIN_CACHE`` (default
``/tmp/unspin-cache``; this module writes under ``semeval/`` there), keyed by a hash of the text, so repeated k-fold runs are quick.
The cache only ever holds derived numbers (offsets, float32 arrays), never model code.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "DocSentences",
    "cache_dir",
    "embed_cached",
    "entities_cached",
    "lean_threads",
    "mention_embeddings_cached",
    "negative_texts",
    "split_sentences",
]

Array = npt.NDArray[np.float32]


@contextmanager
def lean_threads() -> Iterator[None]:
    """One BLAS / OpenMP thread for the fits inside (measured: on two cores shared with other
    jobs, multi-threaded BLAS made a 5-fold run of small logistic regressions several times
    slower than one thread)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def cache_dir() -> Path:
    path = Path(os.environ.get("UNSPIN_CACHE", "/tmp/unspin-cache")) / "semeval"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DocSentences:
    """A document's sentences as ``[start, end)`` character offsets (as the stages cut them)."""

    text: str
    spans: tuple[tuple[int, int], ...]

    @property
    def sentences(self) -> list[str]:
        return [self.text[a:b] for a, b in self.spans]


def split_sentences(texts: Sequence[str], nlp: Language | None = None) -> list[DocSentences]:
    """Sentences of each text by the backbone's parser (cached by text hash)."""
    path = cache_dir() / "sentences.json"
    cache: dict[str, list[list[int]]] = {}
    if path.is_file():
        cache = json.loads(path.read_text(encoding="utf-8"))
    todo = [t for t in dict.fromkeys(texts) if _key(t) not in cache]
    if todo:
        if nlp is None:
            from unspin.backbone import load_backbone

            nlp = load_backbone()
        for text, doc in zip(todo, nlp.pipe(todo, disable=["ner", "lemmatizer"], batch_size=16),
                             strict=True):
            cache[_key(text)] = [[s.start_char, s.end_char] for s in doc.sents]
        path.write_text(json.dumps(cache), encoding="utf-8")
    from unspin.pipeline.encoding import sentence_spans

    return [DocSentences(t, tuple(sentence_spans(t, [(a, b) for a, b in cache[_key(t)]])))
            for t in texts]


def entities_cached(texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
    """spaCy entities ``(start, end, label)`` of each text by the backbone (cached)."""
    path = cache_dir() / "entities.json"
    cache: dict[str, list[list[Any]]] = {}
    if path.is_file():
        cache = json.loads(path.read_text(encoding="utf-8"))
    todo = [t for t in dict.fromkeys(texts) if _key(t) not in cache]
    if todo:
        from unspin.backbone import load_backbone

        nlp = load_backbone()
        for text, doc in zip(todo, nlp.pipe(todo, disable=["lemmatizer"], batch_size=16),
                             strict=True):
            cache[_key(text)] = [[e.start_char, e.end_char, e.label_] for e in doc.ents]
        path.write_text(json.dumps(cache), encoding="utf-8")
    return [[(int(a), int(b), str(c)) for a, b, c in cache[_key(t)]] for t in texts]


def embed_cached(texts: Sequence[str], name: str = "embeddings") -> Array:
    """Encoder embeddings of ``texts`` (rows in order), computed once per distinct text.

    The encoder runs in float32 (training never depends on the CPU's bfloat16 support).
    Uses one torch thread (measured here: on two busy cores one thread embeds about three
    times faster than two) and sorts by length so batches carry little padding.
    """
    from unspin.encoder import embed

    path = cache_dir() / f"{name}-{_encoder_tag()}.npz"
    known: dict[str, Array] = {}
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            keys = [str(k) for k in z["keys"]]
            known = dict(zip(keys, z["vectors"], strict=True))
    todo = sorted({t for t in texts if _key(t) not in known}, key=len)
    if todo:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            for i in range(0, len(todo), 256):
                chunk = todo[i : i + 256]
                vecs = embed(list(chunk), batch_size=32, precision="fp32")
                for t, v in zip(chunk, vecs, strict=True):
                    known[_key(t)] = v
                np.savez(path, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
        finally:
            torch.set_num_threads(threads)
    if not texts:
        from unspin.encoder import spec

        return np.zeros((0, spec().dim), dtype=np.float32)
    return np.stack([known[_key(t)] for t in texts]).astype(np.float32)


def _encoder_tag() -> str:
    """A short tag of the encoder in use (base, or base plus which adapters), so caches of
    different encoders never mix."""
    from unspin.encoder import encoder_id

    return hashlib.sha1(encoder_id().encode("utf-8")).hexdigest()[:12]


def mention_embeddings_cached(docs: Sequence[DocSentences],
                              mentions: Sequence[tuple[int, int, int]]) -> Array:
    """Contextual embeddings of mentions ``(doc index, start, end)``: what the roles stage
    reads (:meth:`unspin.encoder.Encoding.mention`), computed by the same encoder pass over
    each document's sentences; cached per document and encoder."""
    from unspin.encoder import Encoding, TextStates, encode_document, spec

    sp = spec()
    dim = sp.dim

    folder = cache_dir() / f"mentions-{_encoder_tag()}"
    folder.mkdir(parents=True, exist_ok=True)
    wanted: dict[int, list[int]] = {}
    for k, (d, _, _) in enumerate(mentions):
        wanted.setdefault(d, []).append(k)
    out = np.zeros((len(mentions), dim), dtype=np.float32)
    for d, ks in wanted.items():
        doc = docs[d]
        h = hashlib.sha1(doc.text.encode("utf-8"))
        h.update(json.dumps(doc.spans).encode())
        path = folder / f"{h.hexdigest()}.npz"
        if not path.is_file():
            import torch

            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                fresh = encode_document(doc.text, doc.spans, precision="fp32")
            finally:
                torch.set_num_threads(threads)
            np.savez(path.with_suffix(".tmp.npz"),
                     offsets=np.concatenate([s.offsets for s in fresh.sentences] or
                                            [np.zeros((0, 2), np.int32)]).reshape(-1, 2),
                     last=np.concatenate([s.last for s in fresh.sentences] or
                                         [np.zeros((0, dim), np.float32)]).astype(np.float16),
                     counts=np.asarray([len(s.offsets) for s in fresh.sentences], np.int64))
            path.with_suffix(".tmp.npz").replace(path)
        # Always from the file (float16 states), so a first run and a cached one agree.
        with np.load(path, allow_pickle=False) as z:
            offs, last, counts = z["offsets"], z["last"].astype(np.float32), z["counts"]
        bounds = np.concatenate([[0], np.cumsum(counts)]).astype(int)
        enc = Encoding(doc.spans, tuple(
            TextStates(offs[a:b], np.zeros((b - a, 0), np.float32), last[a:b],
                       np.zeros(dim, np.float32)) for a, b in itertools.pairwise(bounds)),
            sp.key)
        for k in ks:
            _, a, b = mentions[k]
            out[k] = enc.mention(a, b)
    return out


_TOPIC_RE = re.compile(r"ukrain|kremlin|climate|global warming|greenhouse|carbon|emission",
                       re.IGNORECASE)


def negative_texts(data_root: Path, limit_chars: int = 2000) -> list[str]:
    """News articles on other topics, for the domain gate's "neither" class.

    From the other corpora in ``data_root`` (``../shared/data``): PolNeAR (US election 2016;
    every 8th train article), the PTC train articles (every 4th) and the article-extraction
    benchmark's bodies (all). Articles that mention Ukraine, the Kremlin or climate /
    emissions at all are left out, so the class is clean; each is cut to its first
    ``limit_chars`` characters (the gate reads an article's opening sentences only).
    """
    out: list[str] = []
    polnear = sorted((data_root / "polnear" / "data" / "train" / "text").glob("*.txt"))
    out += [p.read_text(encoding="utf-8", errors="replace") for p in polnear[::8]]
    ptc = sorted((data_root / "ptc" / "train-articles").glob("*.txt"))
    out += [p.read_text(encoding="utf-8", errors="replace") for p in ptc[::4]]
    truth = data_root / "article-extraction-benchmark" / "ground-truth.json"
    if truth.is_file():
        bodies = json.loads(truth.read_text(encoding="utf-8"))
        out += [str(v.get("articleBody") or "") for _, v in sorted(bodies.items())]
    return [t[:limit_chars] for t in out if t.strip() and not _TOPIC_RE.search(t)]
