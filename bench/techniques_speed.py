"""Speed of the techniques model (frozen MiniLM, layers 1-4, + the two heads) on 2 threads.

    python bench/techniques_speed.py [--data ../shared/data/ptc] [--sentences 600] [--reps 3]

What is timed: ``MiniLMTechniquePredictor.predict`` — tokenizer, encoder, tagger, span
classifier — on whole PTC articles (ids in sorted order, the held-out ``dev`` split) until
``--sentences`` lines are taken, one call per article, as the stage makes one call per
document. Each pass is timed in wall seconds and in process CPU seconds
(``time.process_time``, all threads). The best pass counts (the least disturbed). On a shared
machine wall time measures the neighbours too; ``CPU s / 2`` is what the same work takes on
two idle cores when both threads are kept busy (an estimate, since two threads never scale
perfectly). The encoder alone is timed the same way, for the share the heads take.
"""

from __future__ import annotations

import argparse
import os
import time
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

    import torch

    torch.set_num_threads(args.threads)
    from unspin.eval.ptc import read_articles
    from unspin.pipeline._techniques.features import encode
    from unspin.pipeline._techniques.model import MiniLMTechniquePredictor

    docs: list[list[str]] = []
    total = 0
    for art in read_articles(args.data, "dev"):
        docs.append([s.text for s in art.sentences()])
        total += len(docs[-1])
        if total >= args.sentences:
            break
    model = MiniLMTechniquePredictor.load()
    model.predict(docs[0])  # warm up

    def best(fn: object) -> tuple[float, float]:
        walls, cpus = [], []
        for _ in range(args.reps):
            w0, c0 = time.perf_counter(), time.process_time()
            for d in docs:
                fn(d)  # type: ignore[operator]
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        return min(walls), min(cpus)

    wall, cpu = best(model.predict)
    ewall, ecpu = best(encode)
    spans = sum(len(f) for d in docs for f in model.predict(d))
    print(f"{total} sentences in {len(docs)} documents ({sum(map(len, (s for d in docs for s in d))) / total:.0f} "
          f"characters a sentence), {args.threads} threads, best of {args.reps}; "
          f"{spans} technique labels found")
    print(f"{'':<22}{'wall s':>8}{'sent/s':>9}{'CPU s':>8}{'sent/s at CPU s/2':>20}")
    for name, w, c in (("predict (all)", wall, cpu), ("encoder alone", ewall, ecpu)):
        print(f"{name:<22}{w:>8.2f}{total / w:>9.1f}{c:>8.2f}{total / (c / args.threads):>20.1f}")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
