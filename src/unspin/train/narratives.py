"""``unspin train narratives``: the narratives model from the SemEval-2025 Task 10 English train set.

What is fitted (see :mod:`unspin.pipeline.narratives` for how it is used):

* the domain gate: multinomial logistic regression on the unit mean embedding of the first
  :data:`~unspin.pipeline.narratives.GATE_SENTENCES` sentences; classes URW / CC (the 200
  task articles, domain from their id) and *none* (news on other topics from the sibling
  corpora, see :func:`unspin.train._corpus.negative_texts`);
* per domain, on that domain's articles only: a "carries a narrative" classifier (the task's
  ``Other`` is the negative class), one classifier per narrative and one per subnarrative,
  all L2 logistic regressions (liblinear, ``C``) on standardised features;
* the decision thresholds (narrative present, narrative, subnarrative, the similarity pull
  ``beta`` and the subnarrative ``lift``), chosen by an inner :data:`INNER_FOLDS`-fold cross-validation
  on the training documents (grid :data:`GRID`, objective: the mean of fine and coarse
  samples-F1), so the thresholds never see the documents they are scored on.

Everything is deterministic given the seed (folds are shuffled with it; liblinear is
deterministic). Artifacts: ``model.npz`` (float32 arrays, no pickle) and ``meta.json``
(labels, thresholds, settings, data hash, code commit, cross-validated metrics).
"""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console

from unspin.corpora.semeval import (
    OTHER,
    NarrativeDoc,
    Taxonomy,
    kfold,
    read_narrative_docs,
    read_taxonomy,
    resolve_root,
    sample_f1,
    samples_f1,
)
from unspin.encoder import encoder_id
from unspin.pipeline.narratives import (
    GATE_CLASSES,
    MODEL_NAME,
    DomainHead,
    NarrativeModel,
    Thresholds,
    decode,
    doc_features,
    gate_features,
)
from unspin.train._corpus import embed_cached, lean_threads, negative_texts, split_sentences
from unspin.train.narrative_descriptions import DESCRIPTIONS

__all__ = ["Corpus", "fit", "fit_with_thresholds", "label_text", "load_corpus", "run",
           "split_vectors"]

Array = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

#: Regularisation of every label classifier (liblinear, L2); picked by 5-fold CV: 0.03 gave
#: fine / coarse samples-F1 0.500 / 0.556, 0.1 gave 0.498 / 0.564.
C = 0.1
#: The gate's regularisation: among 0.3, 1, 3, 10, the best trade-off (see GATE_NONE).
C_GATE = 10.0
INNER_FOLDS = 4
GRID: dict[str, tuple[float, ...]] = {
    "has": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    "narrative": (0.2, 0.3, 0.4, 0.5, 0.6),
    "subnarrative": (0.2, 0.3, 0.4, 0.5, 0.6),
    "beta": (0.0, 0.5, 1.0),
    # 2.0 = off, listed first so that a tie keeps it off. Measured (5-fold CV, seeds 0-2,
    # one session): fine / coarse samples-F1 0.4983 / 0.5542 with it, 0.4972 / 0.5493 without.
    "lift": (2.0, 0.6, 0.5, 0.4),
}


#: Shares of "Other" articles (no narrative) the thresholds must hold under. The training
#: set has 48 %; a crawl may have far more (most news carries none of these narratives) or
#: fewer (a crawl filtered for the war). The thresholds maximise the mean, over these
#: shares, of samples-F1 with the articles reweighted to each share (see
#: :func:`share_weighted_f1`), rather than samples-F1 at the training share alone, which
#: rewards answering "Other" whenever in doubt. ``()`` = the training share only.
OTHER_SHARES: tuple[float, ...] = (0.25, 0.5, 0.75)


def share_weighted_f1(per_doc: Sequence[float], is_other: Sequence[bool], share: float) -> float:
    """Samples-F1 as it would be if a ``share`` of the articles were gold "Other": each
    article's F1 weighted by ``share / p`` (gold "Other") or ``(1 - share) / (1 - p)``
    (carries a narrative), ``p`` the actual share. Equals the plain mean when ``share == p``;
    the plain mean where all or none are "Other"."""
    f = np.asarray(per_doc, dtype=np.float64)
    o = np.asarray(is_other, dtype=bool)
    if len(f) == 0:
        return 0.0
    p = float(o.mean())
    if p in (0.0, 1.0):
        return float(f.mean())
    w = np.where(o, share / p, (1.0 - share) / (1.0 - p))
    return float((w * f).sum() / w.sum())


def label_text(label: str) -> str:
    """The wording embedded for a label: the taxonomy's text without the domain prefix, and
    our description of it (:mod:`unspin.train.narrative_descriptions`)."""
    domain, _, rest = label.partition(": ")
    if rest.endswith(": " + OTHER):
        rest = rest[: -len(": " + OTHER)]
    desc = DESCRIPTIONS.get(domain, {}).get(rest, "")
    return f"{rest}. {desc}".strip()


@dataclass
class Corpus:
    """The training material, embedded."""

    root: Path
    taxonomy: Taxonomy
    docs: list[NarrativeDoc]
    emb: list[Array]  # per document, its sentences' embeddings
    neg_gate: F64  # gate features of the "none" articles
    label_emb: dict[str, Array]  # per domain: narratives then subnarratives ("X: Other" incl.)
    labels: dict[str, tuple[list[str], list[str]]]
    data_hash: str


def _data_hash(root: Path, lang: str) -> str:
    h = hashlib.sha256()
    folder = root / "train" / lang
    for p in [root / "subtask2_narratives.txt", root / "subtask2_subnarratives.txt",
              folder / "subtask-2-annotations.txt", *sorted((folder / "raw-documents").glob("*.txt"))]:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def split_vectors(vecs: Array, sents: Sequence[Sequence[str]],
                  neg_sents: Sequence[Sequence[str]]) -> tuple[list[Array], F64]:
    """The rows of ``vecs`` (every article's sentences, then every off-topic article's) as
    each article's sentence embeddings and each off-topic article's gate features."""
    emb: list[Array] = []
    i = 0
    for ss in sents:
        emb.append(vecs[i : i + len(ss)])
        i += len(ss)
    gate = []
    for ss in neg_sents:
        gate.append(gate_features(vecs[i : i + len(ss)]))
        i += len(ss)
    return emb, np.array(gate)


def load_corpus(data: Path, console: Console | None = None) -> Corpus:
    """Read, split, embed (cached) the English train set and the gate's negatives."""
    root = resolve_root(data)
    taxonomy = read_taxonomy(root)
    docs = read_narrative_docs(root, "EN")
    negs = negative_texts(root.parent)
    t0 = time.perf_counter()
    split = split_sentences([d.text for d in docs] + negs)
    sents = [ds.sentences for ds in split[: len(docs)]]
    neg_sents = [ds.sentences[:12] for ds in split[len(docs):]]
    flat = [s for ss in sents for s in ss] + [s for ss in neg_sents for s in ss]
    if console is not None:
        console.print(f"embedding {len(flat)} sentences (cached after the first run)…")
    emb, neg_gate = split_vectors(embed_cached(flat), sents, neg_sents)
    label_emb: dict[str, Array] = {}
    labels: dict[str, tuple[list[str], list[str]]] = {}
    for dom in ("URW", "CC"):
        nar, sub = taxonomy.in_domain(dom)
        labels[dom] = (nar, sub)
        label_emb[dom] = embed_cached([label_text(x) for x in nar + sub], name="labels")
    if console is not None:
        console.print(f"corpus ready in {time.perf_counter() - t0:.0f} s: {len(docs)} articles, "
                      f"{len(negs)} off-topic articles")
    return Corpus(root=root, taxonomy=taxonomy, docs=docs, emb=emb,
                  neg_gate=neg_gate, label_emb=label_emb, labels=labels,
                  data_hash=_data_hash(root, "EN"))


def _logreg(x: F64, y: npt.NDArray[np.int_], c: float) -> tuple[F64, float]:
    """Binary L2 logistic regression; a label with one class only gets a constant."""
    if y.min() == y.max():
        return np.zeros(x.shape[1]), (8.0 if y[0] == 1 else -8.0)
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
    m.fit(x, y)
    return m.coef_[0].astype(np.float64), float(m.intercept_[0])


def _fit_head(corpus: Corpus, idx: Sequence[int], dom: str, c: float) -> DomainHead:
    nar, sub = corpus.labels[dom]
    lemb = corpus.label_emb[dom]
    docs = [i for i in idx if corpus.docs[i].domain == dom]
    x = np.array([doc_features(corpus.emb[i], lemb) for i in docs])
    mu = x.mean(axis=0)
    sd = x.std(axis=0) + 1e-6
    xs = (x - mu) / sd
    has = np.array([int(corpus.docs[i].narratives != [OTHER]) for i in docs])
    w_has, b_has = _logreg(xs, has, c)
    w_nar, b_nar, w_sub, b_sub = [], [], [], []
    for lab in nar:
        w, b = _logreg(xs, np.array([int(lab in corpus.docs[i].narratives) for i in docs]), c)
        w_nar.append(w)
        b_nar.append(b)
    for lab in sub:
        w, b = _logreg(xs, np.array([int(lab in corpus.docs[i].subnarratives) for i in docs]), c)
        w_sub.append(w)
        b_sub.append(b)
    return DomainHead(narratives=nar, subnarratives=sub, label_emb=lemb, mu=mu, sd=sd,
                      w_has=w_has, b_has=b_has, w_nar=np.array(w_nar), b_nar=np.array(b_nar),
                      w_sub=np.array(w_sub), b_sub=np.array(b_sub))


def _fit_gate(corpus: Corpus, idx: Sequence[int], neg_idx: Sequence[int]) -> tuple[F64, F64]:
    from sklearn.linear_model import LogisticRegression

    x = np.array([gate_features(corpus.emb[i]) for i in idx] + [corpus.neg_gate[j] for j in neg_idx])
    y = np.array([GATE_CLASSES.index(corpus.docs[i].domain) for i in idx] + [2] * len(neg_idx))
    m = LogisticRegression(C=C_GATE, max_iter=2000)
    m.fit(x, y)
    return m.coef_.astype(np.float64), m.intercept_.astype(np.float64)


def fit(corpus: Corpus, idx: Sequence[int], neg_idx: Sequence[int], *, c: float | None = None,
        thresholds: Thresholds | None = None) -> NarrativeModel:
    """A model fitted on documents ``idx`` (and off-topic articles ``neg_idx``)."""
    c = C if c is None else c
    gw, gb = _fit_gate(corpus, idx, neg_idx)
    heads = {dom: _fit_head(corpus, idx, dom, c) for dom in ("URW", "CC")}
    return NarrativeModel(gate_w=gw, gate_b=gb, heads=heads,
                          thresholds=thresholds or Thresholds())


def score_predictions(corpus: Corpus, idx: Sequence[int], fine: Sequence[Sequence[str]],
                      coarse: Sequence[Sequence[str]]) -> tuple[float, float]:
    """``(fine, coarse)`` samples-F1 of predictions for documents ``idx``."""
    tax = corpus.taxonomy
    f = samples_f1([corpus.docs[i].subnarratives for i in idx], fine, tax.subnarratives)
    c = samples_f1([corpus.docs[i].narratives for i in idx], coarse, tax.narratives)
    return f, c


def _objective(corpus: Corpus, idx: Sequence[int], fine: Sequence[Sequence[str]],
               coarse: Sequence[Sequence[str]], shares: Sequence[float]) -> float:
    """(fine + coarse samples-F1) / 2, averaged over ``shares`` of "Other" (see
    :data:`OTHER_SHARES`; empty: at the actual share)."""
    if not shares:
        f, co = score_predictions(corpus, idx, fine, coarse)
        return (f + co) / 2
    tax = corpus.taxonomy
    per = [(sample_f1(corpus.docs[i].subnarratives, pf, tax.subnarratives)
            + sample_f1(corpus.docs[i].narratives, pc, tax.narratives)) / 2
           for i, pf, pc in zip(idx, fine, coarse, strict=True)]
    other = [corpus.docs[i].narratives == [OTHER] for i in idx]
    return float(np.mean([share_weighted_f1(per, other, s) for s in shares]))


def choose_thresholds(corpus: Corpus, idx: Sequence[int], seed: int,
                      c: float | None = None,
                      shares: Sequence[float] = OTHER_SHARES) -> Thresholds:
    """Thresholds that maximise (fine + coarse samples-F1) / 2 over an inner k-fold of
    ``idx``, averaged over ``shares`` of "Other" articles (:data:`OTHER_SHARES`)."""
    ids = [corpus.docs[i].id for i in idx]
    pos = {corpus.docs[i].id: i for i in idx}
    folds = kfold(ids, INNER_FOLDS, seed + 1)
    heads: list[tuple[int, DomainHead]] = []
    for k in range(INNER_FOLDS):
        test = [pos[d] for d in folds[k]]
        train = [pos[d] for j, f in enumerate(folds) if j != k for d in f]
        model = fit(corpus, train, [], c=c)
        heads += [(i, model.heads[corpus.docs[i].domain]) for i in test]
    order = [i for i, _ in heads]
    probs = {beta: [(h, *h.probabilities(corpus.emb[i], beta)) for i, h in heads]
             for beta in GRID["beta"]}
    best, best_score = Thresholds(), -1.0
    for th in itertools.product(GRID["has"], GRID["narrative"], GRID["subnarrative"],
                                GRID["beta"], GRID["lift"]):
        t = Thresholds(*th)
        fine: list[list[str]] = []
        coarse: list[list[str]] = []
        for head, p_has, p_nar, p_sub in probs[t.beta]:
            picked = decode(head, p_has, p_nar, p_sub, t)
            fine.append([head.subnarratives[j] for _, j, _ in picked] or [OTHER])
            coarse.append(list(dict.fromkeys(head.narratives[i] for i, _, _ in picked)) or [OTHER])
        value = _objective(corpus, order, fine, coarse, shares)
        if value > best_score + 1e-12:
            best, best_score = t, value
    return best


def fit_with_thresholds(corpus: Corpus, idx: Sequence[int], neg_idx: Sequence[int], seed: int,
                        c: float | None = None,
                        shares: Sequence[float] = OTHER_SHARES) -> NarrativeModel:
    """Thresholds by inner cross-validation on ``idx``, then a fit on all of ``idx``."""
    th = choose_thresholds(corpus, idx, seed, c, shares)
    return fit(corpus, idx, neg_idx, c=c, thresholds=th)


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             check=False, cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def run(data: Path, *, out: Path | None, seed: int, console: Console,
        model: str | None = None) -> Path:
    """Train on all 200 English articles, on ``model``'s encoder (small or base), and write
    ``model.npz`` + ``meta.json`` to ``out`` (default: the folder the stage reads for it)."""
    from unspin.encoder import using

    with using(model):
        return _run(data, out=out, seed=seed, console=console)


def _run(data: Path, *, out: Path | None, seed: int, console: Console) -> Path:
    from unspin.encoder import spec

    key = spec().key
    out = out or spec().artifact("narratives")
    t0 = time.perf_counter()
    corpus = load_corpus(data, console)
    console.print("cross-validating (5 folds) for the record in meta.json…")
    with lean_threads():
        metrics = cross_validate(corpus, seed=seed, console=console)
        idx = list(range(len(corpus.docs)))
        model = fit_with_thresholds(corpus, idx, list(range(len(corpus.neg_gate))), seed)
    meta: dict[str, Any] = {
        "name": MODEL_NAME,
        "command": f"unspin train narratives --data {data} --seed {seed}"
                   + f" --model {key}",
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "code_commit": _commit(),
        "data": {"path": str(corpus.root), "language": "EN", "documents": len(corpus.docs),
                 "sha256": corpus.data_hash, "off_topic_articles": len(corpus.neg_gate)},
        "encoder": encoder_id(),
        "settings": {"C": C, "C_gate": C_GATE, "inner_folds": INNER_FOLDS, "seed": seed,
                     "other_shares": list(OTHER_SHARES),
                     "grid": {k: list(v) for k, v in GRID.items()}},
        "metrics_cv5": metrics,
        "train_seconds": round(time.perf_counter() - t0, 1),
    }
    model.save(out, meta)
    th = model.thresholds
    console.print(f"wrote {out / 'model.npz'} ({(out / 'model.npz').stat().st_size / 1e6:.2f} MB) "
                  f"and meta.json; thresholds: narrative present {th.has}, narrative "
                  f"{th.narrative}, subnarrative {th.subnarrative}")
    return out


#: Outer folds of the held-out scheme (``unspin eval narratives``; here so that training,
#: which reports the same figures, never imports the eval command).
FOLDS = 5


def cross_validate(corpus: Corpus, *, seed: int = 0, console: Console | None = None,
                   folds: int = FOLDS, shares: Sequence[float] | None = None) -> dict[str, float]:
    """Out-of-fold predictions for every article; the headline figures (see module doc).

    ``shares``: the "Other" shares the thresholds are chosen to hold under (default
    :data:`unspin.train.narratives.OTHER_SHARES`; ``()``: the training share only)."""
    import random
    from collections import Counter

    from unspin.corpora.semeval import sample_f1
    from unspin.pipeline.narratives import gate_decision

    shares = OTHER_SHARES if shares is None else tuple(shares)

    t0 = time.perf_counter()
    docs = corpus.docs
    pos = {d.id: i for i, d in enumerate(docs)}
    parts = kfold([d.id for d in docs], folds, seed)
    n_neg = len(corpus.neg_gate)
    neg_parts = [list(range(k, n_neg, folds)) for k in range(folds)]
    order: list[int] = []
    auto_f: list[list[str]] = []
    auto_c: list[list[str]] = []
    gold_f: list[list[str]] = []
    gold_c: list[list[str]] = []
    maj_f: list[list[str]] = []
    maj_c: list[list[str]] = []
    gate_ok = 0
    neg_ok = 0
    for k in range(folds):
        test = [pos[d] for d in parts[k]]
        train = [pos[d] for j, p in enumerate(parts) if j != k for d in p]
        neg_train = [i for j, p in enumerate(neg_parts) if j != k for i in p]
        model = fit_with_thresholds(corpus, train, neg_train, seed, shares=shares)
        fine_counts = Counter(lab for i in train for lab in docs[i].subnarratives)
        coarse_counts = Counter(lab for i in train for lab in docs[i].narratives)
        top_f, top_c = fine_counts.most_common(1)[0][0], coarse_counts.most_common(1)[0][0]
        for i in test:
            auto = model.predict_embedded(corpus.emb[i], evidence=False)
            given = model.predict_embedded(corpus.emb[i], domain=docs[i].domain, evidence=False)
            gate_ok += int(auto.domain == docs[i].domain)
            order.append(i)
            auto_f.append(auto.labels)
            auto_c.append(auto.narratives)
            gold_f.append(given.labels)
            gold_c.append(given.narratives)
            maj_f.append([top_f])
            maj_c.append([top_c])
        for j in neg_parts[k]:
            scores = model.gate_scores_from_features(corpus.neg_gate[j])
            neg_ok += int(gate_decision(scores) == "none")
        if console is not None:
            console.print(f"  fold {k + 1}/{folds} done ({time.perf_counter() - t0:.0f} s)")
    rng = random.Random(seed)
    subs = [s for s in corpus.taxonomy.subnarratives]
    rnd_f = [rng.sample(subs, rng.randint(1, 3)) for _ in order]
    rnd_c = [list(dict.fromkeys(corpus.taxonomy.parent(s) for s in f)) for f in rnd_f]
    res: dict[str, float] = {}
    for name, f, c in (("model", auto_f, auto_c), ("model_domain_given", gold_f, gold_c),
                       ("majority", maj_f, maj_c), ("random", rnd_f, rnd_c)):
        res[f"f1_fine_{name}"], res[f"f1_coarse_{name}"] = score_predictions(corpus, order, f, c)
    res["gate_accuracy_task"] = gate_ok / len(order)
    res["gate_accuracy_off_topic"] = neg_ok / max(n_neg, 1)
    res["predicted_other_share"] = sum(f == [OTHER] for f in auto_f) / len(order)
    res["gold_other_share"] = sum(docs[i].subnarratives == [OTHER] for i in order) / len(order)
    res["predicted_labels_per_article"] = sum(len(f) for f in auto_f) / len(order)
    res["gold_labels_per_article"] = sum(len(docs[i].subnarratives) for i in order) / len(order)
    # Samples-F1 had the share of "Other" articles been 25 % or 75 % (see share_weighted_f1).
    tax = corpus.taxonomy
    other = [docs[i].narratives == [OTHER] for i in order]
    for name, f in (("model", auto_f), ("majority", maj_f)):
        per = [sample_f1(docs[i].subnarratives, p, tax.subnarratives)
               for i, p in zip(order, f, strict=True)]
        for share in (0.25, 0.75):
            res[f"f1_fine_{name}_other{int(share * 100)}"] = share_weighted_f1(per, other, share)
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return {k: round(v, 4) for k, v in res.items()}
