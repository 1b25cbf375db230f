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

from pathlib import Path

from rich.console import Console
from rich.table import Table

from unspin.train._corpus import lean_threads
from unspin.train.narratives import FOLDS, cross_validate

__all__ = ["FOLDS", "cross_validate", "run"]


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
