"""``unspin eval roles``: SemEval-2025 Task 10 subtask 1 (entity framing) by 5-fold cross-validation.

Held-out scheme: the English articles with role annotations are shuffled with the seed (0)
and cut into :data:`FOLDS` folds *by article* (no article has mentions on both sides);
each fold's gold mentions are classified by a model fitted on the other folds.

Metrics (as the task's scorer): *exact-match ratio* of the fine roles (the predicted set
equals the gold set; official), *main-role accuracy*, and micro precision / recall / F1
over fine roles. Baselines in the same run: *majority* (the training folds' most frequent
main role and its most frequent fine role) and *random* (a uniformly drawn main role and
one of its fine roles, seeded).

The pipeline also picks the mentions itself (the task gives them); that step is scored
apart as *centrality*: precision / recall / F1 of "this spaCy entity is one the annotators
gave a role to", over the entities of the held-out articles. Its threshold is the F1-best
on the out-of-fold probabilities (reported, and used by ``unspin train roles``).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.table import Table

from unspin.eval.semeval import ROLE_TAXONOMY, kfold
from unspin.train._corpus import lean_threads

if TYPE_CHECKING:
    from unspin.train.roles import RoleCorpus

__all__ = ["FOLDS", "cross_validate", "run", "score_roles"]

FOLDS = 5


def score_roles(gold: list[tuple[str, tuple[str, ...]]],
                pred: list[tuple[str, tuple[str, ...]]]) -> dict[str, float]:
    """EMR, main-role accuracy and fine-role micro P/R/F1 of ``(main, fine roles)`` pairs."""
    n = max(len(gold), 1)
    emr = sum(set(g[1]) == set(p[1]) for g, p in zip(gold, pred, strict=True)) / n
    acc = sum(g[0] == p[0] for g, p in zip(gold, pred, strict=True)) / n
    tp = sum(len(set(g[1]) & set(p[1])) for g, p in zip(gold, pred, strict=True))
    np_ = sum(len(set(p[1])) for p in pred)
    ng = sum(len(set(g[1])) for g in gold)
    prec = tp / np_ if np_ else 0.0
    rec = tp / ng if ng else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"emr": emr, "main_accuracy": acc, "micro_p": prec, "micro_r": rec, "micro_f1": f1}


def cross_validate(corpus: RoleCorpus, *, seed: int = 0, console: Console | None = None,
                   folds: int = FOLDS) -> dict[str, float]:
    from unspin.train.roles import fit

    t0 = time.perf_counter()
    docs = sorted(set(corpus.doc_of))
    parts = kfold(docs, folds, seed)
    fold_of = {d: k for k, p in enumerate(parts) for d in p}
    gold: list[tuple[str, tuple[str, ...]]] = []
    pred: list[tuple[str, tuple[str, ...]]] = []
    maj: list[tuple[str, tuple[str, ...]]] = []
    top_fine: str
    cand_p = np.zeros(len(corpus.cand_label))
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
    for th in (0.0, 0.05, 0.1, 0.15):
        res[f"coverage_at_{round(th * 100):02d}"] = _coverage(corpus, cand_p, th)
    res["central_positive_share"] = float(labels.mean()) if len(labels) else 0.0
    res["mentions"] = float(len(gold))
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return {k: round(float(v), 4) for k, v in res.items()}


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


def run(data: Path, *, split: str | None, console: Console) -> dict[str, float]:
    """Cross-validate on the English train set (``split`` must be None or ``train``)."""
    from unspin.errors import ConfigError
    from unspin.train.roles import load_role_corpus

    if split not in (None, "train"):
        raise ConfigError(f"only the train split is here (cross-validated); got {split!r}")
    corpus = load_role_corpus(data, console)
    with lean_threads():
        res = cross_validate(corpus, console=console)
    t = Table(title=f"SemEval-2025 T10 subtask 1, EN train, {FOLDS}-fold CV by article "
                    f"({int(res['mentions'])} mentions)")
    for col in ("system", "EMR (fine, official)", "main-role acc", "fine micro F1"):
        t.add_column(col, justify="right" if col != "system" else "left")
    for name, label in (("model", "unspin"), ("majority", "baseline: majority"),
                        ("random", "baseline: random")):
        t.add_row(label, f"{res[f'emr_{name}']:.3f}", f"{res[f'main_accuracy_{name}']:.3f}",
                  f"{res[f'micro_f1_{name}']:.3f}")
    console.print(t)
    console.print(
        f"centrality (which entities get a role): F1 {res['central_f1']:.3f} "
        f"(P {res['central_p']:.3f}, R {res['central_r']:.3f}) at threshold "
        f"{res['central_threshold']:.2f}; {res['central_positive_share']:.2f} of spaCy entities "
        f"are annotated; {res['coverage_end_to_end']:.3f} of annotated mentions get a role end "
        f"to end; {res['seconds']:.0f} s"
    )
    return res
