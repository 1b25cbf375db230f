"""Print a sample of repeated-quote occurrences beside their cluster's first appearance, to
judge by hand.

    python bench/quote_copies_sample.py --out /tmp/polnear_out [--n 50] [--seed 22]

One block per sampled occurrence (never a cluster's first, which is compared with itself):
its cluster, whether ``altered``, its similarity, its words, and the first appearance's
words (from the batch's own tables; nothing is written). Also prints the table's totals."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import pyarrow.parquet as pq


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--seed", type=int, default=22)
    args = ap.parse_args(argv)
    copies = pq.read_table(args.out / "derived" / "quote_copies.parquet").to_pylist()
    texts: dict[str, str] = {}
    for path in sorted((args.out / "shards").glob("part-*/articles.parquet")):
        for r in pq.read_table(path, columns=["id", "text"]).to_pylist():
            texts[r["id"]] = r["text"]
    spans: dict[tuple[str, str], tuple[int, int]] = {}
    for path in sorted((args.out / "shards").glob("part-*/quotes.parquet")):
        for r in pq.read_table(path, columns=["article_id", "id", "content_start",
                                              "content_end"]).to_pylist():
            spans[(r["article_id"], r["id"])] = (r["content_start"], r["content_end"])

    def words(row: dict[str, object]) -> str:
        a, b = spans[(str(row["article_id"]), str(row["quote_id"]))]
        return " ".join(texts[str(row["article_id"])][a:b].split())

    first = {r["cluster"]: r for r in copies if r["first"]}
    others = [r for r in copies if not r["first"]]
    print(f"{len(copies)} rows, {len(first)} clusters, {len(others)} later occurrences, "
          f"{sum(r['altered'] for r in others)} altered, "
          f"{sum(1 for r in others if r['outlet'] != first[r['cluster']]['outlet'])} "
          "in another outlet than the first")
    for n, r in enumerate(random.Random(args.seed).sample(others, min(args.n, len(others))), 1):
        f = first[r["cluster"]]
        print(f"\n{n}. cluster {r['cluster']} altered={r['altered']} "
              f"similarity={r['similarity']} {r['outlet']} / first {f['outlet']}"
              f"{' (same article)' if r['article_id'] == f['article_id'] else ''}\n"
              f"   this:  {words(r)[:220]}\n   first: {words(f)[:220]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
