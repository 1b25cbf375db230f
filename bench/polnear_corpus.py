"""Speaker merge and wire copies, measured on the PolNeAR crawl.

    python bench/polnear_crawl.py -o /tmp/polnear.jsonl
    unspin batch /tmp/polnear.jsonl -o /tmp/polnear_out -n 1
    python bench/polnear_corpus.py --out /tmp/polnear_out --crawl /tmp/polnear.jsonl \\
        [--pairs bench/polnear_speaker_pairs.csv] [--candidates /tmp/pairs_to_judge.csv]

**Speakers.** ``--pairs`` is a hand-checked list of name pairs (``name_a,name_b,same`` with
``same`` = ``yes``/``no``): two speaker names (as the actors stage wrote them) and whether
they are one real person or body. A pair is *predicted* the same when both names have one
canonical speaker in ``OUT/derived/speaker_actors.parquet``. Precision = correct merges /
predicted merges, recall = correct merges / pairs judged the same, over the listed pairs.
``--candidates FILE`` writes the pairs to judge (``same`` left empty): every name merged into
a canonical speaker paired with that canonical name, and every pair of canonical speakers
sharing a last word (the merges that might have been missed).

**Wire copies.** The crawl's ``wire`` field (metadata.tsv) marks wire stories. A wire
story's text *meets* another article's when at least half of the shorter text's word
5-grams are in the other (exact containment, computed here over every pair, independent of
MinHash). Reported: wire stories, those whose text meets another article, and how many of
those the batch's ``duplicates`` table puts in one cluster with such an article; and the
duplicate pairs overall whose texts do not meet (false copies).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq

_WORD = re.compile(r"\w+", re.UNICODE)
MEET = 0.5


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(text.casefold())
    return {" ".join(words[i:i + 5]) for i in range(max(len(words) - 4, 1))}


def _canon(out: Path) -> dict[str, str]:
    """Each actor name's canonical speaker (the most frequent one, where the actors stage
    gave one name several types)."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for r in pq.read_table(out / "derived" / "speaker_actors.parquet").to_pylist():
        votes[r["name"]][r["speaker"]] += 1
    return {name: c.most_common(1)[0][0] for name, c in votes.items()}


def candidates(out: Path, path: Path) -> int:
    speakers = pq.read_table(out / "derived" / "speakers.parquet").to_pylist()
    pairs: list[tuple[str, str]] = []
    for s in speakers:
        pairs.extend((a, s["speaker"]) for a in s["aliases"] if a != s["speaker"])
    by_last: dict[str, list[str]] = defaultdict(list)
    for s in speakers:
        words = _WORD.findall(s["speaker"].casefold())
        if words:
            by_last[words[-1]].append(s["speaker"])
    for names in by_last.values():
        pairs.extend(itertools.combinations(sorted(names), 2))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name_a", "name_b", "same"])
        writer.writerows([a, b, ""] for a, b in sorted(set(pairs)))
    return len(set(pairs))


def speaker_scores(out: Path, pairs: Path) -> dict[str, float | int]:
    canon = _canon(out)
    tp = fp = fn = tn = missing = 0
    with pairs.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["name_a"] not in canon or row["name_b"] not in canon:
                missing += 1
                continue
            predicted = canon[row["name_a"]] == canon[row["name_b"]]
            gold = row["same"].strip().lower() == "yes"
            tp += predicted and gold
            fp += predicted and not gold
            fn += gold and not predicted
            tn += not gold and not predicted
    return {"pairs": tp + fp + fn + tn, "same": tp + fn, "predicted_same": tp + fp,
            "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "names_not_in_output": missing}


def wire_scores(out: Path, crawl: Path) -> dict[str, float | int]:
    records = [json.loads(line) for line in crawl.open(encoding="utf-8") if line.strip()]
    sh = {r["id"]: _shingles(r["text"]) for r in records}
    wire = {r["id"] for r in records if r.get("wire")}
    dups = pq.read_table(out / "derived" / "duplicates.parquet").to_pylist()
    cluster = {r["article_id"]: r["duplicate_of"] for r in dups}
    for r in dups:
        cluster.setdefault(r["duplicate_of"], r["duplicate_of"])

    def meets(a: str, b: str) -> bool:
        small = min(len(sh[a]), len(sh[b]))
        return bool(small) and len(sh[a] & sh[b]) / small >= MEET

    ids = list(sh)
    partners = {w: [o for o in ids if o != w and meets(w, o)] for w in sorted(wire)}
    meeting = {w for w, ps in partners.items() if ps}
    found = {w for w in meeting
             if w in cluster and any(cluster.get(p) == cluster[w] for p in partners[w])}
    false_pairs = sum(1 for r in dups if not meets(r["article_id"], r["duplicate_of"]))
    return {"articles": len(records), "wire_stories": len(wire),
            "wire_texts_meeting_another": len(meeting), "found_as_copies": len(found),
            "duplicate_rows": len(dups), "duplicate_rows_whose_texts_do_not_meet": false_pairs,
            "duplicate_rows_with_a_wire_story": sum(
                1 for r in dups if r["article_id"] in wire or r["duplicate_of"] in wire)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="the batch output folder")
    ap.add_argument("--crawl", type=Path, required=True, help="the JSONL from polnear_crawl.py")
    ap.add_argument("--pairs", type=Path, help="hand-checked name pairs (CSV)")
    ap.add_argument("--candidates", type=Path, help="write the name pairs to judge here")
    args = ap.parse_args(argv)
    if not (args.out / "derived" / "meta.json").is_file():
        print(f"{args.out} has no derived tables; run `unspin batch` on it first",
              file=sys.stderr)
        return 2
    if args.candidates:
        print(f"{candidates(args.out, args.candidates)} pairs to judge -> {args.candidates}",
              file=sys.stderr)
    result: dict[str, object] = {"wire": wire_scores(args.out, args.crawl)}
    if args.pairs:
        result["speakers"] = speaker_scores(args.out, args.pairs)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
