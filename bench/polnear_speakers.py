"""One person one speaker, measured on a batch output against hand-judged actors (issue 22).

    python bench/polnear_crawl.py -o /tmp/polnear.jsonl --split dev -o /tmp/dev.jsonl
    unspin batch /tmp/dev.jsonl -o /tmp/dev_out -n 1 --stages actors,quotes
    python bench/polnear_speakers.py --out /tmp/dev_out \\
        --judged tests/data/polnear_dev_speakers_judged.csv [--people Trump,Clinton,Obama]

``--judged`` is a CSV ``article_id,name,identity``: one quoted actor of one article and the
person it refers to (``# `` lines are comments). Both merges run here on the same shard
tables: **today's rules** (``batch/speakers.py`` as of ``--before``, read from git, fed the
quoted actors' names as before) and **this tree's** (the names checked, titles,
descriptions and genders, every actor as evidence). An actor that gets no canonical
speaker (its name is no name) counts as a cluster of its own.

Reported over the judged actors found in the output: pairwise precision and recall (over
every pair of actors: merged and one identity / merged; merged and one identity / one
identity) and B-cubed precision, recall and F1 (Bagga & Baldwin 1998: per actor, the share
of its predicted cluster that is its identity, and of its identity that is in its cluster,
averaged). ``--judged-names`` scores issue 16's list of names (``name,identity``) the way
``bench/polnear_corpus.py`` does (each name's most frequent canonical speaker), for both
merges. ``--people`` lists every canonical speaker with a name or alias containing one of
the words, for each merge, to count how many speakers one person became. ``--to-judge FILE``
writes the actors to judge (see the judged file's header for the selection).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import itertools
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow.parquet as pq

_WORD = re.compile(r"\w+", re.UNICODE)
ROOT = Path(__file__).resolve().parents[1]
#: The commit whose merge is "today's rules" for issue 22 (main when the issue was taken).
BEFORE = "9833455"


def _table(out: Path, name: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted((out / "shards").glob(f"part-*/{name}.parquet")):
        table = pq.read_table(path)
        keep = [c for c in (columns or table.column_names) if c in table.column_names]
        rows += table.select(keep).to_pylist()
    return rows


def _old_module(commit: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{commit}:src/unspin/batch/speakers.py"],
                            cwd=ROOT, check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location("speakers_before", fh.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["speakers_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def merges(out: Path, before: str = BEFORE) -> dict[str, dict[tuple[str, str], str | None]]:
    """Each merge's canonical speaker for every quoted actor ``(article_id, actor_id)``
    (None: no canonical speaker)."""
    import pyarrow as pa

    from unspin.batch.derived import derive_speakers

    actors = _table(out, "actors", ["article_id", "id", "name", "type", "description", "gender"])
    quotes = _table(out, "quotes", ["article_id", "speaker"])
    quoted = {(q["article_id"], q["speaker"]) for q in quotes if q["speaker"]}
    speaking = [a for a in actors if (a["article_id"], a["id"]) in quoted and a["name"]]
    old = _old_module(before).canonical_speakers(
        [(a["name"], a["type"], a["article_id"]) for a in speaking])
    today = {(a["article_id"], a["id"]): old[(a["name"], a["type"])].name for a in speaking}
    new_tables = derive_speakers(actors=pa.Table.from_pylist(actors),
                                 quotes=pa.Table.from_pylist(quotes))
    mapped = {(r["article_id"], r["actor_id"]): r["speaker"]
              for r in new_tables["speaker_actors"].to_pylist()}
    now = {key: mapped.get(key) for key in today}
    return {"before": today, "now": now}


def read_judged(path: Path) -> dict[tuple[str, str], str]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    return {(r["article_id"], r["name"]): r["identity"] for r in rows}


def scores(predicted: dict[str, str | None], gold: dict[str, str]) -> dict[str, float | int]:
    """Pairwise and B-cubed scores of ``predicted`` (item → cluster, None a singleton)
    against ``gold`` (item → identity), over the items of ``gold``."""
    items = sorted(gold)
    cluster = {i: predicted[i] if predicted[i] is not None else f"\0{i}" for i in items}
    tp = fp = fn = 0
    for a, b in itertools.combinations(items, 2):
        merged, same = cluster[a] == cluster[b], gold[a] == gold[b]
        tp += merged and same
        fp += merged and not same
        fn += same and not merged
    members: dict[str, list[str]] = defaultdict(list)
    for i in items:
        members[cluster[i]].append(i)
    people: dict[str, list[str]] = defaultdict(list)
    for i in items:
        people[gold[i]].append(i)
    bp = sum(sum(gold[j] == gold[i] for j in members[cluster[i]]) / len(members[cluster[i]])
             for i in items) / len(items)
    br = sum(sum(cluster[j] == cluster[i] for j in people[gold[i]]) / len(people[gold[i]])
             for i in items) / len(items)
    return {"pairs_same": tp + fn, "pairs_merged": tp + fp, "correct_merges": tp,
            "pairwise_precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "pairwise_recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "bcubed_precision": round(bp, 4), "bcubed_recall": round(br, 4),
            "bcubed_f1": round(2 * bp * br / (bp + br), 4) if bp + br else 0.0,
            "no_speaker": sum(predicted[i] is None for i in items)}


def to_judge(out: Path, path: Path, people: int = 30) -> int:
    actors = _table(out, "actors", ["article_id", "id", "name", "type", "description",
                                    "mentions"])
    quotes = _table(out, "quotes", ["article_id", "speaker"])
    quoted = Counter((q["article_id"], q["speaker"]) for q in quotes if q["speaker"])
    speaking = [a for a in actors if (a["article_id"], a["id"]) in quoted and a["name"]]
    speakers = pq.read_table(out / "derived" / "speakers.parquet").to_pylist()
    top = [s["speaker"] for s in speakers if s["type"] == "person"][:people]
    lasts = {_WORD.findall(s.casefold())[-1] for s in top if _WORD.findall(s)}
    firsts = {_WORD.findall(s.casefold())[0] for s in top if _WORD.findall(s)}
    texts = {r["id"]: r["text"] for r in _table(out, "articles", ["id", "text"])}
    chosen = []
    for a in speaking:
        words = _WORD.findall(a["name"].casefold())
        if words and (any(w in lasts for w in words) or (len(words) == 1 and words[0] in firsts)):
            chosen.append(a)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["article_id", "name", "identity", "type", "description", "context"])
        for a in sorted(chosen, key=lambda a: (_WORD.findall(a["name"].casefold())[-1],
                                               a["name"], a["article_id"])):
            m = a["mentions"][0]
            text = texts[a["article_id"]]
            writer.writerow([a["article_id"], a["name"], "", a["type"], a["description"] or "",
                             " ".join(text[max(0, m["start"] - 80):m["end"] + 60].split())])
    return len(chosen)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="the batch output folder")
    ap.add_argument("--judged", type=Path, help="CSV article_id,name,identity")
    ap.add_argument("--judged-names", type=Path, help="CSV name,identity (issue 16's list): "
                    "each name's canonical speaker is its most frequent one, per merge")
    ap.add_argument("--people", help="comma-separated words: list the speakers holding them")
    ap.add_argument("--to-judge", type=Path, help="write the actors to judge here")
    ap.add_argument("--before", default=BEFORE, help="the commit of today's rules")
    args = ap.parse_args(argv)
    if args.to_judge:
        print(f"{to_judge(args.out, args.to_judge)} actors to judge -> {args.to_judge}",
              file=sys.stderr)
    result: dict[str, Any] = {}
    if args.judged or args.people or args.judged_names:
        both = merges(args.out, args.before)
        names = {(a["article_id"], a["id"]): a["name"]
                 for a in _table(args.out, "actors", ["article_id", "id", "name"])}
    if args.judged:
        judged = read_judged(args.judged)
        gold: dict[str, str] = {}
        for key, name in names.items():
            if key in both["now"] and (key[0], name) in judged:
                gold[f"{key[0]}#{key[1]}"] = judged[(key[0], name)]
        result["judged_actors"] = len(gold)
        result["judged_not_in_output"] = len(set(judged) - {(k[0], n) for k, n in names.items()
                                                            if k in both["now"]})
        for label, mapping in both.items():
            flat = {f"{k[0]}#{k[1]}": v for k, v in mapping.items()}
            result[label] = scores(flat, gold)
    if args.judged_names:
        with args.judged_names.open(encoding="utf-8", newline="") as fh:
            by_name = {r["name"]: r["identity"] for r in csv.DictReader(
                line for line in fh if not line.startswith("#"))}
        for label, mapping in both.items():
            votes: dict[str, Counter[str]] = defaultdict(Counter)
            for key, sp in mapping.items():
                votes[names[key]][sp if sp is not None else f"\0{names[key]}"] += 1
            canon: dict[str, str | None] = {n: c.most_common(1)[0][0] for n, c in votes.items()
                                            if n in by_name}
            gold = {n: by_name[n] for n in canon}
            result[f"names_{label}"] = {**scores(canon, gold), "names": len(gold),
                                        "names_not_in_output": len(by_name) - len(gold)}
    if args.people:
        words = [w.strip().casefold() for w in args.people.split(",") if w.strip()]
        for label, mapping in both.items():
            aliases: dict[str, set[str]] = defaultdict(set)
            for key, sp in mapping.items():
                if sp is not None:
                    aliases[sp].add(names[key])
            result[f"{label}_speakers_with"] = {
                w: sorted(sp for sp, al in aliases.items()
                          if any(w in _WORD.findall(n.casefold()) for n in {sp, *al}))
                for w in words}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
