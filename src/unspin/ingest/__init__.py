"""Ingest: any source (text, HTML, URL, JSONL; file, stdin or string) to ``Article`` values.

``read_source`` is what the CLI and batch use: it yields one Article per document, or the
InputError that document raised (so a bad JSONL line fails alone). ``from_string`` is what
``unspin.analyze("…")`` uses.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from unspin.article import Article, Source
from unspin.errors import InputError
from unspin.ingest.decode import check_size, decode_bytes
from unspin.ingest.html import extract_html, looks_like_html
from unspin.ingest.jsonl import looks_like_jsonl, read_jsonl
from unspin.ingest.url import fetch
from unspin.options import DEFAULT_OPTIONS, Options

__all__ = ["detect_kind", "from_string", "read_source"]


def text_id(text: str) -> str:
    """A stable id for a text without one: the first 16 hex digits of its sha256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def detect_kind(source: str, content: str | None = None) -> str:
    """``url``, ``html``, ``jsonl`` or ``text`` from the source's name, else from its content."""
    low = source.lower()
    if low.startswith(("http://", "https://")):
        return "url"
    name = low[:-3] if low.endswith(".gz") else low
    if name.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if content is not None:
        if looks_like_jsonl(content):
            return "jsonl"
        if looks_like_html(content):
            return "html"
    return "text"


def _read_limited(stream: BinaryIO, limit: int, what: str) -> bytes:
    data = stream.read(limit + 1)
    check_size(len(data), limit, what)
    return data


def _read_path(path: Path, options: Options) -> bytes:
    if not path.exists():
        raise InputError(f"no such file: {path}", path=str(path))
    if path.is_dir():
        raise InputError(f"{path} is a folder; analyse its files one by one or use `unspin batch`",
                         path=str(path))
    check_size(path.stat().st_size, options.max_bytes if path.suffix != ".gz"
               else options.max_bytes * 20, str(path))
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            with gzip.GzipFile(fileobj=__import__("io").BytesIO(data)) as gz:
                data = gz.read(options.max_bytes + 1)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path} is not a readable gzip file ({exc})", path=str(path)) from exc
        check_size(len(data), options.max_bytes, f"{path} (uncompressed)")
    return data


def from_string(content: str, options: Options = DEFAULT_OPTIONS, *, id: str | None = None,
                url: str | None = None, kind: str | None = None) -> Article:
    """An Article from a string of text or HTML (the kind is sniffed unless given)."""
    check_size(len(content.encode("utf-8", "surrogatepass")), options.max_bytes, "the input")
    if not content.strip():
        from unspin.errors import EmptyInputError

        raise EmptyInputError("the input is empty; give an article's text or HTML")
    forced = kind or (options.kind if options.kind != "auto" else None)
    kind = forced or ("html" if looks_like_html(content) else "text")
    rid = id or text_id(content)
    if kind == "html":
        return extract_html(content, id=rid, url=url)
    return Article(id=rid, raw_text=content, source=Source(kind="text", url=url))


def read_source(source: str, options: Options = DEFAULT_OPTIONS, *,
                stdin: BinaryIO | None = None) -> Iterator[Article | InputError]:
    """Yield the articles in ``source`` (a path, a URL or ``-`` for stdin), or their errors."""
    try:
        kind: str | None = options.kind if options.kind != "auto" else None
        if source.lower().startswith(("http://", "https://")) and kind in (None, "url"):
            body, final_url, charset = fetch(source, options)
            text = decode_bytes(body, source, declared=charset)
            kind = kind if kind and kind != "url" else detect_kind(final_url, text)
            if kind == "text" and looks_like_html(text):
                kind = "html"
            if kind == "html" or kind == "url":
                article = extract_html(text, id=text_id(final_url), url=final_url, kind="url")
                yield article
                return
            yield Article(id=text_id(final_url), raw_text=text, source=Source(kind="url", url=final_url))
            return
        if source == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = _read_limited(stream, options.max_bytes, "standard input")
            name, path = "stdin", None
        else:
            p = Path(source)
            data = _read_path(p, options)
            name, path = p.name, str(p)
        text = decode_bytes(data, name)
        kind = kind or detect_kind(source if source != "-" else "", text)
    except InputError as exc:
        yield exc
        return
    if kind == "jsonl":
        yield from read_jsonl(text.splitlines(), options=options, name=name)
        return
    try:
        rid = Path(source).stem.removesuffix(".html") if path else text_id(text)
        if kind == "html":
            yield extract_html(text, id=rid, kind="html", path=path)
        else:
            if not text.strip():
                from unspin.errors import EmptyInputError

                raise EmptyInputError(f"{name} is empty; give an article's text")
            yield Article(id=rid, raw_text=text, source=Source(kind="text", path=path))
    except InputError as exc:
        yield exc
