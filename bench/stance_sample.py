"""Print a stratified sample of quotes' reporting verbs with their stance, to judge by hand.

    python bench/stance_sample.py --out /tmp/dev_out [--seed 22] [--per neutral=20,distancing=15,endorsing=15]

One line per sampled quote: a number, the stance given, the cue as written and the
sentence around it (from the batch's own tables; nothing is written)."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pyarrow.parquet as pq


def sample(out: Path, per: dict[str, int], seed: int) -> list[dict[str, object]]:
    texts: dict[str, str] = {}
    quotes: list[dict[str, object]] = []
    for path in sorted((out / "shards").glob("part-*/articles.parquet")):
        for r in pq.read_table(path, columns=["id", "text"]).to_pylist():
            texts[r["id"]] = r["text"]
    for path in sorted((out / "shards").glob("part-*/quotes.parquet")):
        quotes += pq.read_table(path, columns=["article_id", "id", "cue_start", "cue_end",
                                               "cue_stance"]).to_pylist()
    rng = random.Random(seed)
    picked: list[dict[str, object]] = []
    seen: set[tuple[str, int]] = set()
    for stance, n in per.items():
        pool = [q for q in quotes if q["cue_stance"] == stance and q["cue_start"] is not None]
        # one item per cue: fragments of one attribution share it
        unique = {(str(q["article_id"]), int(q["cue_start"])): q for q in pool}  # type: ignore[call-overload]
        keys = sorted(k for k in unique if k not in seen)
        for key in rng.sample(keys, min(n, len(keys))):
            seen.add(key)
            q = unique[key]
            text = texts[str(q["article_id"])]
            a, b = int(q["cue_start"]), int(q["cue_end"])  # type: ignore[call-overload]
            picked.append({"stance": stance, "cue": text[a:b],
                           "context": " ".join(text[max(0, a - 140):b + 80].split())})
    return picked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--per", default="neutral=20,distancing=15,endorsing=15")
    args = ap.parse_args(argv)
    per = {k: int(v) for k, v in (item.split("=") for item in args.per.split(","))}
    for n, item in enumerate(sample(args.out, per, args.seed), start=1):
        print(f"{n}\t{item['stance']}\t{item['cue']!r}\t{item['context']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
