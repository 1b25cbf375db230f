"""The techniques model: a token tagger (where) and a span classifier (which technique).

Both heads read the shared encoder pass (:mod:`unspin.encoder`: the base fine-tuned with
LoRA adapters by ``unspin train encoder``; word-piece states of layers 4 and 5
concatenated) and run in numpy at inference:

* **tagger** — per word piece → probability that the piece lies inside some technique
  span: the fine-tuned encoder's own linear token head (:class:`LinearHead`) or an MLP on
  the piece's states plus the sentence's mean, whichever ``unspin train techniques`` found
  better on its tune part. Pieces above ``si_threshold`` form runs; a run, widened to
  whole words, is a span.
* **classifier** — per span: mean of its pieces' states, max of their last-layer states,
  the sentence's mean state, a few surface features (:func:`surface_features`: length,
  how often the span's text recurs in the document — the cue for *Repetition* —,
  punctuation, capitals) and, with the fine-tuned encoder, the mean and max of its token
  head's 14 technique probabilities over the span → a distribution over the 14 techniques.

A span gets its most probable technique, plus any other whose probability is at least
``multi_threshold`` (spans may carry several). Its score is the technique's probability
times the span's mean inside-probability.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from unspin.errors import ModelError
from unspin.pipeline._techniques.lexicon import LABEL_SCORE, label_spans

__all__ = [
    "LABELS",
    "FakeTechniquePredictor",
    "Found",
    "LinearHead",
    "MiniLMTechniquePredictor",
    "Mlp",
    "TechniquePredictor",
    "decode_runs",
    "load_tagger",
    "span_features",
    "surface_features",
    "tagger_features",
    "tagger_input",
]

#: The 14 PTC labels, in the classifier's output order.
LABELS: tuple[str, ...] = (
    "Appeal_to_Authority", "Appeal_to_fear-prejudice", "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy", "Causal_Oversimplification", "Doubt",
    "Exaggeration,Minimisation", "Flag-Waving", "Loaded_Language", "Name_Calling,Labeling",
    "Repetition", "Slogans", "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)
#: A piece's states are those of this many encoder layers, concatenated (both encoders,
#: see :attr:`unspin.encoder.EncoderSpec.token_layers`); the last block is the deepest.
N_TOKEN_LAYERS = 2


def layer_dim(width: int) -> int:
    """Width of one layer's state in a piece's concatenated states of ``width``."""
    return width // N_TOKEN_LAYERS


F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Found:
    """A technique found in one text: ``[start, end)`` characters into that text."""

    start: int
    end: int
    technique: str
    score: float


class TechniquePredictor(Protocol):
    """What the stage needs: techniques per text (the sentences of one document)."""

    def predict(self, texts: Sequence[str]) -> list[list[Found]]:
        """Techniques found in each text; offsets index that text. Repetition is judged
        across all the texts of the call, so pass one document's sentences together."""
        ...


# --------------------------------------------------------------------------- features

_WORD = re.compile(r"\w+")


def tagger_features(states: F32) -> F32:
    """Tagger input for one sentence's pieces: their states and the sentence's mean last layer."""
    dim = layer_dim(states.shape[1])
    if len(states) == 0:
        return np.zeros((0, states.shape[1] + dim), dtype=np.float32)
    mean = states[:, -dim:].mean(axis=0, keepdims=True)
    return np.concatenate([states, np.repeat(mean, len(states), axis=0)], axis=1)


N_SURFACE = 10


def surface_features(span: str, sentence_len: int, document: str, starts_sentence: bool,
                     ends_sentence: bool) -> list[float]:
    """Hand-made span features: length, recurrence in ``document``, punctuation, capitals."""
    norm = " ".join(span.lower().split())
    words = _WORD.findall(span)
    recur = document.lower().count(norm) if norm else 0
    letters = [c for c in span if c.isalpha()]
    return [
        float(np.log1p(len(span))),
        float(np.log1p(len(words))),
        float(np.log1p(max(0, recur - 1))),
        1.0 if recur > 1 else 0.0,
        len(span) / max(1, sentence_len),
        1.0 if starts_sentence and ends_sentence else 0.0,
        1.0 if "!" in span else 0.0,
        1.0 if "?" in span else 0.0,
        1.0 if any(q in span for q in "\"“”'‘’") else 0.0,
        sum(c.isupper() for c in letters) / max(1, len(letters)),
    ]


def span_features(states: F32, sentence_states: F32, surface: list[float],
                  span_head: LinearHead | None = None) -> F32:
    """Classifier input: mean of the span's piece states, max of their last layer, the mean
    last layer of the sentence(s) the span lies in, and the surface features; with
    ``span_head`` (the fine-tuned encoder's per-piece technique outputs), also the mean and
    max over the span's pieces of its 14 technique probabilities."""
    width = states.shape[1] if states.ndim == 2 and states.shape[0] else sentence_states.shape[1]
    dim = layer_dim(width)
    if len(states) == 0:
        mean, peak = np.zeros(width, np.float32), np.zeros(dim, np.float32)
    else:
        mean, peak = states.mean(axis=0), states[:, -dim:].max(axis=0)
    ctx = (sentence_states[:, -dim:].mean(axis=0) if len(sentence_states)
           else np.zeros(dim, np.float32))
    parts = [mean, peak, ctx, np.asarray(surface, np.float32)]
    if span_head is not None:
        n = span_head.w.shape[1]
        if len(states):
            p = _sigmoid(span_head.logits(states))
            parts += [p.mean(axis=0), p.max(axis=0)]
        else:
            parts += [np.zeros(n, np.float32), np.zeros(n, np.float32)]
    return np.concatenate(parts).astype(np.float32)


def decode_runs(offsets: npt.NDArray[np.int32], probs: F32, threshold: float, text: str
                ) -> list[tuple[int, int, float]]:
    """Runs of pieces whose probability is at least ``threshold``, as ``(start, end, mean
    probability)`` character spans widened to whole words; runs that touch are joined, and
    runs made only of stop words (or of no word at all) are dropped."""
    runs: list[tuple[int, int, float]] = []
    i, n = 0, len(probs)
    while i < n:
        if probs[i] < threshold:
            i += 1
            continue
        j = i
        while j + 1 < n and probs[j + 1] >= threshold:
            j += 1
        start, end = int(offsets[i, 0]), int(offsets[j, 1])
        while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
            end += 1
        score = float(probs[i : j + 1].mean())
        if runs and start <= runs[-1][1]:
            ps, _, pscore = runs[-1]
            runs[-1] = (ps, max(end, runs[-1][1]), max(pscore, score))
        else:
            runs.append((start, end, score))
        i = j + 1
    return [r for r in runs if not _only_stop_words(text[r[0] : r[1]])]


def _only_stop_words(span: str) -> bool:
    """Whether a span has no word outside spaCy's English stop list ("on", "we should").

    Such spans are never a technique on their own; dropping them raised SI F1 on the tune
    part from 0.376 to 0.385 at the same threshold (and removes ~16 % of the spans shown).
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    words = [w.lower() for w in _WORD.findall(span)]
    return all(w in STOP_WORDS for w in words)


# --------------------------------------------------------------------------- heads


class Mlp:
    """Standardise, one hidden ReLU layer, linear output (numpy; weights from training)."""

    def __init__(self, mean: F32, std: F32, w1: F32, b1: F32, w2: F32, b2: F32) -> None:
        self.mean, self.std, self.w1, self.b1, self.w2, self.b2 = mean, std, w1, b1, w2, b2

    def logits(self, x: F32) -> F32:
        h = (x - self.mean) / self.std
        h = np.maximum(h @ self.w1 + self.b1, 0.0)
        out: F32 = (h @ self.w2 + self.b2).astype(np.float32)
        return out

    def tensors(self, prefix: str) -> dict[str, F32]:
        return {f"{prefix}.{k}": np.ascontiguousarray(v, dtype=np.float32) for k, v in
                (("mean", self.mean), ("std", self.std), ("w1", self.w1), ("b1", self.b1),
                 ("w2", self.w2), ("b2", self.b2))}

    @classmethod
    def from_tensors(cls, t: dict[str, F32], prefix: str) -> Mlp:
        return cls(*(t[f"{prefix}.{k}"].astype(np.float32)
                     for k in ("mean", "std", "w1", "b1", "w2", "b2")))


class LinearHead:
    """A linear map (numpy): the fine-tuned encoder's own token head, ``x @ w + b``. Its
    ``inputs`` are the piece states themselves (no sentence mean, no standardising)."""

    def __init__(self, w: F32, b: F32) -> None:
        self.w, self.b = w, b

    def logits(self, x: F32) -> F32:
        out: F32 = (x @ self.w + self.b).astype(np.float32)
        return out

    def tensors(self, prefix: str) -> dict[str, F32]:
        return {f"{prefix}.w": np.ascontiguousarray(self.w, dtype=np.float32),
                f"{prefix}.b": np.ascontiguousarray(self.b, dtype=np.float32)}

    @classmethod
    def from_tensors(cls, t: dict[str, F32], prefix: str) -> LinearHead:
        return cls(t[f"{prefix}.w"].astype(np.float32), t[f"{prefix}.b"].astype(np.float32))


#: A tagger: the fine-tuned token head (``"linear"``) or an MLP on frozen states (``"mlp"``).
Tagger = Mlp | LinearHead


def tagger_input(tagger: Tagger, states: F32) -> F32:
    """What ``tagger`` reads for one sentence's pieces: the states (linear head) or
    :func:`tagger_features` (MLP)."""
    return states if isinstance(tagger, LinearHead) else tagger_features(states)


def load_tagger(tensors: dict[str, F32], prefix: str = "tagger") -> Tagger:
    """The tagger stored under ``prefix`` (its kind told by which tensors are there)."""
    if f"{prefix}.w1" in tensors:
        return Mlp.from_tensors(tensors, prefix)
    return LinearHead.from_tensors(tensors, prefix)


def _sigmoid(x: F32) -> F32:
    out: F32 = (1.0 / (1.0 + np.exp(-x))).astype(np.float32)
    return out


def softmax(x: F32) -> F32:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    out: F32 = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out


# --------------------------------------------------------------------------- predictors


class MiniLMTechniquePredictor:
    """The trained model (``unspin.techniques.minilm.v1``, a name kept from when MiniLM was
    the only encoder): the fine-tuned encoder (small or base) + the heads trained on it."""

    name = "unspin.techniques.minilm.v1"

    def __init__(self, tagger: Tagger, classifier: Mlp, *, si_threshold: float,
                 multi_threshold: float, batch_size: int = 32, precision: str | None = None,
                 span_head: LinearHead | None = None, model: str = "small") -> None:
        self.tagger, self.classifier, self.span_head = tagger, classifier, span_head
        self.si_threshold, self.multi_threshold = si_threshold, multi_threshold
        self.batch_size = batch_size
        self.precision = precision
        self.model = model

    @classmethod
    def load(cls, folder: Path | None = None, precision: str | None = None, *,
             model: str | None = None) -> MiniLMTechniquePredictor:
        """Load ``heads.safetensors`` and ``meta.json`` from ``folder`` (default: the heads
        shipped for ``model``'s encoder) and the encoder, at ``precision`` (see
        :func:`unspin.encoder.resolve_precision`)."""
        from unspin.encoder import load_encoder, model_of, require_artifact, require_encoder, spec

        if folder is None:
            folder = require_artifact("techniques", ("heads.safetensors", "meta.json"),
                                      model=spec(model).key, data="../shared/data/ptc")
        weights, meta_path = folder / "heads.safetensors", folder / "meta.json"
        if not weights.is_file() or not meta_path.is_file():
            raise ModelError(f"no techniques model at {folder}; rebuild it with "
                             f"`unspin train techniques --model {spec(model).key} --data "
                             "../shared/data/ptc`", path=str(folder))
        try:
            from safetensors.numpy import load_file
        except ImportError as exc:
            raise ModelError("safetensors is missing; pip install 'unspin[models]'") from exc

        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        # A folder given without a model is read on the encoder it was trained on.
        key = spec(model or model_of(meta.get("encoder", {}).get("encoder"))).key
        load_encoder(precision, model=key)  # fail now, not on the first document
        tensors = load_file(str(weights))
        require_encoder(meta.get("encoder", {}).get("encoder"), "techniques", folder, model=key)
        if tuple(meta["labels"]) != LABELS:
            raise ModelError(f"the techniques model at {folder} has other labels; retrain it")
        span_head = (LinearHead.from_tensors(tensors, "span_head") if "span_head.w" in tensors
                     else None)
        return cls(load_tagger(tensors), Mlp.from_tensors(tensors, "classifier"),
                   span_head=span_head,
                   si_threshold=float(meta["settings"]["si_threshold"]),
                   multi_threshold=float(meta["settings"]["multi_threshold"]),
                   precision=precision, model=key)

    def encode(self, texts: Sequence[str]) -> list[tuple[npt.NDArray[np.int32], F32]]:
        from unspin.pipeline._techniques.features import encode

        return encode(texts, batch_size=self.batch_size, precision=self.precision,
                      model=self.model)

    def inside_probs(self, states: F32) -> F32:
        """Each piece's probability of lying inside a technique span."""
        if len(states) == 0:
            return np.zeros(0, np.float32)
        return _sigmoid(self.tagger.logits(tagger_input(self.tagger, states))[:, 0])

    def classify(self, x: F32) -> F32:
        """Technique probabilities, shape ``(n, 14)``, from :func:`span_features` rows."""
        if len(x) == 0:
            return np.zeros((0, len(LABELS)), np.float32)
        return softmax(self.classifier.logits(x))

    def predict(self, texts: Sequence[str]) -> list[list[Found]]:
        return self.predict_encoded(texts, self.encode(texts))

    def predict_encoded(self, texts: Sequence[str],
                        encoded: Sequence[tuple[npt.NDArray[np.int32], F32]]) -> list[list[Found]]:
        """:meth:`predict` given the texts' encoder output (the eval reads it from a cache)."""
        from unspin.encoder import single_blas_thread

        with single_blas_thread():
            return self._predict_encoded(texts, encoded)

    def _predict_encoded(self, texts: Sequence[str],
                         encoded: Sequence[tuple[npt.NDArray[np.int32], F32]]) -> list[list[Found]]:
        document = "\n".join(texts)
        spans: list[tuple[int, int, int, float]] = []  # text, start, end, span score
        rows: list[F32] = []
        for t, ((offs, states), text) in enumerate(zip(encoded, texts, strict=True)):
            states = np.asarray(states, dtype=np.float32)
            for start, end, conf in decode_runs(offs, self.inside_probs(states),
                                                self.si_threshold, text):
                inside = (offs[:, 0] < end) & (offs[:, 1] > start)
                surface = surface_features(text[start:end], len(text.strip()), document,
                                           not text[:start].strip(), not text[end:].strip())
                rows.append(span_features(states[inside], states, surface, self.span_head))
                spans.append((t, start, end, conf))
        out: list[list[Found]] = [[] for _ in texts]
        if rows:
            probs = self.classify(np.stack(rows))
            for (t, start, end, conf), p in zip(spans, probs, strict=True):
                best = int(p.argmax())
                for k in np.argsort(-p):
                    if int(k) != best and p[k] < self.multi_threshold:
                        break
                    out[t].append(Found(start, end, LABELS[int(k)],
                                        round(float(p[k]) * conf, 4)))
        for t, text in enumerate(texts):
            for start, end in label_spans(text):
                if not any(f.start < end and start < f.end for f in out[t]):
                    out[t].append(Found(start, end, "Name_Calling,Labeling", LABEL_SCORE))
        return out


def document_span_rows(texts: Sequence[str], starts: Sequence[int],
                       encoded: Sequence[tuple[npt.NDArray[np.int32], F32]],
                       spans: Sequence[tuple[int, int]],
                       span_head: LinearHead | None = None) -> F32:
    """Classifier rows for spans given in document offsets (they may cross sentences).

    ``texts`` are the document's sentences, ``starts`` where each begins in the document,
    ``encoded`` their encoder output; a span's pieces are those of any sentence it overlaps.
    """
    document = "\n".join(texts)
    rows: list[F32] = []
    for start, end in spans:
        pieces: list[F32] = []
        ctx: list[F32] = []
        touched: list[int] = []
        for i, (text, s0) in enumerate(zip(texts, starts, strict=True)):
            if s0 < end and s0 + len(text) > start:
                offs, states = encoded[i]
                st = np.asarray(states, dtype=np.float32)
                inside = (offs[:, 0] + s0 < end) & (offs[:, 1] + s0 > start)
                pieces.append(st[inside])
                ctx.append(st)
                touched.append(i)
        width = ctx[0].shape[1] if ctx else _width(encoded)
        piece_arr = np.concatenate(pieces) if pieces else np.zeros((0, width), np.float32)
        ctx_arr = np.concatenate(ctx) if ctx else np.zeros((0, width), np.float32)
        if touched:
            first, last = texts[touched[0]], texts[touched[-1]]
            lead = starts[touched[0]] + len(first) - len(first.lstrip())
            tail = starts[touched[-1]] + len(last.rstrip())
            sent_len = sum(len(texts[i].strip()) for i in touched)
        else:
            lead, tail, sent_len = start, end, end - start
        surface = surface_features(_slice(texts, starts, start, end), sent_len, document, start <= lead, end >= tail)
        rows.append(span_features(piece_arr, ctx_arr, surface, span_head))
    if not rows:
        extra = 0 if span_head is None else 2 * span_head.w.shape[1]
        width = _width(encoded)
        return np.zeros((0, width + layer_dim(width) * 2 + N_SURFACE + extra), np.float32)
    return np.stack(rows)


def _width(encoded: Sequence[tuple[npt.NDArray[np.int32], F32]]) -> int:
    """The piece-state width of ``encoded`` (the default encoder's where there is none)."""
    if encoded:
        return int(np.asarray(encoded[0][1]).shape[1])
    from unspin.encoder import spec

    return spec().width


def _slice(texts: Sequence[str], starts: Sequence[int], start: int, end: int) -> str:
    """The document's characters ``[start, end)``, rebuilt from its sentences (gaps as spaces)."""
    chars: list[str] = []
    pos = start
    for text, s0 in zip(texts, starts, strict=True):
        a, b = max(start, s0), min(end, s0 + len(text))
        if b <= a:
            continue
        if a > pos:
            chars.append(" ")
        chars.append(text[a - s0 : b - s0])
        pos = b
    return "".join(chars)


class FakeTechniquePredictor:
    """A deterministic stand-in for tests: no weights, no encoder.

    Marks each whole-word, case-insensitive occurrence of a lexicon phrase with its
    technique(s) (score 0.9 each), and every text that ends with ``!`` as a *Slogans* span
    over the whole text without its surrounding spaces (score 0.5) — so spans overlap.
    """

    name = "unspin.techniques.fake.v1"

    DEFAULT_LEXICON: ClassVar[dict[str, tuple[str, ...]]] = {
        "disastrous": ("Loaded_Language",),
        "traitors": ("Name_Calling,Labeling", "Loaded_Language"),
        "everybody knows": ("Bandwagon,Reductio_ad_hitlerum",),
        "our great nation": ("Flag-Waving",),
    }

    def __init__(self, lexicon: dict[str, tuple[str, ...]] | None = None) -> None:
        self.lexicon = dict(self.DEFAULT_LEXICON if lexicon is None else lexicon)
        self.calls: list[list[str]] = []

    def predict(self, texts: Sequence[str]) -> list[list[Found]]:
        self.calls.append(list(texts))
        out: list[list[Found]] = []
        for text in texts:
            found: list[Found] = []
            low = text.lower()
            for phrase, techniques in self.lexicon.items():
                for m in re.finditer(rf"\b{re.escape(phrase.lower())}\b", low):
                    found.extend(Found(m.start(), m.end(), t, 0.9) for t in techniques)
            stripped = text.rstrip()
            if stripped.endswith("!"):
                start = len(text) - len(text.lstrip())
                found.append(Found(start, len(stripped), "Slogans", 0.5))
            out.append(sorted(found, key=lambda f: (f.start, f.end, f.technique)))
        return out
