"""PolNeAR as a crawl: one JSONL record per article, for ``unspin batch``.

    python bench/polnear_crawl.py [--data DIR] [-o /tmp/polnear.jsonl] [--limit N]

Reads PolNeAR's 924 articles (``data/{train,dev}/text/*.txt``) and ``data/metadata.tsv``
from ``../shared/data/polnear`` (or ``--data``) and writes a JSONL crawl **outside the
repository** (the data is not the project's to redistribute): one object a line with

- ``id``: the file name without ``.txt`` (PolNeAR's ``filename`` column),
- ``text``: the article text as PolNeAR ships it,
- ``site``: the publisher (``breitbart``, ``nyt``, …), which the corpus view reads as the
  outlet; ``url``: a made-up ``https://<publisher>.polnear/<id>`` so hosts stay distinct,
- ``published``: ``publication_date`` (ISO), ``title``,
- ``author`` and ``wire`` (AP, AFP, Reuters, UPI or null): kept in the record for the
  benchmarks (``bench/polnear_corpus.py`` reads them from here); ``unspin batch`` ignores
  fields it does not know.

``--limit N`` keeps the first N records in id order (a deterministic subset); ``--split``
keeps one split; ``--most Trump --top 120`` the 120 records whose text says "Trump" most
often (the Trump-heavy crawl of issue 22: ``--split train --most Trump``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "polnear"
_NONE = {"", "None", "NA", "nan"}


def _value(text: str | None) -> str | None:
    return None if text is None or text.strip() in _NONE else text.strip()


def read_metadata(data: Path) -> dict[str, dict[str, str]]:
    """``metadata.tsv`` rows keyed by file name (without ``.txt``)."""
    with (data / "data" / "metadata.tsv").open(encoding="utf-8", newline="") as fh:
        return {row["filename"]: row for row in csv.DictReader(fh, delimiter="\t")}


def wire_of(row: dict[str, str]) -> str | None:
    """The wire service named in ``row`` (upper-cased: ``reuters`` and ``Reuters`` are one)."""
    wire = _value(row.get("wire"))
    return wire.upper() if wire else None


def records(data: Path, splits: tuple[str, ...] = ("train", "dev")) -> list[dict[str, Any]]:
    """Every PolNeAR article of ``splits`` as a crawl record, sorted by id."""
    meta = read_metadata(data)
    out: list[dict[str, Any]] = []
    for split in splits:
        for path in sorted((data / "data" / split / "text").glob("*.txt")):
            rid = path.stem
            row = meta.get(rid, {})
            publisher = _value(row.get("publisher")) or rid.split("_", 1)[0]
            out.append({
                "id": rid,
                "text": path.read_text(encoding="utf-8"),
                "url": f"https://{publisher}.polnear/{rid}",
                "site": publisher,
                "published": _value(row.get("publication_date")),
                "title": _value(row.get("title")),
                "author": _value(row.get("author")),
                "wire": wire_of(row),
            })
    return sorted(out, key=lambda r: str(r["id"]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the polnear folder")
    ap.add_argument("-o", "--output", type=Path, default=Path("/tmp/polnear.jsonl"))
    ap.add_argument("--limit", type=int, default=None, help="keep the first N ids")
    ap.add_argument("--split", choices=["train", "dev", "all"], default="all")
    ap.add_argument("--most", metavar="WORD", help="keep the --top N records whose text holds "
                    "WORD most often (ties by id), e.g. a Trump-heavy crawl")
    ap.add_argument("--top", type=int, default=120, help="with --most (default 120)")
    args = ap.parse_args(argv)
    if args.limit is not None and args.limit < 0:
        ap.error("--limit takes 0 or more")
    if not (args.data / "data" / "metadata.tsv").is_file():
        print(f"no PolNeAR at {args.data} (expected data/metadata.tsv)", file=sys.stderr)
        return 2
    repo = Path(__file__).resolve().parents[1]
    if args.output.resolve().is_relative_to(repo):
        print("write the crawl outside the repository (the data is not ours to commit)",
              file=sys.stderr)
        return 2
    rows = records(args.data, ("train", "dev") if args.split == "all" else (args.split,))
    if args.most:
        rows = sorted(sorted(rows, key=lambda r: (-str(r["text"]).count(args.most),
                                                  str(r["id"])))[: args.top],
                      key=lambda r: str(r["id"]))
    rows = rows[: args.limit]
    with args.output.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    wires = sum(1 for r in rows if r["wire"])
    print(f"{len(rows)} records ({wires} wire stories) -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
