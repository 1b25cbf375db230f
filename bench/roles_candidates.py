"""Roles: which entities get a role, before and after issue 21, in one run.

Cross-validates ``unspin.train.roles`` (5 folds by article, SemEval-2025 T10 EN) twice on
the same corpus: centrality on the counts alone with at most 8 roles an article (the model
before issue 21), and centrality that also reads each candidate's embedding in context
with at most ``MAX_ROLES`` (as shipped). Prints centrality P / R / F1 at the F1-best
threshold, coverage (annotated mentions a reported entity reaches) at that threshold and
at any threshold, and main-role accuracy and EMR end to end over every annotated mention.

    python bench/roles_candidates.py --data ../shared/data/semeval2025-t10
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from unittest import mock


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/semeval2025-t10"))
    args = ap.parse_args()

    import unspin.pipeline.roles as stage
    import unspin.train.roles as train
    from unspin.train._corpus import lean_threads

    corpus = train.load_role_corpus(args.data)
    counts_only = replace(corpus, cand_feats=corpus.cand_feats[:, :stage.N_COUNT_FEATURES])
    rows = []
    with lean_threads():
        with mock.patch.object(stage, "MAX_ROLES", 8), mock.patch.object(train, "C_CENTRAL", 1.0):
            rows.append(("counts only, at most 8 roles (before)", train.cross_validate(counts_only)))
        rows.append((f"counts + candidate embedding, at most {stage.MAX_ROLES} (shipped)",
                     train.cross_validate(corpus)))
    print("| centrality | P | R | F1 | threshold | coverage at it | at any threshold | "
          "main-role acc. end to end | EMR end to end | main-role acc. (given mentions) | EMR (given) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['central_p']:.3f} | {r['central_r']:.3f} | {r['central_f1']:.3f} | "
              f"{r['central_threshold']:.2f} | {r['coverage_end_to_end']:.3f} | {r['coverage_at_00']:.3f} | "
              f"{r['main_accuracy_end_to_end']:.3f} | {r['emr_end_to_end']:.3f} | "
              f"{r['main_accuracy_model']:.3f} | {r['emr_model']:.3f} |")


if __name__ == "__main__":
    main()
