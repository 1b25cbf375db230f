"""Ingest: any source to ``Article`` values, through one entry, :func:`to_article`.

Every face calls it: the CLI (through :func:`read_source`, which splits a stream into
documents), the web app (pasted text, an upload, a URL), batch workers (a file, a JSONL
record, a WARC payload, a URL) and ``unspin.analyze("…")`` (through :func:`from_string`).
A document comes in as exactly one of ``text``, ``data`` (bytes), ``path``, ``url`` or
``record`` (a parsed JSONL object), with :class:`Hints` saying what the face knows besides
the content (a forced kind, an id, a file name, a declared charset, a crawl date…); an
``Article`` comes out, or an :class:`~unspin.errors.InputError` is raised. Size caps,
decoding, gzip, the HTML/text decision, main-text extraction, the empty and no-article
checks and guarded fetching all happen here and only here.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from unspin.article import Article, Source
from unspin.errors import ConfigError, EmptyInputError, InputError
from unspin.ingest.decode import check_size, decode_bytes
from unspin.ingest.html import extract_html, looks_like_html
from unspin.ingest.jsonl import looks_like_jsonl, read_jsonl, record_to_article
from unspin.ingest.url import Resolver, fetch, resolve
from unspin.options import DEFAULT_OPTIONS, Options

if TYPE_CHECKING:
    import httpx

__all__ = ["Hints", "detect_kind", "from_string", "read_source", "text_id", "to_article"]

#: How much larger than ``max_bytes`` a gzip file may be on disk before it is refused.
GZIP_FACTOR = 20
_GZIP_MAGIC = b"\x1f\x8b"
_COLLECTION_SUFFIXES = (".jsonl", ".ndjson", ".warc")


@dataclass(frozen=True)
class Hints:
    """What a face knows about one document besides its content.

    ``kind`` forces text or HTML (``auto``: the name's suffix, then the content decide);
    ``id`` is the article id (default: from the name, the URL or the text's hash); ``name``
    is used in messages and for the suffix; ``path`` and ``url`` say where it came from
    (``url`` is the page's address for a WARC payload); ``charset`` is a declared encoding;
    ``source`` is the Source kind to record (``warc``, ``jsonl``…; default from the input);
    ``published`` is a date to use when the page itself gives none (a crawl date).
    """

    kind: Literal["auto", "text", "html"] = "auto"
    id: str | None = None
    name: str = "the input"
    path: str | None = None
    url: str | None = None
    charset: str | None = None
    source: str | None = None
    published: str | None = None


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


def to_article(*, text: str | None = None, data: bytes | None = None, path: str | Path | None = None,
               url: str | None = None, record: Mapping[str, object] | None = None,
               hints: Hints = Hints(), options: Options = DEFAULT_OPTIONS,
               transport: httpx.BaseTransport | None = None, resolver: Resolver = resolve) -> Article:
    """The one ingest entry: one document in (exactly one of the five forms), an Article out.

    ``transport`` and ``resolver`` go to the guarded URL fetcher (tests pass fakes; the
    private-address guard always applies). Raises an InputError subclass for bad input.
    """
    given = [k for k, v in (("text", text), ("data", data), ("path", path), ("url", url),
                            ("record", record)) if v is not None]
    if len(given) != 1:
        raise ConfigError(f"to_article takes exactly one of text, data, path, url or record, "
                          f"not {', '.join(given) or 'none'}")
    if options.kind in ("text", "html") and hints.kind == "auto":
        hints = replace(hints, kind=options.kind)
    if url is not None:
        body, final_url, charset = fetch(url, options, transport=transport, resolver=resolver)
        hints = replace(hints, id=hints.id or text_id(final_url), name=final_url, url=final_url,
                        charset=hints.charset or charset, source=hints.source or "url")
        return _from_text(decode_bytes(body, url, declared=hints.charset), hints, options,
                          sniff_name=False)
    if path is not None:
        p = Path(path)
        hints = replace(hints, id=hints.id or _path_id(p), name=p.name, path=str(p))
        return _from_bytes(_read_path(p, options), hints, options)
    if data is not None:
        return _from_bytes(data, hints, options)
    if record is not None:
        article = record_to_article(dict(record), default_id=hints.id or "record",
                                    options=options)
        return _with_published(article, hints.published)
    assert text is not None
    check_size(len(text.encode("utf-8", "surrogatepass")), options.max_bytes, hints.name)
    return _from_text(text, hints, options)


def _path_id(path: Path) -> str:
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    return Path(name).stem


def _read_path(path: Path, options: Options) -> bytes:
    if not path.exists():
        raise InputError(f"no such file: {path}", path=str(path))
    if path.is_dir():
        raise InputError(f"{path} is a folder; analyse its files one by one or use `unspin batch`",
                         path=str(path))
    gz = path.name.lower().endswith(".gz")
    check_size(path.stat().st_size, options.max_bytes * (GZIP_FACTOR if gz else 1), str(path))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path} ({exc})", path=str(path)) from exc


def _gunzip(data: bytes, what: str, options: Options) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            out = gz.read(options.max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise InputError(f"{what} is not a readable gzip file ({exc})", file=what) from exc
    check_size(len(out), options.max_bytes, f"{what} (uncompressed)")
    return out


def _decode(data: bytes, hints: Hints, options: Options) -> str:
    """Bytes to text: gunzipped when they are gzip (the cap applies after), size-checked,
    decoded (declared charset, else detected)."""
    if data[:2] == _GZIP_MAGIC:
        check_size(len(data), options.max_bytes * GZIP_FACTOR, hints.name)
        data = _gunzip(data, hints.name, options)
    check_size(len(data), options.max_bytes, hints.name)
    return decode_bytes(data, hints.name, declared=hints.charset)


def _from_bytes(data: bytes, hints: Hints, options: Options) -> Article:
    return _from_text(_decode(data, hints, options), hints, options)


def _from_text(text: str, hints: Hints, options: Options, *, sniff_name: bool = True) -> Article:
    name = hints.name.lower().removesuffix(".gz")
    if sniff_name and name.endswith(_COLLECTION_SUFFIXES):
        raise InputError(f"{hints.name} is a collection of documents, not one article; read it "
                         "with `unspin batch` (or `unspin analyze FILE` for JSONL)", file=hints.name)
    kind: str = hints.kind
    if kind == "auto":
        by_name = detect_kind(name) if sniff_name else "text"
        kind = "html" if by_name == "html" or looks_like_html(text) else "text"
    rid = hints.id or text_id(text)
    if kind == "html":
        article = extract_html(text, id=rid, url=hints.url, kind=hints.source or "html",
                               path=hints.path)
        return _with_published(article, hints.published)
    if not text.strip():
        raise EmptyInputError(f"{hints.name} is empty; give an article's text or HTML",
                              **({"path": hints.path} if hints.path else {}))
    return Article(id=rid, raw_text=text, source=Source(
        kind=hints.source or "text", url=hints.url, path=hints.path, published=hints.published))


def _with_published(article: Article, published: str | None) -> Article:
    if published is None or article.source.published is not None:
        return article
    return replace(article, source=replace(article.source, published=published))


def from_string(content: str, options: Options = DEFAULT_OPTIONS, *, id: str | None = None,
                url: str | None = None, kind: str | None = None) -> Article:
    """An Article from a string of text or HTML (the kind is sniffed unless given)."""
    forced = kind if kind in ("text", "html") else "auto"
    return to_article(text=content, options=options,
                      hints=Hints(kind=forced, id=id, url=url))  # type: ignore[arg-type]


def _is_warc_name(source: str) -> bool:
    return source.lower().removesuffix(".gz").endswith(".warc")


def read_source(source: str, options: Options = DEFAULT_OPTIONS, *,
                stdin: BinaryIO | None = None) -> Iterator[Article | InputError]:
    """Yield the articles in ``source`` (a path, a URL or ``-`` for stdin), or their errors.

    A JSONL source yields one Article (or error) per line; anything else is one document,
    handed to :func:`to_article`.
    """
    forced = options.kind if options.kind != "auto" else None
    try:
        if source.lower().startswith(("http://", "https://")) and forced in (None, "url"):
            yield to_article(url=source, options=options)
            return
        if source == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(options.max_bytes * GZIP_FACTOR + 1)
            hints = Hints(name="standard input")
        else:
            p = Path(source)
            data = _read_path(p, options)
            hints = Hints(id=_path_id(p), name=p.name, path=str(p))
        if forced is None and source != "-" and _is_warc_name(source):
            raise InputError(f"{Path(source).name} is a WARC file, a crawl of many pages; read "
                             f"it with `unspin batch {source} -o OUT`", file=source)
        text = _decode(data, hints, options)
        kind = forced or detect_kind(source if source != "-" else "", text)
        if kind == "jsonl":
            yield from read_jsonl(text.splitlines(), options=options,
                                  name=(hints.path and Path(hints.path).name) or "stdin")
            return
        if kind in ("text", "html"):
            hints = replace(hints, kind=kind)  # type: ignore[arg-type]
        yield _from_text(text, replace(hints, name=hints.name if source != "-" else "stdin"),
                         options, sniff_name=False)
    except InputError as exc:
        yield exc
