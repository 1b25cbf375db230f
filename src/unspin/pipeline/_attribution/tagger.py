"""The learned attribution tagger: source, cue and content spans over the shared encoder pass.

Trained by ``unspin train attribution`` on PolNeAR train (:mod:`unspin.train.attribution`);
the artifact is ``unspin/models/attribution`` (``tagger.safetensors`` + ``meta.json``).

What it reads, per word piece of the document's encoder pass (``doc._.encoding``, the same
pass the techniques, narratives and roles stages read): the piece's states at layers 4-5
and 6 (1,152 numbers) and a few facts from the parse of the word it lies in — coarse part of
speech, dependency label, the attribution lexicon's class of its lemma, whether it lies in
a quoted passage, whether it starts a word and a sentence (:func:`piece_features`).

The network: a linear projection of the states, joined with small embeddings of those
facts, then one bidirectional LSTM over the *whole document* (so content that runs over a
sentence boundary, or a source named a sentence before its cue, is one sequence), then a
linear layer to seven BIO labels (``O`` and ``B``/``I`` of source, cue, content). Decoding
is Viterbi under the BIO constraints (an ``I`` only after a ``B`` or ``I`` of its role),
and span edges that fall inside a word are moved to the word's edges.

Spans become attributions by :func:`group`: every cue is one attribution; each source and
content span goes to the nearest cue of its own sentence (a content span also to a cue of the
sentence before or after when its own has none); content without a cue is kept as an
attribution without cue or source. PolNeAR is univocal (a token is in at most one
attribution), so the tagger never nests; nesting comes from the rules (see
:mod:`unspin.pipeline._attribution.fuse`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from unspin.pipeline._attribution.lexicon import FINDING_VERBS, SPEECH_VERBS, THOUGHT_VERBS
from unspin.pipeline._attribution.marks import find_quoted

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from unspin.encoder import Encoding

__all__ = [
    "LABELS",
    "MODEL_DIR",
    "ROLES",
    "PieceFeatures",
    "TaggedAttribution",
    "Tagger",
    "decode",
    "group",
    "load_tagger",
    "piece_features",
    "tagger_available",
    "tagger_folder",
]

MODEL_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "attribution"

ROLES: tuple[str, ...] = ("source", "cue", "content")
#: BIO labels: 0 is O; ``1 + 2k`` is B and ``2 + 2k`` is I of ``ROLES[k]``.
LABELS: tuple[str, ...] = ("O", "B-source", "I-source", "B-cue", "I-cue", "B-content", "I-content")

_POS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X", "SPACE")
_DEP = ("ROOT", "acl", "acomp", "advcl", "advmod", "agent", "amod", "appos", "attr", "aux",
        "auxpass", "case", "cc", "ccomp", "compound", "conj", "csubj", "csubjpass", "dative",
        "dep", "det", "dobj", "expl", "intj", "mark", "meta", "neg", "nmod", "npadvmod",
        "nsubj", "nsubjpass", "nummod", "oprd", "parataxis", "pcomp", "pobj", "poss",
        "preconj", "predet", "prep", "prt", "punct", "quantmod", "relcl", "xcomp")
#: Lexicon classes of a lemma: none, saying, thought/intention, finding, "according".
_LEX = ("none", "speech", "thought", "finding", "according")
N_POS, N_DEP, N_LEX, N_FLAGS = len(_POS) + 1, len(_DEP) + 1, len(_LEX), 4
_POS_ID = {p: i + 1 for i, p in enumerate(_POS)}
_DEP_ID = {d: i + 1 for i, d in enumerate(_DEP)}

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class PieceFeatures:
    """A document's word pieces as the tagger reads them.

    ``offsets`` ``(n, 2)`` document characters; ``states`` ``(n, 1152)``; ``cats`` ``(n, 3)``
    (part of speech, dependency, lexicon class ids); ``flags`` ``(n, 4)`` (in a quoted
    passage, starts a word, starts a sentence, is a quotation mark); ``sent`` ``(n,)`` the
    index of the sentence (``Encoding.spans``) each piece lies in.
    """

    offsets: npt.NDArray[np.int32]
    states: F32
    cats: I64
    flags: F32
    sent: I64


def _lex(lemma: str, lower: str) -> int:
    if lower == "according":
        return 4
    if lemma in SPEECH_VERBS:
        return 1
    if lemma in THOUGHT_VERBS:
        return 2
    if lemma in FINDING_VERBS:
        return 3
    return 0


def piece_features(doc: Doc, encoding: Encoding) -> PieceFeatures:
    """:class:`PieceFeatures` of ``doc`` from its encoder pass (``doc._.encoding``)."""
    text = doc.text
    n_chars = len(text)
    tok_at = np.full(n_chars + 1, -1, dtype=np.int64)
    for t in doc:
        tok_at[t.idx : t.idx + len(t)] = t.i
    quoted = np.zeros(n_chars + 1, dtype=bool)
    for q in find_quoted(text)[0]:
        quoted[q.start : q.end] = True
    tok_cats = np.zeros((len(doc), 3), dtype=np.int64)
    sent_start = np.zeros(len(doc), dtype=bool)
    for t in doc:
        tok_cats[t.i] = (_POS_ID.get(t.pos_, 0), _DEP_ID.get(t.dep_, 0), _lex(t.lemma_.lower(), t.lower_))
        sent_start[t.i] = bool(t.is_sent_start)
    offs: list[npt.NDArray[np.int32]] = []
    states: list[F32] = []
    sents: list[I64] = []
    for k, ((a, _b), st) in enumerate(zip(encoding.spans, encoding.sentences, strict=True)):
        if not len(st.offsets):
            continue
        offs.append(st.offsets + a)
        states.append(np.concatenate([st.states, st.last], axis=1).astype(np.float32))
        sents.append(np.full(len(st.offsets), k, dtype=np.int64))
    if not offs:
        width = 1152
        return PieceFeatures(np.zeros((0, 2), np.int32), np.zeros((0, width), np.float32),
                             np.zeros((0, 3), np.int64), np.zeros((0, N_FLAGS), np.float32),
                             np.zeros(0, np.int64))
    offsets = np.concatenate(offs).astype(np.int32)
    starts = np.clip(offsets[:, 0], 0, n_chars)
    toks = tok_at[starts]
    cats = np.where(toks[:, None] >= 0, tok_cats[np.maximum(toks, 0)], 0)
    prev = np.concatenate([[-2], toks[:-1]])
    flags = np.stack([
        quoted[starts],
        toks != prev,
        (toks != prev) & (toks >= 0) & sent_start[np.maximum(toks, 0)],
        np.array([text[s] in "\"“”‘’'«»" if s < n_chars else False for s in starts]),
    ], axis=1).astype(np.float32)
    return PieceFeatures(offsets, np.concatenate(states), cats.astype(np.int64), flags,
                         np.concatenate(sents))


def labels_for(offsets: npt.NDArray[np.int32], spans: list[tuple[str, tuple[tuple[int, int], ...]]]) -> I64:
    """Gold BIO label ids of pieces at ``offsets`` for ``(role, fragments)`` spans (a piece
    keeps the first span that covers it; each fragment opens with a ``B``)."""
    n = len(offsets)
    y = np.zeros(n, dtype=np.int64)
    taken = np.zeros(n, dtype=bool)
    starts, ends = offsets[:, 0], offsets[:, 1]
    for role, frags in spans:
        k = ROLES.index(role)
        for a, b in frags:
            inside = np.nonzero((starts >= a) & (ends <= b) & (ends > starts) & ~taken)[0]
            if not inside.size:
                continue
            y[inside] = 2 + 2 * k
            y[inside[0]] = 1 + 2 * k
            taken[inside] = True
    return y


def _allowed() -> npt.NDArray[np.bool_]:
    ok = np.ones((len(LABELS), len(LABELS)), dtype=bool)  # [from, to]
    for k in range(len(ROLES)):
        inside = 2 + 2 * k
        ok[:, inside] = False
        ok[1 + 2 * k, inside] = True
        ok[inside, inside] = True
    return ok


_ALLOWED = _allowed()


def decode(logp: F32) -> I64:
    """The best label sequence under the BIO constraints (Viterbi over per-piece log-probs)."""
    n = len(logp)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    trans = np.where(_ALLOWED, 0.0, -1e9)
    start = np.where(np.isin(np.arange(len(LABELS)), [2, 4, 6]), -1e9, 0.0)
    score = logp[0] + start
    back = np.zeros((n, len(LABELS)), dtype=np.int64)
    for i in range(1, n):
        cand = score[:, None] + trans
        back[i] = cand.argmax(axis=0)
        score = cand.max(axis=0) + logp[i]
    out = np.zeros(n, dtype=np.int64)
    out[-1] = int(score.argmax())
    for i in range(n - 1, 0, -1):
        out[i - 1] = back[i, out[i]]
    return out


@dataclass(frozen=True)
class Chunk:
    role: str
    start: int
    end: int
    sent: int
    score: float


@dataclass(frozen=True)
class TaggedAttribution:
    """One attribution from the tagger: fragments per role (document characters), each
    fragment list in text order (empty when absent), and the mean label probability."""

    content: tuple[tuple[int, int], ...]
    cue: tuple[tuple[int, int], ...]
    source: tuple[tuple[int, int], ...]
    score: float


def _snap(text: str, a: int, b: int) -> tuple[int, int]:
    """Move edges that fall between two letters/digits out to the word's edges; trim space."""
    while 0 < a < len(text) and text[a - 1].isalnum() and text[a].isalnum():
        a -= 1
    while 0 < b < len(text) and text[b - 1].isalnum() and text[b].isalnum():
        b += 1
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def chunks(text: str, feats: PieceFeatures, tags: I64, probs: F32) -> list[Chunk]:
    """Labelled runs of pieces as character spans (see :func:`_snap`)."""
    out: list[Chunk] = []
    i, n = 0, len(tags)
    while i < n:
        t = int(tags[i])
        if t == 0:
            i += 1
            continue
        k = (t - 1) // 2
        j = i + 1
        while j < n and int(tags[j]) == 2 + 2 * k:
            j += 1
        a, b = _snap(text, int(feats.offsets[i, 0]), int(feats.offsets[j - 1, 1]))
        if b > a:
            score = float(probs[np.arange(i, j), tags[i:j]].mean())
            out.append(Chunk(ROLES[k], a, b, int(feats.sent[i]), score))
        i = j
    return out


def group(found: list[Chunk]) -> list[TaggedAttribution]:
    """Chunks into attributions (see the module doc)."""
    cues = [c for c in found if c.role == "cue"]
    sources: dict[int, list[Chunk]] = {i: [] for i in range(len(cues))}
    contents: dict[int, list[Chunk]] = {i: [] for i in range(len(cues))}
    orphans: list[Chunk] = []

    def gap(c: Chunk, cue: Chunk) -> int:
        return max(cue.start - c.end, c.start - cue.end, 0)

    by_sent: dict[int, list[int]] = {}  # the cues of each sentence (was a scan per chunk)
    for k, q in enumerate(cues):
        by_sent.setdefault(q.sent, []).append(k)

    def nearest(c: Chunk, sents: tuple[int, ...]) -> int | None:
        for s in sents:
            near = by_sent.get(s, [])
            if near:
                return min(near, key=lambda i: gap(c, cues[i]))
        return None

    for c in found:
        if c.role == "source":
            i = nearest(c, (c.sent,))
            if i is not None:
                sources[i].append(c)
        elif c.role == "content":
            i = nearest(c, (c.sent, c.sent - 1, c.sent + 1))
            if i is None:
                orphans.append(c)
            else:
                contents[i].append(c)
    out: list[TaggedAttribution] = []
    for i, cue in enumerate(cues):
        if not contents[i]:
            continue
        src = min(sources[i], key=lambda c: gap(c, cue)) if sources[i] else None
        parts = [cue, *contents[i], *([src] if src else [])]
        out.append(TaggedAttribution(
            content=tuple(sorted((c.start, c.end) for c in contents[i])),
            cue=((cue.start, cue.end),),
            source=((src.start, src.end),) if src else (),
            score=float(np.mean([p.score for p in parts])),
        ))
    for c in orphans:
        out.append(TaggedAttribution(((c.start, c.end),), (), (), c.score))
    out.sort(key=lambda a: (a.content[0] if a.content else a.cue[0]))
    return out


# --- the network (torch) -------------------------------------------------------------

@dataclass(frozen=True)
class NetShape:
    states: int = 1152
    proj: int = 256
    hidden: int = 128
    pos_dim: int = 16
    dep_dim: int = 16
    lex_dim: int = 8


def build_net(shape: NetShape, dropout: float = 0.0) -> Any:
    """The tagger network (see the module doc), in torch."""
    import torch
    from torch import nn

    class TaggerNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.proj = nn.Linear(shape.states, shape.proj)
            self.pos = nn.Embedding(N_POS, shape.pos_dim)
            self.dep = nn.Embedding(N_DEP, shape.dep_dim)
            self.lex = nn.Embedding(N_LEX, shape.lex_dim)
            width = shape.proj + shape.pos_dim + shape.dep_dim + shape.lex_dim + N_FLAGS
            self.drop = nn.Dropout(dropout)
            self.lstm = nn.LSTM(width, shape.hidden, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * shape.hidden, len(LABELS))

        def forward(self, states: Any, cats: Any, flags: Any, lengths: Any) -> Any:
            x = torch.cat([torch.relu(self.proj(states)), self.pos(cats[..., 0]),
                           self.dep(cats[..., 1]), self.lex(cats[..., 2]), flags], dim=-1)
            x = self.drop(x)
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                       enforce_sorted=False)
            h, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
            return self.out(self.drop(h))

    return TaggerNet()


class Tagger:
    """The trained tagger: :meth:`tag` a Doc whose encoder pass is on it."""

    def __init__(self, folder: Path = MODEL_DIR) -> None:
        from safetensors.torch import load_file

        from unspin.encoder import model_of, require_encoder
        from unspin.errors import ModelError

        try:
            self.meta: dict[str, Any] = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"could not read the attribution tagger's meta.json in {folder}: {exc}; "
                             "retrain it: unspin train attribution --data ../shared/data/polnear",
                             path=str(folder)) from exc
        #: The encoder it reads (small or base): the one it was trained on.
        self.model = model_of(self.meta.get("encoder")) or "small"
        require_encoder(self.meta.get("encoder"), "attribution", folder, model=self.model)
        try:
            tensors = load_file(str(folder / "tagger.safetensors"))
            self.net = build_net(NetShape(**self.meta["shape"]))
            self.net.load_state_dict({k: v.float() for k, v in tensors.items()})
        except Exception as exc:  # a truncated or foreign file, or weights of another shape
            raise ModelError(f"could not read the attribution tagger in {folder}: {exc}; "
                             "retrain it: unspin train attribution --data ../shared/data/polnear",
                             path=str(folder)) from exc
        self.net.eval()

    def probabilities(self, feats: PieceFeatures) -> F32:
        """Per-piece label probabilities ``(n, 7)``."""
        import torch

        if not len(feats.offsets):
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        with torch.inference_mode():
            logits = self.net(torch.from_numpy(feats.states)[None], torch.from_numpy(feats.cats)[None],
                              torch.from_numpy(feats.flags)[None], torch.tensor([len(feats.offsets)]))
            probs: F32 = torch.softmax(logits[0].float(), dim=-1).numpy().astype(np.float32)
        return probs

    def tag(self, doc: Doc) -> list[TaggedAttribution]:
        """Attributions the tagger finds in ``doc`` (computing its encoder pass if needed)."""
        from unspin.pipeline.encoding import document_encoding

        feats = piece_features(doc, document_encoding(doc, self.model))
        probs = self.probabilities(feats)
        tags = decode(np.log(probs + 1e-9))
        return group(chunks(doc.text, feats, tags, probs))


def tagger_folder(model: str | None = None) -> Path:
    """Where the tagger trained on ``model``'s encoder lives (small: :data:`MODEL_DIR`)."""
    from unspin.encoder import spec

    return spec(model).artifact("attribution")


def tagger_available(folder: Path | None = None, *, model: str | None = None) -> bool:
    folder = folder if folder is not None else tagger_folder(model)
    return (folder / "tagger.safetensors").is_file() and (folder / "meta.json").is_file()


_loaded: dict[str, Tagger] = {}


def load_tagger(folder: Path | None = None, *, model: str | None = None) -> Tagger:
    """The tagger in ``folder`` (default: the one trained on ``model``'s encoder), loaded
    once per process."""
    folder = folder if folder is not None else tagger_folder(model)
    key = str(folder)
    if key not in _loaded:
        _loaded[key] = Tagger(folder)
    return _loaded[key]
