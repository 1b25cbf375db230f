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

from pathlib import Path

from rich.console import Console
from rich.table import Table

from unspin.corpora.semeval import score_roles
from unspin.train._corpus import lean_threads
from unspin.train.roles import FOLDS, cross_validate

__all__ = ["FOLDS", "cross_validate", "run", "score_roles"]


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
        f"to end ({res['coverage_at_00']:.3f} at any threshold); {res['seconds']:.0f} s"
    )
    if "main_accuracy_end_to_end" in res:
        console.print(
            f"end to end, over every annotated mention (a reported entity reaches it and its "
            f"role is right): main-role accuracy {res['main_accuracy_end_to_end']:.3f}, "
            f"EMR {res['emr_end_to_end']:.3f}")
    return res
