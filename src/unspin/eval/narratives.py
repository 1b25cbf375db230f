"""``unspin eval narratives``: SemEval-2025 Task 10 subtask 2 (narratives) by 5-fold cross-validation.

Held-out scheme: the 200 English train articles are shuffled with the seed (0) and cut into
:data:`FOLDS` folds; each fold is predicted by a model fitted on the other four, whose
thresholds come from an inner cross-validation on those four only
(:func:`unspin.train.narratives.fit_with_thresholds`). The gate's off-topic articles are
split into the same number of folds, so the gate is also scored on articles it never saw.

Metrics (official): samples-averaged F1 over the fine labels (subnarratives, ``Other`` and
``<narrative>: Other`` included) and over the coarse labels (narratives), as in the task's
scorer. Rows: the model with the domain decided by its own gate (what the pipeline does),
the model with the domain given (the task's setting, where the id tells it), and the
baselines: *majority* (every article gets the training folds' most frequent label: ``Other``)
and *random* (1–3 fine labels drawn uniformly from the taxonomy, seeded; coarse = their
parents). The gate's rows: accuracy on task articles (URW / CC) and on off-topic ones
(*none*).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from unspin.eval.semeval import OTHER, kfold
from unspin.train._corpus import lean_threads

if TYPE_CHECKING:
    from unspin.train.narratives import Corpus

__all__ = ["FOLDS", "cross_validate", "run"]

FOLDS = 5


def cross_validate(corpus: Corpus, *, seed: int = 0, console: Console | None = None,
                   folds: int = FOLDS, shares: Sequence[float] | None = None) -> dict[str, float]:
    """Out-of-fold predictions for every article; the headline figures (see module doc).

    ``shares``: the "Other" shares the thresholds are chosen to hold under (default
    :data:`unspin.train.narratives.OTHER_SHARES`; ``()``: the training share only)."""
    from unspin.eval.semeval import sample_f1
    from unspin.pipeline.narratives import gate_decision
    from unspin.train.narratives import (
        OTHER_SHARES,
        fit_with_thresholds,
        score_predictions,
        share_weighted_f1,
    )

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


def _table(res: dict[str, float]) -> Table:
    t = Table(title=f"SemEval-2025 T10 subtask 2, EN train, {FOLDS}-fold CV (samples F1)")
    t.add_column("system")
    t.add_column("F1 fine (subnarratives)", justify="right")
    t.add_column("F1 coarse (narratives)", justify="right")
    for name, label in (("model", "unspin (own domain gate)"),
                        ("model_domain_given", "unspin (domain given)"),
                        ("majority", "baseline: majority (Other)"),
                        ("random", "baseline: random")):
        t.add_row(label, f"{res[f'f1_fine_{name}']:.3f}", f"{res[f'f1_coarse_{name}']:.3f}")
    return t


def run(data: Path, *, split: str | None, console: Console) -> dict[str, float]:
    """Cross-validate on the English train set (``split`` must be None or ``train``)."""
    from unspin.errors import ConfigError
    from unspin.train.narratives import load_corpus

    if split not in (None, "train"):
        raise ConfigError(f"only the train split is here (cross-validated); got {split!r}")
    corpus = load_corpus(data, console)
    with lean_threads():
        res = cross_validate(corpus, console=console)
    console.print(_table(res))
    console.print(
        f"domain gate: {res['gate_accuracy_task']:.3f} of task articles get their domain, "
        f"{res['gate_accuracy_off_topic']:.3f} of off-topic articles get 'none'; "
        f"'Other' predicted for {res['predicted_other_share']:.2f} of articles "
        f"(gold {res['gold_other_share']:.2f}); {res['predicted_labels_per_article']:.2f} "
        f"fine labels per article (gold {res['gold_labels_per_article']:.2f}); {res['seconds']:.0f} s"
    )
    console.print(
        "samples-F1 fine had 25% / 75% of articles been 'Other': unspin "
        f"{res['f1_fine_model_other25']:.3f} / {res['f1_fine_model_other75']:.3f}, majority "
        f"{res['f1_fine_majority_other25']:.3f} / {res['f1_fine_majority_other75']:.3f}")
    return res
