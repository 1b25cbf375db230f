"""Issue 21's decisive experiment: LoRA fine-tunes of the small and the base encoder.

Both encoders go through ``unspin.train.encoder.run`` — the same PTC fit part, the same
epochs, the same token head (a linear layer on the states of two layers at two thirds and
five sixths of the depth), the same keep loss and schedule — and are scored on the same tune
part after every epoch by the token head alone: SI F1 with its precision and recall at the
best threshold of the grid, and TC on gold spans (the technique with the highest mean
probability over a span's pieces). Each run checkpoints every epoch under
``$UNSPIN_CACHE/encoder-checkpoint``, so a stopped experiment resumes with the same command.

    python bench/encoder_experiment.py --data ../shared/data/ptc --epochs 2 --models small,base
    python bench/encoder_experiment.py --attribution ../shared/data/polnear --limit 300

``--attribution`` trains the attribution tagger (``unspin.train.attribution.run``, the same
settings) on the states of each encoder instead, on PolNeAR train's first ``--limit``
articles (fit and tune cut as the trainer cuts them), and prints its best tune epoch's
exact F1 of content, source and cue (the tagger alone, decoded and grouped). Small reads
the encoder the stages ship (its PTC adapters merged); base is the frozen mpnet (it has no
adapters of its own yet) — so base's row is a lower bound for it.

``--teacher base --unlabeled DIR …`` compares the small encoder trained from gold alone with
the small encoder distilled from base (``unspin train encoder --teacher``), both with the
shipped recipe (``Settings()``: 4 epochs, keep loss 3; ``--epochs`` to change), in one run:

    python bench/encoder_experiment.py --data ../shared/data/ptc --teacher base --epochs 4 \
        --unlabeled ../shared/data/polnear --unlabeled ../shared/data/semeval2025-t10 \
        --unlabeled ../shared/data/article-extraction-benchmark

Writes each run's artifact to ``--out/MODEL`` (default a folder in the temp dir, never the
package) and prints the per-epoch table (markdown) that BENCHMARKS.md records.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/ptc"))
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--models", default="small,base")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--attribution", type=Path, default=None,
                    help="PolNeAR folder: run the attribution comparison instead")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--keep-weight", type=float, default=0.0,
                    help="the keep loss (0: off for both, the experiment's default; it only "
                         "guards the sentence embeddings that narratives read)")
    ap.add_argument("--teacher", default=None,
                    help="distil: compare small from gold with small distilled from this model")
    ap.add_argument("--unlabeled", type=Path, action="append", default=[],
                    help="with --teacher: a folder of unlabeled news (repeatable)")
    ap.add_argument("--student-keep", type=float, action="append", default=[],
                    help="with --teacher: also a distilled student with this keep-loss weight "
                         "(the shipped recipe's is 3; repeatable)")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "unspin-encoder-experiment")
    args = ap.parse_args()

    console = Console(stderr=True)
    if args.attribution is not None:
        attribution(args, console)
        return
    if args.teacher is not None:
        distillation(args, console)
        return

    from unspin.train.encoder import Settings, run

    settings = replace(Settings(), epochs=args.epochs, keep_weight=args.keep_weight)
    rows = []
    for model in [m.strip() for m in args.models.split(",") if m.strip()]:
        out = args.out / model
        meta_path = out / "meta.json"
        if not meta_path.is_file():
            t0 = time.perf_counter()
            run(args.data, out=out, seed=args.seed, console=console, settings=settings, model=model)
            console.print(f"{model}: {time.perf_counter() - t0:.0f} s")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for h in meta["history"]:
            rows.append((model, h))
    print("| encoder | epoch | tune SI F1 | SI P | SI R | threshold | TC on gold spans | epoch s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for model, h in rows:
        print(f"| {model} | {h['epoch']} | {h['tune_si_f1_token_head']:.4f} | {h['tune_si_p']:.4f} | "
              f"{h['tune_si_r']:.4f} | {h['threshold']} | {h['tune_tc_acc_token_head']:.4f} | "
              f"{h['seconds']:.0f} |")
    print(f"\nthreads: torch {os.environ.get('OMP_NUM_THREADS', 'default')}")


def distillation(args: argparse.Namespace, console: Console) -> None:
    from unspin.train.encoder import Settings, run

    settings = replace(Settings(), epochs=args.epochs)
    rows = []
    students: list[tuple[str, str | None, float | None]] = [
        ("small from gold", None, None), (f"small from gold + {args.teacher}", args.teacher, None)]
    students += [(f"small from gold + {args.teacher}, keep {k:g}", args.teacher, k)
                 for k in args.student_keep]
    for name, teacher, keep in students:
        out = args.out / ("small-gold" if teacher is None else f"small-from-{teacher}")
        if keep is not None:
            out = out.with_name(f"{out.name}-keep{keep:g}")
        if not (out / "meta.json").is_file():
            t0 = time.perf_counter()
            run(args.data, out=out, seed=args.seed, console=console,
                settings=settings if keep is None else replace(settings, keep_weight=keep),
                model="small", teacher=teacher, unlabeled=args.unlabeled if teacher else ())
            console.print(f"{name}: {time.perf_counter() - t0:.0f} s")
        meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
        rows.extend((name, h) for h in meta["history"])
        if teacher is not None:
            d = meta["distillation"]
            console.print(f"unlabeled: {d['unlabeled_sentences']} sentences "
                          f"{d['unlabeled_by_source']}; teacher pass {d['teacher_seconds']} s")
    print("| student | epoch | tune SI F1 | SI P | SI R | threshold | TC on gold spans | epoch s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, h in rows:
        print(f"| {name} | {h['epoch']} | {h['tune_si_f1_token_head']:.4f} | {h['tune_si_p']:.4f} | "
              f"{h['tune_si_r']:.4f} | {h['threshold']} | {h['tune_tc_acc_token_head']:.4f} | "
              f"{h['seconds']:.0f} |")


def attribution(args: argparse.Namespace, console: Console) -> None:
    from unspin.encoder import MODEL_ENV, encoder_id
    from unspin.train.attribution import run

    rows = []
    for model in [m.strip() for m in args.models.split(",") if m.strip()]:
        os.environ[MODEL_ENV] = model
        out = args.out / f"attribution-{model}-{args.limit}"
        if not (out / "meta.json").is_file():
            t0 = time.perf_counter()
            run(args.attribution, out=out, seed=args.seed, console=console, limit=args.limit)
            console.print(f"{model}: {time.perf_counter() - t0:.0f} s")
        meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
        rows.append((model, encoder_id(), meta))
    print("| encoder (states read) | best epoch | tune exact F1 content | source | cue | fit / tune articles |")
    print("|---|---:|---:|---:|---:|---:|")
    for model, enc, meta in rows:
        best = max(meta["history"], key=lambda h: h["tune_mean"])
        print(f"| {model} ({enc}) | {best['epoch']} | {best['tune_exact_f1_content']:.4f} | "
              f"{best['tune_exact_f1_source']:.4f} | {best['tune_exact_f1_cue']:.4f} | "
              f"{meta['data']['fit']} / {meta['data']['tune']} |")


if __name__ == "__main__":
    main()
