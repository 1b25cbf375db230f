"""Stage ``roles``: who plays which part — protagonist, antagonist or innocent, and how.

The SemEval-2025 Task 10 (subtask 1) scheme: a main role (Protagonist / Antagonist /
Innocent) and one or more of 22 fine roles under it (Guardian, Peacemaker, Instigator,
Victim, …). The model (``unspin.roles.minilm.v1``, trained by ``unspin train roles``):

1. **Domain gate.** The same three-way gate as the narratives model (a copy ships with
   this model): an article on neither the Ukraine war nor climate change gets no roles.
2. **Candidates.** Entities: the actors' named mentions when the ``actors`` layer exists
   (people, organisations, groups, places; pronouns and outlets left out), else spaCy's
   PERSON / ORG / GPE / NORP / LOC entities grouped by their text.
3. **Centrality.** A logistic regression on a few counts (how often the entity is named,
   where it first appears, whether it is in the headline, its type, how many sentences
   name it) trained to tell the entities the task's annotators picked from the others;
   entities above :data:`CENTRAL_THRESHOLD` (at most :data:`MAX_ROLES`) are reported, at
   their first named mention.
4. **Role.** A multinomial logistic regression over the 22 fine roles on standardised
   features of the mention: the embedding of its sentence, the mean embedding of every
   sentence that names the entity, the mention's own embedding in context (its pieces'
   last-layer states from the shared encoder pass), the article's mean
   embedding, and the similarity of those sentences to a short description of each fine
   role (:data:`FINE_ROLE_TEXT`, our words). Main role = the one whose fine roles hold
   the most probability (measured: 0.655 main-role accuracy against 0.638 for a separate
   three-way classifier, 5-fold CV); fine role = the most probable under it, plus any
   other under it above :data:`SECOND_FINE` (of the main role's share).

``score`` = the centrality probability times the main role's probability. ``actor`` is the
id of the ``actors[]`` entry the mention belongs to, or null without that layer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt
from spacy.language import Language
from spacy.tokens import Doc

from unspin.errors import ModelError
from unspin.pipeline.encoding import document_encoding, document_sentences
from unspin.pipeline.narratives import (
    GATE_CLASSES,
    _sigmoid,
    _softmax,
    _unit,
    gate_decision,
    gate_features,
)
from unspin.report import Actor, Role

if TYPE_CHECKING:
    from unspin.encoder import Encoding

__all__ = [
    "CENTRAL_THRESHOLD",
    "FINE_ROLE_TEXT",
    "MAIN_ROLES",
    "MAX_ROLES",
    "MODEL_DIR",
    "MODEL_NAME",
    "Candidate",
    "FakeRoles",
    "RoleGuess",
    "RoleInput",
    "RoleLabeller",
    "RoleModel",
    "RolePredictor",
    "TrainedRoles",
    "candidate_embedding",
    "candidates",
    "central_features",
    "find_roles",
    "mention_features",
]

Array = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

MODEL_NAME = "unspin.roles.minilm.v1"
MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "roles"
MAIN_ROLES: tuple[str, ...] = ("Protagonist", "Antagonist", "Innocent")
#: Entities whose centrality probability reaches this are reported (see meta.json for how
#: it was chosen: the F1-best threshold on held-out folds).
CENTRAL_THRESHOLD = 0.5
#: At most this many roles an article (8 until issue 21: at any threshold it let only 0.61
#: of the annotated mentions get a role; 12 with the candidate embeddings lets 0.80 through,
#: BENCHMARKS.md).
MAX_ROLES = 12
#: The count and position features of :func:`central_features` (before the embedding).
N_COUNT_FEATURES = 10
#: A second fine role under the same main role is kept from this probability up.
SECOND_FINE = 0.5

#: The 22 fine roles, each with its main role and a one-line description in our words
#: (embedded to give the model the roles' meaning, not only their examples).
FINE_ROLE_TEXT: dict[str, tuple[str, str]] = {
    "Guardian": ("Protagonist", "protects and defends others, standing guard against a threat"),
    "Martyr": ("Protagonist", "sacrifices themselves or suffers for a cause they believe in"),
    "Peacemaker": ("Protagonist", "works to end the conflict through talks, mediation and peace"),
    "Rebel": ("Protagonist", "defies an unjust power and fights against oppression"),
    "Underdog": ("Protagonist", "the weaker side that fights on against a far stronger opponent"),
    "Virtuous": ("Protagonist", "acts with integrity, honesty and moral goodness"),
    "Instigator": ("Antagonist", "starts the conflict, provokes and escalates the hostilities"),
    "Conspirator": ("Antagonist", "secretly plots and schemes behind the scenes with hidden aims"),
    "Tyrant": ("Antagonist", "rules by force and oppression, an authoritarian dictator"),
    "Foreign Adversary": ("Antagonist", "a hostile foreign power threatening the nation"),
    "Traitor": ("Antagonist", "betrays their own country, allies or people"),
    "Spy": ("Antagonist", "gathers secret information, espionage and surveillance"),
    "Saboteur": ("Antagonist", "deliberately undermines, obstructs or damages efforts"),
    "Corrupt": ("Antagonist", "abuses power for money and personal gain, bribery and fraud"),
    "Incompetent": ("Antagonist", "fails through inability, blunders and bad decisions"),
    "Terrorist": ("Antagonist", "uses violence and terror attacks against civilians"),
    "Deceiver": ("Antagonist", "lies, spreads propaganda and misleads the public"),
    "Bigot": ("Antagonist", "shows hatred and prejudice against a group of people"),
    "Forgotten": ("Innocent", "ignored and neglected, left without help or attention"),
    "Exploited": ("Innocent", "used and taken advantage of by others for their gain"),
    "Victim": ("Innocent", "suffers harm, attacks, losses or injustice"),
    "Scapegoat": ("Innocent", "unfairly blamed for problems caused by others"),
}
FINE_ROLES: tuple[str, ...] = tuple(FINE_ROLE_TEXT)

_ENT_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC"})
_TYPES: tuple[str, ...] = ("person", "organisation", "place", "group")
_ENT_TYPE = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place",
             "NORP": "group"}


@dataclass(frozen=True)
class Candidate:
    """An entity of one document: its mentions as ``[start, end)`` characters."""

    key: str  # an actor id, or the entity's text
    type: str  # person / organisation / place / group
    mentions: tuple[tuple[int, int], ...]
    actor: str | None = None


@dataclass(frozen=True)
class RoleInput:
    """One document for the role model: its sentences (spans) and its candidate entities."""

    text: str
    sentences: tuple[tuple[int, int], ...]
    candidates: tuple[Candidate, ...]
    #: The document's shared encoder pass, when the stage has it (spans = ``sentences``).
    encoding: Encoding | None = None


@dataclass(frozen=True)
class RoleGuess:
    candidate: int  # index into RoleInput.candidates
    start: int
    end: int
    main_role: str
    fine_roles: tuple[str, ...]
    score: float
    central: float = 1.0


class RolePredictor(Protocol):
    """The one-method interface: documents with candidate entities in, roles out."""

    def predict(self, texts: Sequence[RoleInput]) -> list[list[RoleGuess]]: ...


# ----------------------------------------------------------------------------- features
def _sentence_of(sentences: Sequence[tuple[int, int]], start: int) -> int:
    for i, (a, b) in enumerate(sentences):
        if a <= start < b:
            return i
    best = 0
    for i, (a, _) in enumerate(sentences):
        if a <= start:
            best = i
    return best


def central_features(text: str, sentences: Sequence[tuple[int, int]], cand: Candidate,
                     all_counts: int, cand_emb: Array | None = None) -> F64:
    """Centrality features of one candidate (unstandardised): counts and positions, and,
    when given, ``cand_emb`` — the candidate's embedding in context
    (:func:`candidate_embedding`), which tells the model *who* the entity is (a warring
    state, a minister, a bystander), not only how often it is named."""
    n = max(len(sentences), 1)
    sent_ids = {_sentence_of(sentences, s) for s, _ in cand.mentions}
    first = min(s for s, _ in cand.mentions) / max(len(text), 1)
    in_title = float(0 in sent_ids)
    count = len(cand.mentions)
    types = [float(cand.type == t) for t in _TYPES]
    counts = np.array([np.log1p(count), count / max(all_counts, 1), first, in_title,
                       len(sent_ids) / n, np.log1p(len(sentences)), *types], dtype=np.float64)
    if cand_emb is None:
        return counts
    return np.concatenate([counts, cand_emb.astype(np.float64)])


#: How many of a candidate's first mentions its centrality embedding averages.
CAND_MENTIONS = 3


def candidate_embedding(mention_embs: Array) -> Array:
    """The unit mean of the in-context embeddings of a candidate's first
    :data:`CAND_MENTIONS` mentions (rows of ``mention_embs``, in text order)."""
    v = mention_embs[:CAND_MENTIONS].astype(np.float64).mean(axis=0)
    out: Array = _unit(v).astype(np.float32)
    return out


def mention_features(emb: Array, sentences: Sequence[tuple[int, int]], cand_mentions:
                     Sequence[tuple[int, int]], at: tuple[int, int], name_emb: Array,
                     role_emb: Array) -> F64:
    """Role features of the mention ``at`` of an entity (unstandardised)."""
    i = _sentence_of(sentences, at[0])
    sent = emb[i].astype(np.float64)
    ids = sorted({_sentence_of(sentences, s) for s, _ in cand_mentions} | {i})
    ctx = _unit(emb[ids].mean(axis=0))
    doc = _unit(emb.mean(axis=0))
    sims = role_emb.astype(np.float64) @ ctx
    return np.concatenate([sent, ctx, name_emb.astype(np.float64), doc, sims])


# ----------------------------------------------------------------------------- model
@dataclass
class RoleModel:
    """Pure-numpy inference (arrays as shipped in ``model.npz``)."""

    gate_w: F64
    gate_b: F64
    role_emb: Array  # (22, 384) embeddings of FINE_ROLE_TEXT descriptions
    mu: F64
    sd: F64
    w_fine: F64  # (22, F)
    b_fine: F64
    c_mu: F64
    c_sd: F64
    c_w: F64
    c_b: float
    central_threshold: float = CENTRAL_THRESHOLD
    meta: dict[str, Any] = field(default_factory=dict)

    def domain(self, emb: Array) -> str:
        p = _softmax(self.gate_w @ gate_features(emb) + self.gate_b)
        return gate_decision({c: float(x) for c, x in zip(GATE_CLASSES, p, strict=True)})

    def centrality(self, feats: F64) -> float:
        return float(_sigmoid(np.array((feats - self.c_mu) / self.c_sd @ self.c_w + self.c_b)))

    def classify(self, feats: F64) -> tuple[str, tuple[str, ...], float, F64]:
        """``(main role, fine roles, main-role probability, main probabilities)``."""
        f = (feats - self.mu) / self.sd
        p_fine = _softmax(self.w_fine @ f + self.b_fine)
        p_main = np.array([sum(float(p_fine[j]) for j, r in enumerate(FINE_ROLES)
                               if FINE_ROLE_TEXT[r][0] == m) for m in MAIN_ROLES])
        main = MAIN_ROLES[int(np.argmax(p_main))]
        kids = [j for j, r in enumerate(FINE_ROLES) if FINE_ROLE_TEXT[r][0] == main]
        kp = p_fine[kids] / max(float(p_fine[kids].sum()), 1e-12)
        order = np.argsort(-kp, kind="stable")
        fine = [FINE_ROLES[kids[int(order[0])]]]
        fine += [FINE_ROLES[kids[int(j)]] for j in order[1:] if kp[j] >= SECOND_FINE]
        return main, tuple(fine), float(p_main.max()), p_main

    @property
    def reads_candidate_embeddings(self) -> bool:
        """Whether centrality reads :func:`candidate_embedding` (models trained since
        issue 21) or the counts alone (the 10 count features)."""
        return len(self.c_mu) > N_COUNT_FEATURES

    def predict_embedded(self, item: RoleInput, emb: Array, name_embs: Array,
                         *, gate: bool = True, cand_embs: Array | None = None) -> list[RoleGuess]:
        """Roles of one document's central candidates (``name_embs``: one row per candidate,
        its first mention's embedding; ``cand_embs``: one row per candidate, its
        :func:`candidate_embedding`, needed when :attr:`reads_candidate_embeddings`)."""
        if not item.candidates or len(emb) == 0:
            return []
        if gate and self.domain(emb) == "none":
            return []
        if self.reads_candidate_embeddings and cand_embs is None:
            raise ModelError("this roles model reads candidate embeddings; pass cand_embs")
        total = sum(len(c.mentions) for c in item.candidates)
        scored: list[tuple[float, int]] = []
        for k, cand in enumerate(item.candidates):
            ce = cand_embs[k] if cand_embs is not None and self.reads_candidate_embeddings else None
            p = self.centrality(central_features(item.text, item.sentences, cand, total, ce))
            if p >= self.central_threshold:
                scored.append((p, k))
        scored.sort(key=lambda t: (-t[0], t[1]))
        out: list[RoleGuess] = []
        for p, k in scored[:MAX_ROLES]:
            cand = item.candidates[k]
            at = min(cand.mentions)
            feats = mention_features(emb, item.sentences, cand.mentions, at, name_embs[k],
                                     self.role_emb)
            main, fine, pm, _ = self.classify(feats)
            out.append(RoleGuess(candidate=k, start=at[0], end=at[1], main_role=main,
                                 fine_roles=fine, score=p * pm, central=p))
        return sorted(out, key=lambda g: g.start)

    @classmethod
    def load(cls, path: Path = MODEL_DIR) -> RoleModel:
        npz, meta_path = path / "model.npz", path / "meta.json"
        if not npz.is_file() or not meta_path.is_file():
            raise ModelError(
                f"the roles model is missing at {path}; build it with "
                "`unspin train roles --data ../shared/data/semeval2025-t10`", path=str(path))
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(npz, allow_pickle=False) as z:
            a = {k: z[k].astype(np.float64) for k in z.files}
        return cls(gate_w=a["gate.w"], gate_b=a["gate.b"], role_emb=a["role_emb"].astype(np.float32),
                   mu=a["mu"], sd=a["sd"], w_fine=a["w_fine"], b_fine=a["b_fine"], c_mu=a["c_mu"], c_sd=a["c_sd"],
                   c_w=a["c_w"], c_b=float(a["c_b"]),
                   central_threshold=float(meta.get("central_threshold", CENTRAL_THRESHOLD)),
                   meta=meta)

    def save(self, path: Path, meta: dict[str, Any]) -> None:
        path.mkdir(parents=True, exist_ok=True)
        arrays = {"gate.w": self.gate_w, "gate.b": self.gate_b, "role_emb": self.role_emb,
                  "mu": self.mu, "sd": self.sd, "w_fine": self.w_fine, "b_fine": self.b_fine, "c_mu": self.c_mu,
                  "c_sd": self.c_sd, "c_w": self.c_w, "c_b": np.array(self.c_b)}
        np.savez_compressed(path / "model.npz",
                            **{k: np.asarray(v, dtype=np.float32)  # type: ignore[arg-type]
                               for k, v in arrays.items()})
        full = dict(meta)
        full["central_threshold"] = self.central_threshold
        full["main_roles"] = list(MAIN_ROLES)
        full["fine_roles"] = {r: FINE_ROLE_TEXT[r][0] for r in FINE_ROLES}
        (path / "meta.json").write_text(json.dumps(full, indent=2) + "\n", encoding="utf-8")


class TrainedRoles:
    """The shipped model behind the one-method interface. It reads the document's shared
    encoder pass (``RoleInput.encoding``; encoded here, by the same function, when absent):
    the sentence embeddings and, for each candidate, the embedding of its first named
    mention in context (:meth:`unspin.encoder.Encoding.mention`)."""

    def __init__(self, path: Path | None = None, *, model: str | None = None) -> None:
        from unspin.encoder import model_of, require_artifact, require_encoder, spec

        if path is None:
            path = require_artifact("roles", ("model.npz", "meta.json"), model=spec(model).key,
                                    data="../shared/data/semeval2025-t10")
        self.model = RoleModel.load(path)
        #: The encoder it reads: ``model``, else the one it was trained on.
        self.encoder = spec(model or model_of(self.model.meta.get("encoder"))).key
        require_encoder(self.model.meta.get("encoder"), "roles", path, model=self.encoder)
        from unspin.encoder import load_encoder

        load_encoder(model=self.encoder)  # fail now (a missing base model), not on a document

    def predict(self, texts: Sequence[RoleInput]) -> list[list[RoleGuess]]:
        from unspin.encoder import encode_document, spec

        out: list[list[RoleGuess]] = []
        for item in texts:
            enc = item.encoding if item.encoding is not None else encode_document(
                item.text, item.sentences, model=self.encoder)
            names = [enc.mention(*min(c.mentions)) for c in item.candidates]
            name_embs = (np.stack(names) if names
                         else np.zeros((0, spec(self.encoder).dim), dtype=np.float32))
            cand_embs = None
            if self.model.reads_candidate_embeddings:
                cand_embs = np.stack([candidate_embedding(np.stack(
                    [enc.mention(a, b) for a, b in sorted(c.mentions)[:CAND_MENTIONS]]))
                    for c in item.candidates]) if item.candidates else None
            out.append(self.model.predict_embedded(item, enc.embeddings, name_embs,
                                                   cand_embs=cand_embs))
        return out


class FakeRoles:
    """A deterministic stand-in for unit tests.

    Every candidate named at least twice is central; it is an Antagonist / Instigator when
    a sentence naming it mentions war or attack, else a Protagonist / Peacemaker when one
    mentions peace, else an Innocent / Victim.
    """

    def predict(self, texts: Sequence[RoleInput]) -> list[list[RoleGuess]]:
        out: list[list[RoleGuess]] = []
        for item in texts:
            guesses: list[RoleGuess] = []
            for k, cand in enumerate(item.candidates):
                if len(cand.mentions) < 2:
                    continue
                ids = {_sentence_of(item.sentences, s) for s, _ in cand.mentions}
                words = " ".join(item.text[slice(*item.sentences[i])].lower() for i in ids)
                if "war" in words or "attack" in words:
                    main, fine = "Antagonist", "Instigator"
                elif "peace" in words:
                    main, fine = "Protagonist", "Peacemaker"
                else:
                    main, fine = "Innocent", "Victim"
                s, e = min(cand.mentions)
                guesses.append(RoleGuess(candidate=k, start=s, end=e, main_role=main,
                                         fine_roles=(fine,), score=0.8))
            out.append(guesses)
        return out


# ----------------------------------------------------------------------------- stage
def candidates(doc: Doc, actors: Sequence[Actor] | None) -> list[Candidate]:
    """The entities of ``doc`` that may play a role (see the module doc, step 2)."""
    if actors is not None:
        text = doc.text  # Doc.text joins every token: once, not once per mention (issue 24)
        out: list[Candidate] = []
        for act in actors:
            if act.type == "outlet":
                continue
            named = [(m.start, m.end) for m in act.mentions
                     if text[m.start:m.end][:1].isupper() and
                     text[m.start:m.end].lower() not in {"he", "she", "his", "her", "him",
                                                             "they", "it", "i", "we"}]
            if named:
                out.append(Candidate(key=act.id, type=act.type, mentions=tuple(sorted(named)),
                                     actor=act.id))
        return out
    groups: dict[str, list[tuple[int, int]]] = {}
    types: dict[str, str] = {}
    for ent in doc.ents:
        if ent.label_ not in _ENT_LABELS:
            continue
        key = ent.text.removeprefix("the ").removeprefix("The ")
        if not key or not key[0].isalpha():
            continue
        groups.setdefault(key, []).append((ent.end_char - len(key), ent.end_char))
        types.setdefault(key, _ENT_TYPE[ent.label_])
    return [Candidate(key=k, type=types[k], mentions=tuple(sorted(v))) for k, v in groups.items()]


def find_roles(doc: Doc, predictor: RolePredictor) -> list[Role]:
    """Roles of the central entities of ``doc`` (``[start, end)`` into the text)."""
    cands = candidates(doc, doc._.actors)
    spans = tuple(document_sentences(doc))
    if not cands or not spans:
        return []
    encoding = (document_encoding(doc, predictor.encoder) if isinstance(predictor, TrainedRoles)
                else None)
    (guesses,) = predictor.predict([RoleInput(text=doc.text, sentences=spans,
                                              candidates=tuple(cands), encoding=encoding)])
    return [Role(start=g.start, end=g.end, actor=cands[g.candidate].actor,
                 main_role=g.main_role,  # type: ignore[arg-type]
                 fine_roles=list(g.fine_roles), score=round(min(max(g.score, 0.0), 1.0), 4))
            for g in guesses]


class RoleLabeller:
    """spaCy component: sets ``doc._.roles``."""

    def __init__(self, nlp: Language, name: str, predictor: RolePredictor) -> None:
        self.name = name
        self.predictor = predictor

    def __call__(self, doc: Doc) -> Doc:
        doc._.roles = find_roles(doc, self.predictor)
        return doc


def make_predictor(kind: str, encoder: str = "") -> RolePredictor:
    """``trained`` (the model shipped for ``encoder``, small or base; "" the default) or
    ``fake`` (:class:`FakeRoles`)."""
    if kind == "fake":
        return FakeRoles()
    if kind == "trained":
        return TrainedRoles(model=encoder or None)
    raise ModelError(f"unknown roles predictor {kind!r}; use 'trained' or 'fake'")


@Language.factory("unspin_roles", requires=["doc.sents", "doc.ents"], assigns=["doc._.roles"],
                  default_config={"predictor": "trained", "encoder": ""})
def make_role_labeller(nlp: Language, name: str, predictor: str, encoder: str) -> RoleLabeller:
    return RoleLabeller(nlp, name, make_predictor(predictor, encoder))
