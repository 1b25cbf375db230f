"""Speakers' gender, measured on a batch output against a hand-judged list (issue 22).

    python bench/polnear_gender.py --out /tmp/dev_out \\
        --judged tests/data/polnear_dev_gender_judged.csv [--min-quotes 3]

``--judged`` is a CSV ``speaker,gender`` (``male``, ``female``, ``?`` for a person the
judge could not check, ``none`` for a speaker that is no person). Over the person-typed
canonical speakers of ``OUT/derived/speakers.parquet`` quoted at least ``--min-quotes``
times: **coverage** = those with a gender / all of them (and / those judged people);
**precision** = those whose gender is the judged one / those with a gender that the judge
could check (``none`` counts as wrong). Speakers missing from the list are reported.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


def gender_scores(out: Path, judged: Path, min_quotes: int = 3) -> dict[str, Any]:
    with judged.open(encoding="utf-8", newline="") as fh:
        truth = {r["speaker"]: r["gender"] for r in csv.DictReader(
            line for line in fh if not line.startswith("#"))}
    rows = [r for r in pq.read_table(out / "derived" / "speakers.parquet").to_pylist()
            if r["type"] == "person" and r["quotes"] >= min_quotes]
    given = [r for r in rows if r["gender"] != "unknown"]
    people = [r for r in rows if truth.get(r["speaker"]) != "none"]
    checkable = [r for r in given if truth.get(r["speaker"], "?") != "?"]
    right = [r for r in checkable if truth[r["speaker"]] == r["gender"]]
    return {
        "speakers": len(rows), "with_gender": len(given),
        "coverage": round(len(given) / len(rows), 4) if rows else 0.0,
        "coverage_of_people": round(sum(r["gender"] != "unknown" for r in people)
                                    / len(people), 4) if people else 0.0,
        "checkable": len(checkable), "correct": len(right),
        "precision": round(len(right) / len(checkable), 4) if checkable else 0.0,
        "wrong": sorted(f"{r['speaker']}: {r['gender']} (judged {truth[r['speaker']]})"
                        for r in checkable if r not in right),
        "not_judged": sorted(r["speaker"] for r in rows if r["speaker"] not in truth),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="the batch output folder")
    ap.add_argument("--judged", type=Path, required=True, help="CSV speaker,gender")
    ap.add_argument("--min-quotes", type=int, default=3)
    args = ap.parse_args(argv)
    print(json.dumps(gender_scores(args.out, args.judged, args.min_quotes), indent=2,
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
