"""Stage ``narratives``: the story an article tells, in the SemEval-2025 Task 10 taxonomy.

The model (``unspin.narratives.minilm.v1``, trained by ``unspin train narratives``) reads
the article as its sentences, each embedded by the shared encoder pass (``doc._.encoding``:
all-MiniLM-L6-v2 with the project's fine-tuned adapters; see :mod:`unspin.pipeline.encoding`).
The gate's decision is reported as ``narrative_domain`` (war / climate / neither):

1. **Domain gate.** A three-way logistic regression on the mean embedding of the opening
   sentences (:data:`GATE_SENTENCES`) says whether the article is about the Ukraine war
   (URW), climate change (CC) or neither (:data:`GATE_NONE`). Trained on the 200 English
   task articles plus news on other topics (PolNeAR, PTC, the extraction benchmark).
   *Neither* → no narratives at all (not "Other": the taxonomy does not apply).
2. **Features.** The mean of all sentence embeddings, plus, for every label of the domain,
   the best cosine similarity between a sentence and the label's wording (the taxonomy's
   text and a one-line description in our words, embedded once at training time and
   shipped with the model), all standardised.
3. **Labels.** Logistic regressions, one per label, on those features: "the article
   carries some narrative" (else the task's ``Other``), each narrative, each subnarrative
   (``<narrative>: Other`` included), each label's logit pulled by ``beta`` times its
   standardised similarity (see :meth:`DomainHead.probabilities`). Decoding is hierarchical: below the "some narrative"
   threshold nothing is reported; else the narratives above their threshold (at least the
   best) or with a subnarrative above ``lift`` (a sharply worded subnarrative can carry a
   narrative whose overall score is low), and under each the subnarratives above theirs
   (at least the best child).
   Thresholds were chosen by cross-validation on the training set (see the model's
   ``meta.json``).
4. **Evidence.** For each reported subnarrative, the sentences that push its score most:
   a sentence's share of the label's linear score (weights · sentence embedding) plus its
   similarity to the label's wording, both z-scored within the article; the top
   :data:`EVIDENCE_K` sentences, in text order.

``score`` is the subnarrative's probability times the probability that the article carries
a narrative at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from spacy.language import Language
from spacy.tokens import Doc

from unspin.errors import ModelError
from unspin.pipeline.encoding import document_encoding, document_sentences
from unspin.report.models import Evidence, Narrative, NarrativeDomain

__all__ = [
    "EVIDENCE_K",
    "GATE_SENTENCES",
    "MODEL_DIR",
    "MODEL_NAME",
    "DocNarratives",
    "FakeNarratives",
    "NarrativeDetector",
    "NarrativeGuess",
    "NarrativeModel",
    "NarrativePredictor",
    "TrainedNarratives",
    "find_narratives",
]

Array = npt.NDArray[np.float32]

MODEL_NAME = "unspin.narratives.minilm.v1"
MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "narratives"
#: The domain gate reads this many opening sentences (the training negatives are openings).
GATE_SENTENCES = 12
#: Evidence sentences per reported subnarrative.
EVIDENCE_K = 2
OTHER = "Other"
GATE_CLASSES: tuple[str, ...] = ("URW", "CC", "none")
#: The gate says "none" from this probability up (else the likelier of URW and CC).
#: Calibrated by 5-fold CV (``unspin eval narratives``): at 0.7, 0.93 of the task's articles
#: keep their domain and 0.96 of held-out off-topic articles are turned away; at 0.5 the
#: figures were 0.88 / 0.98, at 0.8 0.95 / 0.91.
GATE_NONE = 0.7


@dataclass(frozen=True)
class NarrativeGuess:
    """One subnarrative for one document; ``evidence`` holds sentence indices."""

    label: str
    narrative: str
    subnarrative: str | None
    score: float
    evidence: tuple[int, ...] = ()


@dataclass
class DocNarratives:
    """What the model says about one document."""

    domain: str  # "URW", "CC" or "none"
    domain_scores: dict[str, float] = field(default_factory=dict)
    p_narrative: float = 0.0  # probability that the article carries any narrative
    guesses: list[NarrativeGuess] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """Fine labels as the task writes them (``Other`` when there is none)."""
        return [g.label for g in self.guesses] or [OTHER]

    @property
    def narratives(self) -> list[str]:
        return list(dict.fromkeys(g.narrative for g in self.guesses)) or [OTHER]


class NarrativePredictor(Protocol):
    """The one-method interface: documents (each a list of sentences) in, narratives out."""

    def predict(self, texts: Sequence[Sequence[str]]) -> list[DocNarratives]: ...


# ----------------------------------------------------------------------------- model
def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
    return out


def _softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    e = np.exp(z - z.max())
    out: npt.NDArray[np.float64] = e / e.sum()
    return out


def _unit(v: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    v = np.asarray(v, dtype=np.float64)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def _z(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    sd = float(v.std())
    return (v - v.mean()) / sd if sd > 1e-9 else np.zeros_like(v)


def gate_features(emb: Array) -> npt.NDArray[np.float64]:
    """The gate's input: the unit mean of the opening sentences' embeddings."""
    if len(emb) == 0:
        return np.zeros(emb.shape[1] if emb.ndim == 2 else 384)
    return _unit(emb[:GATE_SENTENCES].mean(axis=0))


def doc_features(emb: Array, label_emb: Array) -> npt.NDArray[np.float64]:
    """Unstandardised features of one document for one domain: mean embedding, best sims."""
    if len(emb) == 0:
        return np.zeros(label_emb.shape[1] + len(label_emb))
    mean = _unit(emb.mean(axis=0))
    sims = (emb.astype(np.float64) @ label_emb.T.astype(np.float64)).max(axis=0)
    return np.concatenate([mean, sims])


@dataclass
class DomainHead:
    """The label classifiers of one domain (arrays as shipped in ``model.npz``)."""

    narratives: list[str]
    subnarratives: list[str]  # "<narrative>: Other" included
    label_emb: Array  # (len(narratives) + len(subnarratives), encoder width)
    mu: npt.NDArray[np.float64]
    sd: npt.NDArray[np.float64]
    w_has: npt.NDArray[np.float64]
    b_has: float
    w_nar: npt.NDArray[np.float64]  # (n_nar, F)
    b_nar: npt.NDArray[np.float64]
    w_sub: npt.NDArray[np.float64]  # (n_sub, F)
    b_sub: npt.NDArray[np.float64]

    @cached_property
    def children(self) -> list[list[int]]:
        """Per narrative, the indices of its subnarratives."""
        return [[j for j, s in enumerate(self.subnarratives) if s.rsplit(": ", 1)[0] == n]
                for n in self.narratives]

    def standardised(self, emb: Array) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = (doc_features(emb, self.label_emb) - self.mu) / self.sd
        return out

    def probabilities(self, emb: Array, beta: float = 0.0) -> tuple[
            float, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``(P(some narrative), P(each narrative), P(each subnarrative))``.

        ``beta`` adds each label's standardised best sentence similarity to its logit: a
        pull towards the label's wording that rare labels (a handful of training articles)
        cannot learn from their examples alone.
        """
        f = self.standardised(emb)
        n = len(self.narratives)
        sims = f[self.label_emb.shape[1]:]
        p_has = float(_sigmoid(np.array(f @ self.w_has + self.b_has)))
        return (p_has, _sigmoid(self.w_nar @ f + self.b_nar + beta * sims[:n]),
                _sigmoid(self.w_sub @ f + self.b_sub + beta * sims[n:]))


@dataclass
class Thresholds:
    """Decoding settings: the thresholds, the similarity pull ``beta`` and ``lift``.

    ``lift``: a narrative below its own threshold is still reported when one of its
    subnarratives reaches this probability (above 1: never).
    """

    has: float = 0.5
    narrative: float = 0.5
    subnarrative: float = 0.5
    beta: float = 0.0
    lift: float = 2.0


def gate_decision(scores: dict[str, float]) -> str:
    """``none`` when its probability reaches :data:`GATE_NONE`, else URW or CC."""
    if scores.get("none", 0.0) >= GATE_NONE:
        return "none"
    return "URW" if scores.get("URW", 0.0) >= scores.get("CC", 0.0) else "CC"


def decode(head: DomainHead, p_has: float, p_nar: npt.NDArray[np.float64],
           p_sub: npt.NDArray[np.float64], t: Thresholds) -> list[tuple[int, int, float]]:
    """``(narrative index, subnarrative index, score)`` to report, by the thresholds."""
    if p_has < t.has:
        return []
    out: list[tuple[int, int, float]] = []
    children = head.children
    chosen = [i for i, p in enumerate(p_nar)
              if p >= t.narrative or any(p_sub[j] >= t.lift for j in children[i])
              ] or [int(np.argmax(p_nar))]
    for i in sorted(chosen, key=lambda i: -p_nar[i]):
        kids = children[i]
        if not kids:
            continue
        picked = [j for j in kids if p_sub[j] >= t.subnarrative] or [
            max(kids, key=lambda j: p_sub[j])]
        out += [(i, j, float(p_sub[j] * p_has)) for j in sorted(picked, key=lambda j: -p_sub[j])]
    return out


@dataclass
class NarrativeModel:
    """Inference over precomputed sentence embeddings (pure numpy; see the module doc)."""

    gate_w: npt.NDArray[np.float64]  # (3, 384)
    gate_b: npt.NDArray[np.float64]  # (3,)
    heads: dict[str, DomainHead]
    thresholds: Thresholds = field(default_factory=Thresholds)
    meta: dict[str, Any] = field(default_factory=dict)

    # ---- inference
    def gate(self, emb: Array) -> dict[str, float]:
        """Probabilities of URW / CC / none for a document's sentence embeddings."""
        return self.gate_scores_from_features(gate_features(emb))

    def gate_scores_from_features(self, features: npt.NDArray[np.float64]) -> dict[str, float]:
        p = _softmax(self.gate_w @ features + self.gate_b)
        return {c: float(x) for c, x in zip(GATE_CLASSES, p, strict=True)}

    def predict_embedded(self, emb: Array, domain: str | None = None, *,
                         evidence: bool = True) -> DocNarratives:
        """Narratives of one document from its sentence embeddings.

        ``domain`` forces the domain (evaluation on task data, where it is known);
        ``None`` lets the gate decide. ``evidence=False`` skips the evidence (scoring).
        """
        scores = self.gate(emb)
        if domain is None:
            domain = gate_decision(scores)
        out = DocNarratives(domain=domain, domain_scores=scores)
        head = self.heads.get(domain)
        if head is None or len(emb) == 0:
            return out
        p_has, p_nar, p_sub = head.probabilities(emb, self.thresholds.beta)
        out.p_narrative = p_has
        for nar_i, sub_j, score in decode(head, p_has, p_nar, p_sub, self.thresholds):
            label = head.subnarratives[sub_j]
            sub = label.rsplit(": ", 1)[1]
            out.guesses.append(NarrativeGuess(
                label=label, narrative=head.narratives[nar_i],
                subnarrative=None if sub == OTHER else sub, score=score,
                evidence=self.evidence(emb, head, sub_j, nar_i) if evidence else (),
            ))
        return out

    def evidence(self, emb: Array, head: DomainHead, sub: int, nar: int) -> tuple[int, ...]:
        """Indices of the sentences that carry subnarrative ``sub`` (of narrative ``nar``)."""
        if len(emb) == 0:
            return ()
        e = emb.astype(np.float64)
        # share of the linear score: weights on the (standardised) mean embedding
        d = head.label_emb.shape[1]
        w = head.w_sub[sub, :d] / head.sd[:d] + head.w_nar[nar, :d] / head.sd[:d]
        own = head.label_emb[len(head.narratives) + sub].astype(np.float64)
        parent = head.label_emb[nar].astype(np.float64)
        rank = _z(e @ w) + _z(e @ own) + 0.5 * _z(e @ parent)
        k = min(EVIDENCE_K, len(emb))
        top = np.argsort(-rank, kind="stable")[:k]
        return tuple(sorted(int(i) for i in top))

    # ---- storage
    @classmethod
    def load(cls, path: Path = MODEL_DIR) -> NarrativeModel:
        npz, meta_path = path / "model.npz", path / "meta.json"
        if not npz.is_file() or not meta_path.is_file():
            raise ModelError(
                f"the narratives model is missing at {path}; build it with "
                "`unspin train narratives --data ../shared/data/semeval2025-t10`",
                path=str(path),
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(npz, allow_pickle=False) as z:
            arr = {k: z[k] for k in z.files}
        heads: dict[str, DomainHead] = {}
        for dom, labels in meta["labels"].items():
            heads[dom] = DomainHead(
                narratives=list(labels["narratives"]), subnarratives=list(labels["subnarratives"]),
                label_emb=arr[f"{dom}.label_emb"].astype(np.float32),
                mu=arr[f"{dom}.mu"], sd=arr[f"{dom}.sd"],
                w_has=arr[f"{dom}.w_has"], b_has=float(arr[f"{dom}.b_has"]),
                w_nar=arr[f"{dom}.w_nar"], b_nar=arr[f"{dom}.b_nar"],
                w_sub=arr[f"{dom}.w_sub"], b_sub=arr[f"{dom}.b_sub"],
            )
        th = meta["thresholds"]
        return cls(gate_w=arr["gate.w"], gate_b=arr["gate.b"], heads=heads,
                   thresholds=Thresholds(float(th["has"]), float(th["narrative"]),
                                         float(th["subnarrative"]), float(th.get("beta", 0.0)),
                                         float(th.get("lift", 2.0))),
                   meta=meta)

    def save(self, path: Path, meta: dict[str, Any]) -> None:
        path.mkdir(parents=True, exist_ok=True)
        arr: dict[str, npt.NDArray[Any]] = {"gate.w": self.gate_w.astype(np.float32),
                                            "gate.b": self.gate_b.astype(np.float32)}
        labels: dict[str, dict[str, list[str]]] = {}
        for dom, h in self.heads.items():
            labels[dom] = {"narratives": h.narratives, "subnarratives": h.subnarratives}
            arr.update({
                f"{dom}.label_emb": h.label_emb.astype(np.float32),
                f"{dom}.mu": h.mu.astype(np.float32), f"{dom}.sd": h.sd.astype(np.float32),
                f"{dom}.w_has": h.w_has.astype(np.float32),
                f"{dom}.b_has": np.array(h.b_has, dtype=np.float32),
                f"{dom}.w_nar": h.w_nar.astype(np.float32),
                f"{dom}.b_nar": h.b_nar.astype(np.float32),
                f"{dom}.w_sub": h.w_sub.astype(np.float32),
                f"{dom}.b_sub": h.b_sub.astype(np.float32),
            })
        np.savez_compressed(path / "model.npz", **arr)  # type: ignore[arg-type]
        full = dict(meta)
        full["labels"] = labels
        full["thresholds"] = {"has": self.thresholds.has, "narrative": self.thresholds.narrative,
                              "subnarrative": self.thresholds.subnarrative,
                              "beta": self.thresholds.beta, "lift": self.thresholds.lift}
        (path / "meta.json").write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")


class TrainedNarratives:
    """The shipped model behind the one-method interface. The stage hands it the document's
    sentence embeddings from the shared encoder pass (:meth:`predict_embedded`);
    :meth:`predict` encodes loose sentences itself, with the same encoder function."""

    def __init__(self, path: Path | None = None, *, model: str | None = None) -> None:
        from unspin.encoder import model_of, require_artifact, require_encoder, spec

        if path is None:
            path = require_artifact("narratives", ("model.npz", "meta.json"),
                                    model=spec(model).key, data="../shared/data/semeval2025-t10")
        self.model = NarrativeModel.load(path)
        #: The encoder it reads: ``model``, else the one it was trained on.
        self.encoder = spec(model or model_of(self.model.meta.get("encoder"))).key
        require_encoder(self.model.meta.get("encoder"), "narratives", path, model=self.encoder)
        from unspin.encoder import load_encoder

        load_encoder(model=self.encoder)  # fail now (a missing base model), not on a document

    def predict(self, texts: Sequence[Sequence[str]]) -> list[DocNarratives]:
        from unspin.encoder import embed

        return [self.predict_embedded(embed(list(s), model=self.encoder)) for s in texts]

    def predict_embedded(self, emb: Array) -> DocNarratives:
        return self.model.predict_embedded(emb)


class FakeNarratives:
    """A deterministic stand-in for unit tests: keywords instead of a model.

    A document with a sentence mentioning sanctions gets the sanctions-backfire
    subnarrative, one mentioning provocation or NATO expansion gets "The West are the
    aggressors" (the evidence is those sentences); a document mentioning neither the
    war nor the climate gets nothing.
    """

    RULES: tuple[tuple[str, str, str], ...] = (
        ("sanction", "URW: Negative Consequences for the West",
         "Sanctions imposed by Western countries will backfire"),
        ("provok", "URW: Blaming the war on others rather than the invader",
         "The West are the aggressors"),
        ("hoax", "CC: Criticism of climate movement", "Climate movement is alarmist"),
    )

    def predict(self, texts: Sequence[Sequence[str]]) -> list[DocNarratives]:
        out: list[DocNarratives] = []
        for sents in texts:
            low = [s.lower() for s in sents]
            joined = " ".join(low)
            domain = ("URW" if "ukrain" in joined or "russia" in joined
                      else "CC" if "climate" in joined else "none")
            doc = DocNarratives(domain=domain, domain_scores={domain: 1.0})
            if domain != "none":
                for word, nar, sub in self.RULES:
                    hits = tuple(i for i, s in enumerate(low) if word in s)
                    if hits and nar.startswith(domain):
                        doc.guesses.append(NarrativeGuess(
                            label=f"{nar}: {sub}", narrative=nar, subnarrative=sub,
                            score=0.9, evidence=hits[:EVIDENCE_K]))
                doc.p_narrative = 0.9 if doc.guesses else 0.1
            out.append(doc)
        return out


# ----------------------------------------------------------------------------- stage
#: The report's names for the gate's classes.
DOMAIN_NAMES: dict[str, str] = {"URW": "war", "CC": "climate", "none": "neither"}


def find_narratives(doc: Doc, predictor: NarrativePredictor
                    ) -> tuple[list[Narrative], NarrativeDomain | None]:
    """The narratives of ``doc`` with their evidence sentences (``[start, end)`` into the
    text), and the domain decision behind them (None for a document with no sentence)."""
    spans = document_sentences(doc)
    if not spans:
        return [], None
    if isinstance(predictor, TrainedNarratives):
        pred = predictor.predict_embedded(document_encoding(doc, predictor.encoder).embeddings)
    else:
        text = doc.text  # Doc.text joins every token: once, not once per sentence
        (pred,) = predictor.predict([[text[a:b] for a, b in spans]])
    out: list[Narrative] = []
    for g in pred.guesses:
        evidence = [Evidence(start=spans[i][0], end=spans[i][1]) for i in g.evidence
                    if i < len(spans)]
        out.append(Narrative(label=g.label, narrative=g.narrative, subnarrative=g.subnarrative,
                             score=round(min(max(g.score, 0.0), 1.0), 4), evidence=evidence))
    domain = NarrativeDomain(
        domain=DOMAIN_NAMES.get(pred.domain, "neither"),  # type: ignore[arg-type]
        scores={DOMAIN_NAMES.get(k, k): round(float(v), 4) for k, v in pred.domain_scores.items()},
        p_narrative=round(min(max(float(pred.p_narrative), 0.0), 1.0), 4))
    return out, domain


class NarrativeDetector:
    """spaCy component: sets ``doc._.narratives`` and ``doc._.narrative_domain``."""

    def __init__(self, nlp: Language, name: str, predictor: NarrativePredictor) -> None:
        self.name = name
        self.predictor = predictor

    def __call__(self, doc: Doc) -> Doc:
        doc._.narratives, doc._.narrative_domain = find_narratives(doc, self.predictor)
        return doc


def make_predictor(kind: str, encoder: str = "") -> NarrativePredictor:
    """``trained`` (the model shipped for ``encoder``, small or base; "" the default) or
    ``fake`` (:class:`FakeNarratives`)."""
    if kind == "fake":
        return FakeNarratives()
    if kind == "trained":
        return TrainedNarratives(model=encoder or None)
    raise ModelError(f"unknown narratives predictor {kind!r}; use 'trained' or 'fake'")


@Language.factory("unspin_narratives", requires=["doc.sents"], assigns=["doc._.narratives", "doc._.narrative_domain"],
                  default_config={"predictor": "trained", "encoder": ""})
def make_narrative_detector(nlp: Language, name: str, predictor: str,
                            encoder: str) -> NarrativeDetector:
    return NarrativeDetector(nlp, name, make_predictor(predictor, encoder))
