"""Speaker merge and wire copies, measured on the PolNeAR crawl.

    python bench/polnear_crawl.py -o /tmp/polnear.jsonl
    unspin batch /tmp/polnear.jsonl -o /tmp/polnear_out -n 1
    python bench/polnear_corpus.py --out /tmp/polnear_out --crawl /tmp/polnear.jsonl \\
        [--judged bench/polnear_speakers_judged.csv] [--to-judge /tmp/names.csv]

**Speakers.** ``--judged`` is a hand-judged list of speaker names (``name,identity``):
names as the actors stage wrote them, each with the person it refers to (a name that is no
resolvable person gets an identity of its own). Each name's canonical speaker is read from
``OUT/derived/speaker_actors.parquet`` (the most frequent one, where the actors stage gave
one name several types). Over every pair of judged names: precision = pairs merged that
are one identity / pairs merged; recall = pairs merged that are one identity / pairs that
are one identity. ``--to-judge FILE`` writes the names to judge (``identity`` empty): every
speaker name whose last word is the last word of one of the 30 most-quoted people, and
every one-word name equal to one of their first names.

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


def _last(name: str) -> str:
    words = _WORD.findall(name.casefold())
    return words[-1] if words else ""


def to_judge(out: Path, path: Path, people: int = 30) -> int:
    """Write the names to judge: every speaker name whose last word is the last word of
    one of the ``people`` most-quoted canonical people, and every one-word name equal to
    one of their first names, with an empty ``identity``."""
    speakers = pq.read_table(out / "derived" / "speakers.parquet").to_pylist()
    top = [s["speaker"] for s in speakers if s["type"] == "person"][:people]
    lasts = {_last(s) for s in top}
    firsts = {_WORD.findall(s.casefold())[0] for s in top if _WORD.findall(s)}
    names = sorted((n for n in _canon(out) if _last(n) in lasts
                    or (len(_WORD.findall(n)) == 1 and n.casefold() in firsts)),
                   key=lambda n: (_last(n), n))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "identity"])
        writer.writerows([n, ""] for n in names)
    return len(names)


def speaker_scores(out: Path, judged: Path) -> dict[str, float | int]:
    """Pairwise precision and recall of the merge over every pair of judged names."""
    canon = _canon(out)
    with judged.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    from unspin.batch.speakers import name_key

    identity = {r["name"]: r["identity"] for r in rows if r["name"] in canon}
    scores: dict[str, float | int] = {"names": len(identity),
                                      "names_not_in_output": len(rows) - len(identity)}
    # the merge as written, and a baseline: names equal once cleaned (no surname rule)
    for label, same in (("", lambda a, b: canon[a] == canon[b]),
                        ("baseline_key_", lambda a, b: name_key(a) == name_key(b))):
        tp = fp = fn = 0
        for a, b in itertools.combinations(sorted(identity), 2):
            predicted, gold = same(a, b), identity[a] == identity[b]
            tp += predicted and gold
            fp += predicted and not gold
            fn += gold and not predicted
        scores.update({f"{label}pairs_same": tp + fn, f"{label}pairs_merged": tp + fp,
                       f"{label}correct_merges": tp,
                       f"{label}precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
                       f"{label}recall": round(tp / (tp + fn), 4) if tp + fn else 0.0})
    return scores


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
    meeting_pairs = [(a, b) for a, b in itertools.combinations(ids, 2) if meets(a, b)]
    found_pairs = sum(1 for a, b in meeting_pairs
                      if a in cluster and cluster[a] == cluster.get(b))
    return {"articles": len(records), "wire_stories": len(wire),
            "wire_texts_meeting_another": len(meeting), "found_as_copies": len(found),
            "article_pairs_meeting": len(meeting_pairs),
            "article_pairs_meeting_in_one_cluster": found_pairs,
            "duplicate_rows": len(dups), "duplicate_rows_whose_texts_do_not_meet": false_pairs,
            "duplicate_rows_with_a_wire_story": sum(
                1 for r in dups if r["article_id"] in wire or r["duplicate_of"] in wire)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="the batch output folder")
    ap.add_argument("--crawl", type=Path, required=True, help="the JSONL from polnear_crawl.py")
    ap.add_argument("--judged", type=Path, help="hand-judged names (CSV name,identity)")
    ap.add_argument("--to-judge", type=Path, help="write the names to judge here")
    args = ap.parse_args(argv)
    if not (args.out / "derived" / "meta.json").is_file():
        print(f"{args.out} has no derived tables; run `unspin batch` on it first",
              file=sys.stderr)
        return 2
    if args.to_judge:
        print(f"{to_judge(args.out, args.to_judge)} names to judge -> {args.to_judge}",
              file=sys.stderr)
    result: dict[str, object] = {"wire": wire_scores(args.out, args.crawl)}
    if args.judged:
        result["speakers"] = speaker_scores(args.out, args.judged)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
