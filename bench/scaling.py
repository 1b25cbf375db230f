"""How each stage's time grows with the text: milliseconds per sentence, per stage.

    python bench/scaling.py                                   # 250 ... 4,000 sentences
    python bench/scaling.py --sizes 250,1000 --shapes transcript --stages actors,quotes

Two shapes of text, both generated here (no corpus needed):

* ``transcript``: ``"Item N is fine," he said.`` one a line, the shape of debate
  transcripts and live blogs that made the quotes, techniques and roles stages quadratic
  (issue 24);
* ``article``: ordinary news prose in paragraphs of four sentences, a named speaker and
  a quote now and then.

Each size is analysed ``--reps`` times with the chosen stages (default: every stage) after
a warm-up analysis (models loaded, caches filled); the least of the repetitions counts.
What is printed, per shape and stage, is CPU milliseconds per sentence at each size and
the ratio of the cost per sentence at each size to the cost at the smallest size, the
figure the issue asks to stay within 1.5 at 4,000. CPU, not wall time: on a shared machine
wall time measures the neighbours too, so the analyzer's stage clock (``report.timings``)
is pointed at ``time.process_time`` (this process, all threads) for the run. A ratio
measures growth, not speed, so it compares across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_NAMES = ("Ilse Brandt", "Tomas Ferreira", "Mara Lindqvist", "Ana Ruiz", "Jon Okafor")
_SUBJECTS = ("The council", "The union", "Residents", "The minister", "Local traders",
             "The committee", "Engineers", "The board")
_VERBS = ("discussed", "questioned", "defended", "reviewed", "criticised", "welcomed")
_OBJECTS = ("the new budget", "the water plan", "the school reform", "the rail timetable",
            "the housing survey", "the harbour lease")
_TAILS = ("on Monday evening", "after a long debate", "in a short statement",
          "before the vote", "during a public hearing", "at the town hall")


def transcript(sentences: int) -> str:
    """``"Item N is fine," he said.`` ``sentences`` times, one a line, under a title."""
    return "Hearing transcript\n\n" + "\n".join(
        f'"Item {n} is fine," he said.' for n in range(1, sentences + 1))


def article(sentences: int) -> str:
    """News prose: paragraphs of four sentences, every fourth paragraph opening with a
    quote by a named speaker."""
    paragraphs, n = [], 0
    while n < sentences:
        k = len(paragraphs)
        para = []
        if k % 4 == 0:
            name = _NAMES[k % len(_NAMES)]
            para.append(f'"We expect {_OBJECTS[k % 6]} to pass by spring," said {name}.')
        while len(para) < 4:
            i = n + len(para)
            para.append(f"{_SUBJECTS[i % 8]} {_VERBS[i % 6]} {_OBJECTS[(i // 3) % 6]} "
                        f"{_TAILS[(i // 5) % 6]}, and item {i} was settled.")
        paragraphs.append(" ".join(para))
        n += len(para)
    return "Council report\n\n" + "\n\n".join(paragraphs)


SHAPES = {"transcript": transcript, "article": article}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250,500,1000,2000,4000",
                    help="sentence counts, smallest first (the baseline)")
    ap.add_argument("--shapes", default="transcript,article")
    ap.add_argument("--stages", default=None, help="comma-separated (default: all)")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from unspin.analyzer import Analyzer
    from unspin.options import Options, parse_stages

    # The stage clock reads CPU time (see the docstring): the analyzer and the encoder pass
    # time themselves with time.perf_counter, so that is what this process's clock becomes.
    # Wall time here is time.monotonic.
    time.perf_counter = time.process_time

    sizes = [int(s) for s in args.sizes.split(",")]
    analyzer = Analyzer(Options(stages=parse_stages(args.stages), max_bytes=64 * 2**20))
    analyzer.analyze(article(sizes[0]))  # warm-up: every model loaded once
    results: dict[str, dict[int, dict[str, float]]] = {}
    shapes = args.shapes.split(",")
    for _ in range(args.reps):  # repetitions interleaved: each size meets the same neighbours
        for shape in shapes:
            for n in sizes:
                text = SHAPES[shape](n)
                w0, c0 = time.monotonic(), time.process_time()
                report = analyzer.analyze(text)
                wall, cpu = time.monotonic() - w0, time.process_time() - c0
                got = len(report.sentences)
                per = {stage: ms / got for stage, ms in report.timings.items()
                       if stage not in ("ingest",)}
                per["total"] = cpu * 1000 / got
                best = results.setdefault(shape, {}).setdefault(n, per)
                for k, v in per.items():
                    best[k] = min(v, best.get(k, v))
                print(f"{shape} {n}: {got} sentences, {len(report.quotes)} quotes, "
                      f"{wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    print()
    for shape, by_size in results.items():
        base = sizes[0]
        stages = list(by_size[base])
        print(f"## {shape}: CPU ms per sentence (ratio to {base} sentences)")
        print("| stage | " + " | ".join(str(n) for n in sizes) + " |")
        print("|---|" + "---:|" * len(sizes))
        for stage in stages:
            cells = []
            for n in sizes:
                v, b = by_size[n].get(stage, 0.0), by_size[base].get(stage, 0.0)
                ratio = f" ({v / b:.2f}×)" if b > 0.005 and n != base else ""
                cells.append(f"{v:.3f}{ratio}")
            print(f"| {stage} | " + " | ".join(cells) + " |")
        print()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
