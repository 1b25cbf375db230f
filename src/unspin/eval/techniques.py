"""``unspin eval techniques``: SemEval-2020 Task 11 metrics on the project's PTC held-out split.

Held-out set: the ``dev`` articles of :func:`unspin.corpora.ptc.split_of` (a fixed 20 % of PTC
train chosen by a salted hash of the article id; 74 articles, 1,324 spans). The shipped
model never sees them in training.

Metrics (as defined in ``../shared/data/README.md`` and the task's paper):

* **SI** — span-overlap F1. Within an article, overlapping spans are first merged (on both
  sides: gold spans overlap when several techniques share text). Precision =
  Σ over predicted spans *s* of Σ over gold spans *t* of |s ∩ t| / |s|, divided by the
  number of predicted spans; recall the same with the roles swapped; F1 from the two,
  all pooled over the articles.
* **TC** — given the gold spans, predict each span's technique. A span that carries *k*
  gold techniques gets the model's *k* most probable ones; a prediction is correct when
  it matches a gold technique of that span not yet matched. Micro-F1 = correct / spans
  (precision = recall, since every gold span gets exactly as many labels as it has).
  Per-technique P/R/F1 from the same matching.
* **Offset misses** — spans are built from the tokenizer's offset map, so they are exact
  wherever a character belongs to some word piece; the run counts the non-space characters
  that belong to none (e.g. characters the tokenizer drops), which no span can start or end on.

Baselines in the same run: every span labelled *Loaded_Language* (TC), and a logistic
regression on the span's length alone (log characters; trained on the train split).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from unspin.corpora.ptc import (
    Article,
    Spans,
    read_articles,
    si_scores,
    tc_groups,
    tc_scores,
)

__all__ = ["evaluate", "record_dev", "run"]

def _uncovered(text: str, offsets: np.ndarray) -> int:
    """Non-space characters of ``text`` that no word piece's ``[start, end)`` covers."""
    covered = np.zeros(len(text), dtype=bool)
    for a, b in offsets:
        covered[a:b] = True
    return sum(1 for i, c in enumerate(text) if not covered[i] and not c.isspace())


def _top(probs: np.ndarray, labels: Sequence[str], k: int) -> list[str]:
    return [labels[int(i)] for i in np.argsort(-probs)[:k]]


def evaluate(data: Path, articles: list[Article], console: Console,
             model_dir: Path | None = None, precision: str = "auto",
             model: str | None = None) -> dict[str, float]:
    """Score the model (shipped for ``model``'s encoder, or the one in ``model_dir``, read
    on the encoder it was trained on) on ``articles``; print tables.

    The encoder runs at ``precision`` (default ``auto``: what ``unspin analyze`` uses on this
    machine; ``$UNSPIN_ENCODER_PRECISION`` overrides it, see :mod:`unspin.encoder`)."""
    from sklearn.linear_model import LogisticRegression

    from unspin.encoder import resolve_precision
    from unspin.pipeline._techniques.features import feature_cache
    from unspin.pipeline._techniques.model import (
        LABELS,
        MiniLMTechniquePredictor,
        document_span_rows,
    )

    t0 = time.perf_counter()
    predictor = MiniLMTechniquePredictor.load(model_dir, model=model)
    sents = [a.sentences() for a in articles]
    resolved = resolve_precision(None if precision == "auto" else precision)
    cache = feature_cache([[s.text for s in ss] for ss in sents], precision=resolved,
                          model=predictor.model)
    t_enc = time.perf_counter() - t0
    pairs: list[tuple[Spans, Spans]] = []
    gold_groups: list[list[str]] = []
    pred_groups: list[list[str]] = []
    ll_groups: list[list[str]] = []
    lengths: list[int] = []
    miss_chars = miss_sents = 0
    row = 0
    for art, ss in zip(articles, sents, strict=True):
        encoded = [cache.get(row + i) for i in range(len(ss))]
        row += len(ss)
        enc32 = [(o, np.asarray(s, dtype=np.float32)) for o, s in encoded]
        texts = [s.text for s in ss]
        starts = [s.start for s in ss]
        for text, (offs, _) in zip(texts, encoded, strict=True):
            missed = _uncovered(text, offs)
            miss_chars += missed
            miss_sents += missed > 0
        found = predictor.predict_encoded(texts, enc32)
        pred = [(s.start + f.start, s.start + f.end) for s, fs in zip(ss, found, strict=True)
                for f in fs]
        pairs.append((pred, [(g.start, g.end) for g in art.spans]))
        groups = tc_groups(art)
        probs = predictor.classify(document_span_rows(texts, starts, enc32,
                                                  [(s, e) for s, e, _ in groups],
                                                  predictor.span_head))
        for (s, e, g), p in zip(groups, probs, strict=True):
            gold_groups.append(g)
            pred_groups.append(_top(p, LABELS, len(g)))
            ll_groups.append(["Loaded_Language"] * len(g))
            lengths.append(e - s)
    si_p, si_r, si_f = si_scores(pairs)
    tc_f, per = tc_scores(gold_groups, pred_groups)
    ll_f, _ = tc_scores(gold_groups, ll_groups)

    # Length-only logistic regression, fitted on the train split.
    train = read_articles(data, "train")
    xs: list[float] = []
    ys: list[str] = []
    for art in train:
        for s, e, g in tc_groups(art):
            for label in g:
                xs.append(float(np.log1p(e - s)))
                ys.append(label)
    lr = LogisticRegression(max_iter=1000)
    lr.fit(np.asarray(xs).reshape(-1, 1), ys)
    lp = lr.predict_proba(np.log1p(np.asarray(lengths, dtype=np.float64)).reshape(-1, 1))
    len_groups = [_top(p, list(lr.classes_), len(g)) for p, g in zip(lp, gold_groups, strict=True)]
    len_f, _ = tc_scores(gold_groups, len_groups)
    elapsed = time.perf_counter() - t0

    table = Table(title=f"PTC held-out ({len(articles)} articles, "
                        f"{sum(len(g) for g in gold_groups)} gold technique spans; "
                        f"encoder in {resolved})")
    for col in ("task", "system", "P", "R", "F1", "SemEval-2020 best (test)"):
        table.add_column(col, justify="right" if col in ("P", "R", "F1") else "left")
    table.add_row("SI", predictor.name, f"{si_p:.4f}", f"{si_r:.4f}", f"{si_f:.4f}", "0.5155 (Hitachi)")
    table.add_row("TC", predictor.name, "", "", f"{tc_f:.4f}", "0.6207 (ApplicaAI)")
    table.add_row("TC", "baseline: all Loaded_Language", "", "", f"{ll_f:.4f}", "")
    table.add_row("TC", "baseline: length-only logistic regression", "", "", f"{len_f:.4f}", "")
    console.print(table)
    per_table = Table(title="TC per technique (given gold spans)")
    for col in ("technique", "P", "R", "F1", "gold"):
        per_table.add_column(col, justify="left" if col == "technique" else "right")
    for label, (p, r, f, n) in sorted(per.items(), key=lambda kv: -kv[1][3]):
        per_table.add_row(label, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", str(n))
    console.print(per_table)
    n_sents = sum(len(ss) for ss in sents)
    console.print(f"Offset misses: {miss_chars} non-space characters in {miss_sents} of "
                  f"{n_sents} sentences fall in no word piece of the tokenizer's offset map.")
    console.print(f"[dim]{len(articles)} articles in {elapsed:.0f} s "
                  f"(encoder features {t_enc:.0f} s, cached under $UNSPIN_CACHE or the temp dir)")
    figures = {
        "si_precision": si_p, "si_recall": si_r, "si_f1": si_f, "tc_micro_f1": tc_f,
        "tc_f1_all_loaded_language": ll_f, "tc_f1_length_lr": len_f,
        "articles": float(len(articles)), "gold_spans": float(sum(len(g) for g in gold_groups)),
        "offset_miss_chars": float(miss_chars), "offset_miss_sentences": float(miss_sents),
    }
    for label, (_, _, f, _) in per.items():
        figures[f"tc_f1[{label}]"] = f
    return {k: round(v, 4) for k, v in figures.items()}


def record_dev(data: Path, model_dir: Path, console: Console,
               model: str | None = None) -> dict[str, float]:
    """Score a freshly trained artifact on the held-out dev split and add the figures to
    its ``meta.json`` (``metrics.dev``); what ``unspin train techniques`` runs after training."""
    import json

    console.print("scoring the held-out dev split")
    figures = evaluate(data, read_articles(data, "dev"), console, model_dir=model_dir,
                       precision="fp32", model=model)
    meta_path = model_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.setdefault("metrics", {})["dev"] = figures
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return figures


def run(data: Path, *, split: str | None, console: Console) -> dict[str, float]:
    """Evaluate the shipped model on ``split`` of PTC (default ``dev``, the held-out part)."""
    return evaluate(data, read_articles(data, split or "dev"), console)
