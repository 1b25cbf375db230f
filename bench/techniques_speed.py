"""Speed of the techniques model (frozen MiniLM, layers 1-4, + the two heads) on 2 threads.

    python bench/techniques_speed.py [--data ../shared/data/ptc] [--sentences 600] [--reps 3]

What is timed: ``MiniLMTechniquePredictor.predict`` — tokenizer, encoder, tagger, span
classifier — on whole PTC articles (ids in sorted order, the held-out ``dev`` split) until
``--sentences`` lines are taken, one call per article, as the stage makes one call per
document; once with the encoder in float32 and once in bfloat16, passes interleaved so both
see the same neighbours. Each pass is timed in wall seconds and in process CPU seconds
(``time.process_time``, all threads); the best pass counts (the least disturbed). On a
shared machine wall time measures the neighbours too; ``CPU s / threads`` is what the same
work takes on idle cores when every thread is kept busy (an estimate). The encoder alone is
timed the same way, for the share the heads take. It also prints how close the bfloat16 token
states are to float32 ones (cosine per word piece) and how many technique labels change.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/ptc"))
    ap.add_argument("--sentences", type=int, default=600)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from unspin.corpora.ptc import read_articles
    from unspin.encoder import native_bf16, resolve_precision
    from unspin.pipeline._techniques.features import encode
    from unspin.pipeline._techniques.model import MiniLMTechniquePredictor

    docs: list[list[str]] = []
    total = 0
    for art in read_articles(args.data, "dev"):
        docs.append([s.text for s in art.sentences()])
        total += len(docs[-1])
        if total >= args.sentences:
            break
    precisions = ("fp32", "bf16")
    models = {p: MiniLMTechniquePredictor.load(precision=p) for p in precisions}
    runs: dict[str, Callable[[list[str]], object]] = {}
    for p in precisions:
        runs[f"predict (all), {p}"] = models[p].predict
        runs[f"encoder alone, {p}"] = lambda d, p=p: encode(d, precision=p)
    for fn in runs.values():
        fn(docs[0])  # warm up
    walls: dict[str, list[float]] = {k: [] for k in runs}
    cpus: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.reps):
        for name, fn in runs.items():
            w0, c0 = time.perf_counter(), time.process_time()
            for d in docs:
                fn(d)
            walls[name].append(time.perf_counter() - w0)
            cpus[name].append(time.process_time() - c0)

    found = {p: [f for d in docs for fs in models[p].predict(d) for f in fs] for p in precisions}
    a = np.concatenate([s for d in docs for _, s in encode(d, precision="fp32")])
    b = np.concatenate([s for d in docs for _, s in encode(d, precision="bf16")])
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    key = {p: {(f.start, f.end, f.technique) for f in found[p]} for p in precisions}
    print(f"{total} sentences in {len(docs)} documents "
          f"({sum(map(len, (s for d in docs for s in d))) / total:.0f} characters a sentence), "
          f"{args.threads} threads, best of {args.reps}; CPU has native bfloat16: {native_bf16()} "
          f"(auto = {resolve_precision('auto')})")
    print(f"{'':<26}{'wall s':>8}{'sent/s':>9}{'CPU s':>8}{'sent/s at CPU s/threads':>25}")
    for name in runs:
        w, c = min(walls[name]), min(cpus[name])
        print(f"{name:<26}{w:>8.2f}{total / w:>9.1f}{c:>8.2f}{total / (c / args.threads):>25.1f}")
    ratio = min(walls["predict (all), fp32"]) / min(walls["predict (all), bf16"])
    print(f"bf16 / fp32 speed (predict, wall): {ratio:.2f}x")
    print(f"token states bf16 vs fp32: cosine mean {cos.mean():.5f}, min {cos.min():.5f}; "
          f"technique labels fp32 {len(key['fp32'])}, bf16 {len(key['bf16'])}, "
          f"in both {len(key['fp32'] & key['bf16'])}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
