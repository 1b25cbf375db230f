"""JSONL records: one JSON object a line, ``{"id", "text" | "html", "url", "title", ...}``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace

from unspin.article import Article, Source
from unspin.errors import InputError, RecordError
from unspin.ingest.decode import check_size
from unspin.ingest.html import extract_html
from unspin.options import Options


def looks_like_jsonl(text: str) -> bool:
    first = text.lstrip()[:1]
    if first != "{":
        return False
    line = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(json.loads(line), dict)
    except json.JSONDecodeError:
        return False


def record_to_article(record: object, *, default_id: str, options: Options) -> Article:
    """One parsed record to an Article; raises RecordError when it has neither text nor html."""
    if not isinstance(record, dict):
        raise RecordError(f"record {default_id} is not a JSON object", record=default_id)
    rid = str(record.get("id") or default_id)
    url = record.get("url")
    url = str(url) if url else None
    text, html = record.get("text"), record.get("html")
    if isinstance(html, str) and html.strip():
        check_size(len(html.encode("utf-8", "ignore")), options.max_bytes, f"record {rid}")
        article = extract_html(html, id=rid, url=url, kind="jsonl")
        author = _opt(record, "author")  # the record's byline wins over the page's
        if author is not None:
            article = replace(article, source=replace(article.source, author=author))
        return article
    if isinstance(text, str) and text.strip():
        check_size(len(text.encode("utf-8", "ignore")), options.max_bytes, f"record {rid}")
        source = Source(kind="jsonl", url=url, title=_opt(record, "title"),
                        site=_opt(record, "site"), published=_opt(record, "published"),
                        author=_opt(record, "author"))
        return Article(id=rid, raw_text=text, source=source)
    raise RecordError(f"record {rid} has neither a non-empty 'text' nor 'html' field", record=rid)


def _opt(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    return str(value) if value else None


def read_jsonl(lines: Iterable[str], *, options: Options, name: str = "input"
               ) -> Iterator[Article | InputError]:
    """Yield an Article per good line and an InputError per bad one; blank lines are skipped."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        default_id = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RecordError(
                f"line {number} of {name} is not valid JSON ({exc.msg} at column {exc.colno}); "
                "fix or drop that line — the other records were analysed",
                record=default_id, line=number,
            )
            continue
        except RecursionError:  # json.loads gives up on arrays/objects nested ~1000 deep
            yield RecordError(
                f"line {number} of {name} nests arrays or objects too deeply to read; fix or "
                "drop that line — the other records were analysed",
                record=default_id, line=number,
            )
            continue
        try:
            yield record_to_article(record, default_id=default_id, options=options)
        except InputError as exc:
            exc.context.setdefault("record", default_id)
            yield exc
