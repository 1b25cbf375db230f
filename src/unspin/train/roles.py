"""``unspin train roles``: the entity-role model from SemEval-2025 Task 10 subtask 1 (English).

What is fitted (see :mod:`unspin.pipeline.roles` for how it is used), on the annotated
mentions of the English train set (offsets fixed to ``[start, end)``, see
:mod:`unspin.corpora.semeval`):

* fine role: multinomial logistic regression (lbfgs, ``C_FINE``) over the 22 fine roles on
  standardised mention features (:func:`unspin.pipeline.roles.mention_features`); a
  mention with two fine roles counts once for each; the main role is read off it;
* centrality: logistic regression on :func:`unspin.pipeline.roles.central_features` of the
  spaCy entities (grouped by text) of the annotated articles; an entity is positive when one
  of its mentions overlaps an annotated mention. Its threshold is the F1-best one on
  held-out folds (:func:`cross_validate`);
* the domain gate, fitted exactly as for the narratives model (a copy ships here so the
  stage needs no other model).

Deterministic given the seed. Artifacts: ``model.npz`` (float32) and ``meta.json``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console

from unspin.corpora.semeval import RoleMention, read_role_mentions, resolve_root
from unspin.encoder import encoder_id, spec
from unspin.pipeline.roles import (
    CAND_MENTIONS,
    FINE_ROLE_TEXT,
    FINE_ROLES,
    MODEL_NAME,
    Candidate,
    RoleModel,
    candidate_embedding,
    central_features,
    mention_features,
)
from unspin.train._corpus import (
    embed_cached,
    entities_cached,
    lean_threads,
    mention_embeddings_cached,
    split_sentences,
)

__all__ = ["RoleCorpus", "fit", "load_role_corpus", "run"]

Array = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: Regularisation, picked by 5-fold CV among 0.003, 0.01, 0.03, 0.1 (EMR 0.229 at 0.01).
C_FINE = 0.01
#: Centrality's regularisation: strong, as it reads the candidate embedding (384 features
#: beside 10 counts); 0.005 sits between the two best of 0.003 / 0.005 / 0.01 / 0.02 by
#: out-of-fold average precision (5-fold by article, BENCHMARKS.md). Counts alone: 1.0.
C_CENTRAL = 0.005
_ENT_TYPE = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place",
             "NORP": "group"}


def role_text(role: str) -> str:
    """The wording embedded for a fine role: its name and our one-line description."""
    return f"{role}: {FINE_ROLE_TEXT[role][1]}"


@dataclass
class RoleCorpus:
    root: Path
    mentions: list[RoleMention]
    feats: F64  # per mention, unstandardised role features
    doc_of: list[str]  # per mention, its document id
    cand_feats: F64  # per candidate entity
    cand_label: npt.NDArray[np.int_]
    cand_doc: list[str]
    role_emb: Array
    data_hash: str
    missed: int
    #: per candidate, its mentions (``[start, end)`` into its document)
    cand_spans: list[tuple[tuple[int, int], ...]] = field(default_factory=list)
    #: per candidate, the role features of its first mention (what the stage classifies)
    cand_role_feats: F64 | None = None


def _occurrences(text: str, mention: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    i = text.find(mention)
    while i >= 0 and mention:
        out.append((i, i + len(mention)))
        i = text.find(mention, i + 1)
    return out


def _ent_candidates(text: str, ents: Sequence[tuple[int, int, str]]) -> list[Candidate]:
    groups: dict[str, list[tuple[int, int]]] = {}
    types: dict[str, str] = {}
    for a, b, label in ents:
        if label not in _ENT_TYPE:
            continue
        key = text[a:b].removeprefix("the ").removeprefix("The ")
        if not key or not key[0].isalpha():
            continue
        groups.setdefault(key, []).append((b - len(key), b))
        types.setdefault(key, _ENT_TYPE[label])
    return [Candidate(key=k, type=types[k], mentions=tuple(sorted(v))) for k, v in groups.items()]


def load_role_corpus(data: Path, console: Console | None = None) -> RoleCorpus:
    root = resolve_root(data)
    mentions, texts, missed = read_role_mentions(root, "EN")
    ids = sorted(texts)
    split = dict(zip(ids, split_sentences([texts[d] for d in ids]), strict=True))
    sent_texts = [s for d in ids for s in split[d].sentences]
    if console is not None:
        console.print(f"{len(mentions)} mentions in {len(ids)} articles; embedding…")
    vecs = embed_cached(sent_texts)
    emb: dict[str, Array] = {}
    i = 0
    for d in ids:
        n = len(split[d].spans)
        emb[d] = vecs[i : i + n]
        i += n
    role_emb = embed_cached([role_text(r) for r in FINE_ROLES], name="labels")
    docs = [split[d] for d in ids]
    at = {d: i for i, d in enumerate(ids)}
    name_emb = mention_embeddings_cached(docs, [(at[m.doc_id], m.start, m.end) for m in mentions])
    feats = np.array([
        mention_features(emb[m.doc_id], split[m.doc_id].spans,
                         _occurrences(texts[m.doc_id], m.mention) or [(m.start, m.end)],
                         (m.start, m.end), name_emb[k], role_emb)
        for k, m in enumerate(mentions)])
    ents = dict(zip(ids, entities_cached([texts[d] for d in ids]), strict=True))
    cand_feats: list[F64] = []
    cand_label: list[int] = []
    cand_doc: list[str] = []
    cand_spans: list[tuple[tuple[int, int], ...]] = []
    gold_by_doc: dict[str, list[tuple[int, int]]] = {}
    for m in mentions:
        gold_by_doc.setdefault(m.doc_id, []).append((m.start, m.end))
    cand_role: list[F64] = []
    doc_cands = {d: _ent_candidates(texts[d], ents[d]) for d in ids}
    # Each candidate's embedding in context: the mean of its first mentions' embeddings,
    # read from the same cached encoder pass as the gold mentions'.
    wanted = [(at[d], a, b) for d in ids for c in doc_cands[d]
              for a, b in sorted(c.mentions)[:CAND_MENTIONS]]
    flat = mention_embeddings_cached(docs, wanted)
    k_flat = 0
    for d in ids:
        cands = doc_cands[d]
        total = sum(len(c.mentions) for c in cands)
        for c in cands:
            n_m = min(len(c.mentions), CAND_MENTIONS)
            ce = candidate_embedding(flat[k_flat:k_flat + n_m])
            k_flat += n_m
            cand_feats.append(central_features(texts[d], split[d].spans, c, total, ce))
            cand_role.append(mention_features(emb[d], split[d].spans, c.mentions,
                                              min(c.mentions), flat[k_flat - n_m], role_emb))
            hit = any(a < ge and ga < b for a, b in c.mentions for ga, ge in gold_by_doc.get(d, []))
            cand_label.append(int(hit))
            cand_doc.append(d)
            cand_spans.append(c.mentions)
    h = hashlib.sha256()
    h.update((root / "train" / "EN" / "subtask-1-annotations.txt").read_bytes())
    for d in ids:
        h.update(texts[d].encode("utf-8"))
    return RoleCorpus(root=root, mentions=mentions, feats=feats,
                      doc_of=[m.doc_id for m in mentions], cand_feats=np.array(cand_feats),
                      cand_label=np.array(cand_label), cand_doc=cand_doc, role_emb=role_emb,
                      data_hash=h.hexdigest(), missed=missed, cand_spans=cand_spans,
                      cand_role_feats=np.array(cand_role))


def fit(corpus: RoleCorpus, idx: Sequence[int], cand_idx: Sequence[int],
        gate: tuple[F64, F64] | None = None, central_threshold: float = 0.5) -> RoleModel:
    """A model fitted on mentions ``idx`` and candidate entities ``cand_idx``."""
    from sklearn.linear_model import LogisticRegression

    x = corpus.feats[list(idx)]
    mu = x.mean(axis=0)
    sd = x.std(axis=0) + 1e-6
    xs = (x - mu) / sd
    rows, ys = [], []
    for k, i in enumerate(idx):
        for r in corpus.mentions[i].fine_roles:
            if r in FINE_ROLES:
                rows.append(k)
                ys.append(FINE_ROLES.index(r))
    m_fine = LogisticRegression(C=C_FINE, max_iter=3000)
    m_fine.fit(xs[rows], np.array(ys))
    w_fine = np.zeros((len(FINE_ROLES), xs.shape[1]))
    b_fine = np.full(len(FINE_ROLES), -30.0)  # a role never seen in training is never chosen
    for row, cls in enumerate(m_fine.classes_):
        w_fine[int(cls)] = m_fine.coef_[row]
        b_fine[int(cls)] = m_fine.intercept_[row]
    cx = corpus.cand_feats[list(cand_idx)]
    c_mu = cx.mean(axis=0)
    c_sd = cx.std(axis=0) + 1e-6
    m_c = LogisticRegression(C=C_CENTRAL, max_iter=2000)
    m_c.fit((cx - c_mu) / c_sd, corpus.cand_label[list(cand_idx)])
    gw, gb = gate if gate is not None else (np.zeros((3, spec().dim)), np.array([1.0, 0.0, -1.0]))
    return RoleModel(gate_w=gw, gate_b=gb, role_emb=corpus.role_emb, mu=mu, sd=sd,
                     w_fine=w_fine, b_fine=b_fine,
                     c_mu=c_mu, c_sd=c_sd, c_w=m_c.coef_[0].astype(np.float64),
                     c_b=float(m_c.intercept_[0]), central_threshold=central_threshold)


def run(data: Path, *, out: Path | None, seed: int, console: Console,
        model: str | None = None) -> Path:
    """Train on every annotated English mention, on ``model``'s encoder (small or base);
    write ``model.npz`` + ``meta.json`` to ``out`` (default: the folder the stage reads)."""
    from unspin.encoder import using

    with using(model):
        return _run(data, out=out, seed=seed, console=console)


def _run(data: Path, *, out: Path | None, seed: int, console: Console) -> Path:
    from unspin.encoder import spec
    from unspin.train.narratives import _commit, _fit_gate, load_corpus

    key = spec().key
    out = out or spec().artifact("roles")
    t0 = time.perf_counter()
    corpus = load_role_corpus(data, console)
    ncorp = load_corpus(data, console)
    with lean_threads():
        metrics = cross_validate(corpus, seed=seed, console=console)
        gate = _fit_gate(ncorp, list(range(len(ncorp.docs))), list(range(len(ncorp.neg_gate))))
        model = fit(corpus, list(range(len(corpus.mentions))),
                    list(range(len(corpus.cand_label))), gate=gate,
                    central_threshold=float(metrics["central_threshold"]))
    meta: dict[str, Any] = {
        "name": MODEL_NAME,
        "command": f"unspin train roles --data {data} --seed {seed}"
                   + f" --model {key}",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "code_commit": _commit(),
        "data": {"path": str(corpus.root), "language": "EN", "mentions": len(corpus.mentions),
                 "unplaced_rows": corpus.missed, "sha256": corpus.data_hash,
                 "gate_off_topic_articles": len(ncorp.neg_gate)},
        "encoder": encoder_id(),
        "settings": {"C_fine": C_FINE, "C_central": C_CENTRAL, "seed": seed},
        "metrics_cv5": metrics,
        "train_seconds": round(time.perf_counter() - t0, 1),
    }
    model.save(out, meta)
    console.print(f"wrote {out / 'model.npz'} ({(out / 'model.npz').stat().st_size / 1e6:.2f} MB)"
                  " and meta.json")
    return out


#: Outer folds of the held-out scheme (``unspin eval roles``; here so that training, which
#: reports the same figures, never imports the eval command).
FOLDS = 5


def cross_validate(corpus: RoleCorpus, *, seed: int = 0, console: Console | None = None,
                   folds: int = FOLDS) -> dict[str, float]:
    import random
    from collections import Counter

    from unspin.corpora.semeval import ROLE_TAXONOMY, kfold, score_roles

    t0 = time.perf_counter()
    docs = sorted(set(corpus.doc_of))
    parts = kfold(docs, folds, seed)
    fold_of = {d: k for k, p in enumerate(parts) for d in p}
    gold: list[tuple[str, tuple[str, ...]]] = []
    pred: list[tuple[str, tuple[str, ...]]] = []
    maj: list[tuple[str, tuple[str, ...]]] = []
    top_fine: str
    cand_p = np.zeros(len(corpus.cand_label))
    cand_guess: dict[int, tuple[str, tuple[str, ...]]] = {}
    for k in range(folds):
        test = [i for i, d in enumerate(corpus.doc_of) if fold_of[d] == k]
        train = [i for i, d in enumerate(corpus.doc_of) if fold_of[d] != k]
        c_test = [i for i, d in enumerate(corpus.cand_doc) if fold_of.get(d, -1) == k]
        c_train = [i for i, d in enumerate(corpus.cand_doc) if fold_of.get(d, -1) != k]
        model = fit(corpus, train, c_train)
        mains = Counter(corpus.mentions[i].main_role for i in train)
        top_main = mains.most_common(1)[0][0]
        fines = Counter(r for i in train if corpus.mentions[i].main_role == top_main
                        for r in corpus.mentions[i].fine_roles)
        top_fine = fines.most_common(1)[0][0]
        for i in test:
            m = corpus.mentions[i]
            main, fine, _, _ = model.classify(corpus.feats[i])
            gold.append((m.main_role, m.fine_roles))
            pred.append((main, fine))
            maj.append((top_main, (top_fine,)))
        for i in c_test:
            cand_p[i] = model.centrality(corpus.cand_feats[i])
            if corpus.cand_role_feats is not None:
                main, fine, _, _ = model.classify(corpus.cand_role_feats[i])
                cand_guess[i] = (main, fine)
        if console is not None:
            console.print(f"  fold {k + 1}/{folds} done ({time.perf_counter() - t0:.0f} s)")
    rng = random.Random(seed)
    rnd: list[tuple[str, tuple[str, ...]]] = []
    for _ in gold:
        main = rng.choice(sorted(ROLE_TAXONOMY))
        rnd.append((main, (rng.choice(ROLE_TAXONOMY[main]),)))
    res: dict[str, float] = {}
    systems: tuple[tuple[str, list[tuple[str, tuple[str, ...]]]], ...] = (
        ("model", pred), ("majority", maj), ("random", rnd))
    for name, guesses in systems:
        for key, v in score_roles(gold, guesses).items():
            res[f"{key}_{name}"] = v
    labels = corpus.cand_label
    best = (0.0, 0.5, 0.0, 0.0)
    for th in np.arange(0.1, 0.91, 0.05):
        hit = cand_p >= th
        tp = float((hit & (labels == 1)).sum())
        p = tp / max(float(hit.sum()), 1.0)
        r = tp / max(float(labels.sum()), 1.0)
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best[0] + 1e-12:
            best = (f, float(th), p, r)
    res["central_f1"], res["central_threshold"], res["central_p"], res["central_r"] = best
    res["coverage_end_to_end"] = _coverage(corpus, cand_p, best[1])
    if cand_guess:
        res["main_accuracy_end_to_end"], res["emr_end_to_end"] = _end_to_end(
            corpus, cand_p, best[1], cand_guess)
    for th in (0.0, 0.05, 0.1, 0.15):
        res[f"coverage_at_{round(th * 100):02d}"] = _coverage(corpus, cand_p, th)
    res["central_positive_share"] = float(labels.mean()) if len(labels) else 0.0
    res["mentions"] = float(len(gold))
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return {k: round(float(v), 4) for k, v in res.items()}


def _kept(corpus: RoleCorpus, cand_p: np.ndarray, threshold: float) -> dict[str, list[int]]:
    """Per article, the candidates the stage reports: at or above ``threshold``, the
    ``MAX_ROLES`` most central."""
    from unspin.pipeline.roles import MAX_ROLES

    picked: dict[str, list[int]] = {}
    for i, d in enumerate(corpus.cand_doc):
        if cand_p[i] >= threshold:
            picked.setdefault(d, []).append(i)
    return {d: sorted(ids, key=lambda i: -cand_p[i])[:MAX_ROLES] for d, ids in picked.items()}


def _end_to_end(corpus: RoleCorpus, cand_p: np.ndarray, threshold: float,
                guesses: dict[int, tuple[str, tuple[str, ...]]]) -> tuple[float, float]:
    """``(main-role accuracy, exact-match ratio)`` over *every* annotated mention, end to
    end: a mention scores when a reported candidate overlaps it (the most central one, if
    several) and that candidate's role, classified at its first mention as the stage does,
    has the mention's main role (its exact fine-role set). A mention no reported candidate
    reaches counts as wrong — the held-out figure the issue reports (0.45 main role)."""
    kept = _kept(corpus, cand_p, threshold)
    main_ok = exact_ok = 0
    for m in corpus.mentions:
        hits = [i for i in kept.get(m.doc_id, [])
                if any(a < m.end and m.start < b for a, b in corpus.cand_spans[i])]
        if not hits:
            continue
        main, fine = guesses[hits[0]]
        main_ok += int(main == m.main_role)
        exact_ok += int(set(fine) == set(m.fine_roles))
    n = max(len(corpus.mentions), 1)
    return main_ok / n, exact_ok / n


def _coverage(corpus: RoleCorpus, cand_p: np.ndarray, threshold: float) -> float:
    """Share of annotated mentions that get a role end to end: some candidate entity of the
    pipeline (spaCy's entities, grouped) overlaps the mention and is among the up to
    ``MAX_ROLES`` candidates of its article at or above the centrality ``threshold``
    (out-of-fold probabilities)."""
    from unspin.pipeline.roles import MAX_ROLES

    picked: dict[str, list[int]] = {}
    for i, d in enumerate(corpus.cand_doc):
        if cand_p[i] >= threshold:
            picked.setdefault(d, []).append(i)
    kept = {d: sorted(ids, key=lambda i: -cand_p[i])[:MAX_ROLES] for d, ids in picked.items()}
    hit = 0
    for m in corpus.mentions:
        if any(a < m.end and m.start < b for i in kept.get(m.doc_id, [])
               for a, b in corpus.cand_spans[i]):
            hit += 1
    return hit / max(len(corpus.mentions), 1)
