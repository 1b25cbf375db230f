"""The corpus's rows as CSV and JSON (the ``unspin corpus`` formats)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from unspin.corpus.db import Corpus, plain
from unspin.corpus.queries import Period

__all__ = ["rows_to_csv", "to_csv", "to_json"]


def to_json(db: Corpus, names: list[str], *, top: int | None = None,
            period: Period | None = None) -> str:
    """The queries ``names`` as one JSON object of row lists, keyed by name."""
    return json.dumps({name: db.query(name, top=top, period=period) for name in names}, indent=2,
                      ensure_ascii=False) + "\n"


def to_csv(db: Corpus, name: str, *, top: int | None = None, period: Period | None = None) -> str:
    """Query ``name`` as CSV with a header (a list cell, e.g. aliases, joined by "; ")."""
    cols, rows = db.run(name, top=top, period=period)
    return rows_to_csv([dict(zip(cols, row, strict=True)) for row in rows], cols)


def rows_to_csv(rows: list[dict[str, Any]], cols: list[str]) -> str:
    """Rows as CSV with a header of ``cols`` (a list cell joined by "; ")."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(["; ".join(map(str, v)) if isinstance(v, list) else plain(v)
                      for v in (r.get(c) for c in cols)] for r in rows)
    return buf.getvalue()
