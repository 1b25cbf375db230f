"""Batch inputs: folders, JSONL(.gz), WARC(.gz), URL/path lists and URLs, as a stream of Records.

Listing is cheap and runs in the driver (it must know every record's id to skip the ones a
previous run finished); the expensive part — decoding, HTML extraction, fetching — runs in
the workers (:func:`record_to_article`).

What each input becomes:

========================================  ===============================================
input                                     records (``id``)
========================================  ===============================================
folder                                    every ``.txt``, ``.html``/``.htm``/``.xhtml``,
                                          ``.jsonl``/``.ndjson``, ``.warc`` (each also
                                          ``.gz``) below it, sorted; a text or HTML file's
                                          id is its path from the folder's parent
                                          (``crawl/2024/a.html``)
``.txt`` / ``.html`` file                 one record, id = the file name
``.jsonl`` / ``.ndjson`` file             one record a line, id = the record's ``id`` field,
                                          else ``<file name>:<line>``
``.warc`` / ``.warc.gz`` file             one record per ``response`` with an HTML (or
                                          XHTML) payload, id = the WARC-Record-ID's uuid
``@list.txt``, ``*.urls``, ``*.list``     each non-blank line not starting with ``#``: a
                                          URL (one record, id = sha256 prefix of the URL)
                                          or a path (relative to the list), read as above
``http(s)://…``                           one record, fetched by the worker
========================================  ===============================================

A bad line, an unreadable file or folder, a corrupt WARC record, a WARC that holds no
WARC record at all (empty, or gzip of something else) and an empty JSONL file become a
Record of kind ``error``, which the worker turns into a failure row; reading then goes on
(a WARC reader skips to the next record boundary).

What holds no document by design — a file in a folder of a type batch does not read
(``.pdf``, ``.bin``, images), a WARC with records but no HTML response, a folder with no
file in it — becomes a Record of kind ``skip`` with a code (:data:`SKIPS`): the driver
counts and lists these in the manifest and the summary instead of analysing them, so no
input vanishes without a word (issue 24).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from unspin.article import Article
from unspin.errors import EmptyInputError, InputError, RecordError, UnspinError
from unspin.ingest.decode import check_size, decode_bytes
from unspin.options import Options

__all__ = ["SKIPS", "Record", "describe_inputs", "iter_records", "record_to_article"]

RecordKind = Literal["file", "jsonl", "warc", "url", "error", "skip"]

#: Why an input was listed but holds nothing to analyse (the ``skip`` records' codes).
SKIPS = {
    "W601": "not a type batch reads (.txt, .html, .jsonl, .warc, each optionally .gz)",
    "W602": "a WARC file with no HTML response record",
    "W603": "a folder with no file in it",
    "W604": "a list of inputs inside a folder (lists are followed only when given as inputs)",
}

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
WARC_SUFFIXES = (".warc",)
LIST_SUFFIXES = (".urls", ".list")
_WARC_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Record:
    """One document to analyse, as the driver lists it (cheap to pickle and send).

    ``source`` says where it came from: a path, ``path:line`` (JSONL), ``path@offset``
    (WARC, byte offset of the record) or a URL. ``data`` holds a WARC payload or a JSONL
    line; a file's bytes are read by the worker. ``error`` is set for kind ``error``.
    """

    id: str
    source: str
    kind: RecordKind
    path: str | None = None
    url: str | None = None
    data: bytes | None = None
    charset: str | None = None
    date: str | None = None
    error: dict[str, str] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "kind": self.kind, "path": self.path,
                "url": self.url, "data": self.data, "charset": self.charset,
                "date": self.date, "error": json.dumps(self.error) if self.error else None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Record:
        data = d.get("data")
        return cls(id=str(d["id"]), source=str(d["source"]), kind=d["kind"], path=d.get("path"),
                   url=d.get("url"), data=bytes(data) if data is not None else None,
                   charset=d.get("charset"), date=d.get("date"),
                   error=json.loads(d["error"]) if d.get("error") else None)


def _error_record(rid: str, source: str, exc: UnspinError) -> Record:
    return Record(id=rid, source=source, kind="error",
                  error={"code": exc.code, "type": type(exc).__name__, "message": exc.message})


def _skip_record(source: str, code: str, detail: str = "") -> Record:
    reason = SKIPS[code] + (f" ({detail})" if detail else "")
    return Record(id=source, source=source, kind="skip",
                  error={"code": code, "type": "Skipped", "message": reason})


def _strip_gz(name: str) -> str:
    low = name.lower()
    return low[:-3] if low.endswith(".gz") else low


def url_id(url: str) -> str:
    """The id of a fetched URL's record: the first 16 hex digits of the URL's sha256."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _is_url(s: str) -> bool:
    return s.lower().startswith(("http://", "https://"))


def _open(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


# --------------------------------------------------------------------------- JSONL

def _iter_jsonl(path: Path, options: Options) -> Iterator[Record]:
    name, where = path.name, str(path)
    lines = 0
    try:
        with _open(path) as fh:
            for number, raw in enumerate(fh, start=1):
                default_id = f"{name}:{number}"
                source = f"{where}:{number}"
                if not raw.strip():
                    continue
                lines += 1
                try:
                    check_size(len(raw), options.max_bytes, f"line {number} of {name}")
                    line = raw.decode("utf-8")
                    obj = json.loads(line)
                except InputError as exc:
                    yield _error_record(default_id, source, exc)
                    continue
                except UnicodeDecodeError as exc:
                    yield _error_record(default_id, source, RecordError(
                        f"line {number} of {name} is not UTF-8 ({exc.reason}); "
                        "JSONL files must be UTF-8 — the other records were analysed"))
                    continue
                except json.JSONDecodeError as exc:
                    yield _error_record(default_id, source, RecordError(
                        f"line {number} of {name} is not valid JSON ({exc.msg} at column "
                        f"{exc.colno}); fix or drop that line — the other records were analysed"))
                    continue
                except RecursionError:  # arrays/objects nested ~1000 deep
                    yield _error_record(default_id, source, RecordError(
                        f"line {number} of {name} nests arrays or objects too deeply to read; "
                        "fix or drop that line — the other records were analysed"))
                    continue
                rid = str(obj.get("id") or default_id) if isinstance(obj, dict) else default_id
                yield Record(id=rid, source=source, kind="jsonl", path=where,
                             data=raw.rstrip(b"\r\n"))
    except (OSError, EOFError, zlib.error) as exc:
        yield _error_record(f"{name}:read", where, InputError(
            f"cannot read {where} to the end ({exc}); the records before the damage were kept"))
        return
    if not lines:
        yield _error_record(f"{name}:empty", where, EmptyInputError(
            f"{where} holds no JSONL record (it is empty, or only blank lines)"))


# --------------------------------------------------------------------------- WARC

def _find_next(fh: BinaryIO, start: int, marker: bytes, chunk: int = 1 << 20) -> int | None:
    """The offset of the next ``marker`` at or after ``start``, or None at the end."""
    fh.seek(start)
    pos, tail = start, b""
    while True:
        block = fh.read(chunk)
        if not block:
            return None
        buf = tail + block
        i = buf.find(marker)
        if i >= 0:
            return pos - len(tail) + i
        tail = buf[-(len(marker) - 1):]
        pos += len(block)


def _iter_warc(path: Path) -> Iterator[Record]:
    """Response records with an HTML payload; a corrupt record becomes one error Record and
    reading resumes at the next record boundary (the next gzip member, or ``WARC/1.``).
    A file with no WARC record is an error Record, one with records but no HTML response
    a ``skip`` Record: either way the file is accounted for."""
    seen = {"records": 0, "yielded": 0}
    try:
        for record in _iter_warc_records(path, seen):
            seen["yielded"] += 1
            yield record
    except OSError as exc:  # cannot open or read the file itself
        yield _error_record(f"{path.name}@0", str(path), InputError(
            f"cannot read {path} ({exc.strerror or exc}); check the path and its permissions"))
        return
    if seen["yielded"]:
        return
    if not seen["records"]:
        yield _error_record(f"{path.name}@0", str(path), EmptyInputError(
            f"{path} holds no WARC record (it is empty, or not a WARC file); give a WARC "
            "file, or name the file with its own type (.txt, .html, .jsonl)"))
    else:
        yield _skip_record(str(path), "W602", f"{seen['records']} other records")


def _iter_warc_records(path: Path, seen: dict[str, int]) -> Iterator[Record]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    where = str(path)
    gz = path.name.lower().endswith(".gz")
    marker = b"\x1f\x8b\x08" if gz else b"\r\nWARC/1."
    skip = 0 if gz else 2  # the marker of an uncompressed WARC starts at the blank line's CRLF
    with path.open("rb") as fh:
        base = 0
        while True:
            fh.seek(base)
            good_end = base
            it = ArchiveIterator(fh)
            try:
                for rec in it:
                    if not str(rec.format).startswith("warc"):
                        # warcio reads any other text as an ARC record: here it is damage
                        raise ArchiveLoadFailed(f"not a WARC record (it reads as {rec.format})")
                    if rec.rec_type:  # warcio yields a typeless record for blank gzip content
                        seen["records"] += 1
                    payload = _warc_payload(rec)  # before the offset: asking for it reads on
                    offset = it.get_record_offset()  # absolute: warcio counts from the file's start
                    good_end = offset + it.get_record_length()
                    if payload is not None:
                        yield _warc_record(rec, payload, where, offset)
                return
            except (ArchiveLoadFailed, OSError, EOFError, ValueError, zlib.error) as exc:
                bad = good_end
                yield _error_record(f"{path.name}@{bad}", f"{where}@{bad}", RecordError(
                    f"corrupt WARC record at byte {bad} of {path.name} ({type(exc).__name__}: "
                    f"{str(exc)[:120]}); skipped to the next record"))
                nxt = _find_next(fh, bad + 1, marker)
                if nxt is None:
                    return
                base = nxt + skip


def _warc_payload(rec: Any) -> tuple[bytes, str | None] | None:
    """The HTML payload and declared charset of a response record; None for other records."""
    if rec.rec_type != "response" or rec.http_headers is None:
        return None
    ctype = rec.http_headers.get_header("Content-Type") or ""
    if not any(t in ctype.lower() for t in _WARC_HTML_TYPES):
        return None
    charset = None
    for part in ctype.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
    return rec.content_stream().read(), charset


def _warc_record(rec: Any, payload: tuple[bytes, str | None], where: str, offset: int) -> Record:
    rid_header = rec.rec_headers.get_header("WARC-Record-ID") or f"{Path(where).name}@{offset}"
    rid = rid_header.strip("<>").removeprefix("urn:uuid:")
    return Record(id=rid, source=f"{where}@{offset}", kind="warc",
                  url=rec.rec_headers.get_header("WARC-Target-URI"),
                  data=payload[0], charset=payload[1],
                  date=rec.rec_headers.get_header("WARC-Date"))


# --------------------------------------------------------------------------- lists and folders

def _iter_list(path: Path, options: Options, seen: set[Path]) -> Iterator[Record]:
    try:
        lines = decode_bytes(path.read_bytes(), str(path)).splitlines()
    except (OSError, InputError) as exc:
        err = exc if isinstance(exc, InputError) else InputError(f"cannot read {path}: {exc}")
        yield _error_record(path.name, str(path), err)
        return
    for number, line in enumerate(lines, start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if _is_url(entry):
            yield Record(id=url_id(entry), source=entry, kind="url", url=entry)
            continue
        target = Path(entry) if os.path.isabs(entry) else path.parent / entry
        if not target.exists():
            yield _error_record(f"{path.name}:{number}", f"{path}:{number}", InputError(
                f"line {number} of {path} names {entry!r}, which does not exist"))
            continue
        yield from _iter_input(target, options, seen, list_file=False)


def _file_kind(name: str) -> str | None:
    base = _strip_gz(name)
    for kind, suffixes in (("jsonl", JSONL_SUFFIXES), ("warc", WARC_SUFFIXES),
                           ("list", LIST_SUFFIXES), ("html", HTML_SUFFIXES),
                           ("text", TEXT_SUFFIXES)):
        if base.endswith(suffixes):
            return kind
    return None


def _iter_input(path: Path, options: Options, seen: set[Path], *, list_file: bool,
                rid: str | None = None) -> Iterator[Record]:
    resolved = path.resolve()
    if resolved in seen:  # the same file named twice (or a list naming itself)
        return
    seen.add(resolved)
    if path.is_dir():
        yield from _iter_folder(path, options, seen)
        return
    kind = "list" if list_file else _file_kind(path.name)
    if kind == "jsonl":
        yield from _iter_jsonl(path, options)
    elif kind == "warc":
        yield from _iter_warc(path)
    elif kind == "list":
        yield from _iter_list(path, options, seen)
    else:
        yield Record(id=rid or path.name, source=str(path), kind="file", path=str(path))


def _iter_folder(path: Path, options: Options, seen: set[Path]) -> Iterator[Record]:
    """Every file below ``path``, sorted: the ones batch reads as records, the others as
    ``skip`` records; a folder that cannot be listed is an error Record."""
    files: list[Path] = []
    unreadable: list[OSError] = []
    for root, dirs, names in os.walk(path, onerror=unreadable.append):
        dirs.sort()
        files.extend(Path(root, n) for n in names)
    for exc in unreadable:
        where = Path(exc.filename) if exc.filename else path
        yield _error_record(_rel(where, path), str(where), InputError(
            f"cannot list the folder {where} ({exc.strerror or exc}); the files in it were "
            "not read — check its permissions"))
    if not files and not unreadable:
        yield _skip_record(str(path), "W603")
    for child in sorted(files):
        kind = _file_kind(child.name)
        if kind is None:
            yield _skip_record(str(child), "W601")
            continue
        if kind == "list":  # it names inputs, not articles: following it could loop
            yield _skip_record(str(child), "W604")
            continue
        yield from _iter_input(child, options, seen, list_file=False, rid=_rel(child, path))


def _rel(child: Path, folder: Path) -> str:
    """A folder member's id: its path from the folder's parent (``crawl/2024/a.html``)."""
    return child.relative_to(folder.parent).as_posix()


def iter_records(inputs: list[str], options: Options) -> Iterator[Record]:
    """Every record in ``inputs`` (paths, folders, ``@lists``, URLs), in input order."""
    seen: set[Path] = set()
    for item in inputs:
        if _is_url(item):
            yield Record(id=url_id(item), source=item, kind="url", url=item)
            continue
        list_file = item.startswith("@")
        path = Path(item[1:] if list_file else item)
        if not path.exists():
            yield _error_record(path.name or item, item, InputError(
                f"no such file or folder: {path}; check the path (inputs are files, folders, "
                "@lists or URLs)"))
            continue
        yield from _iter_input(path, options, seen, list_file=list_file)


def describe_inputs(inputs: list[str]) -> list[dict[str, Any]]:
    """What the manifest records about each input: path, type, size, modification time."""
    out: list[dict[str, Any]] = []
    for item in inputs:
        if _is_url(item):
            out.append({"input": item, "type": "url"})
            continue
        path = Path(item.removeprefix("@"))
        entry: dict[str, Any] = {"input": item, "path": str(path.resolve())}
        if path.is_dir():
            files = [p for p in path.rglob("*") if p.is_file()]
            entry.update(type="folder", files=len(files),
                         bytes=sum(p.stat().st_size for p in files))
        elif path.is_file():
            st = path.stat()
            entry.update(type="list" if item.startswith("@") else (_file_kind(path.name) or "file"),
                         bytes=st.st_size, mtime=int(st.st_mtime))
        else:
            entry.update(type="missing")
        out.append(entry)
    return out


# --------------------------------------------------------------------------- worker side

def record_to_article(record: Record, options: Options) -> Article:
    """Decode and extract one record (in a worker) through the one ingest entry,
    :func:`unspin.ingest.to_article`; raises the InputError it meets."""
    from unspin.ingest import Hints, to_article

    if record.kind == "skip":  # the driver lists these instead of sending them
        assert record.error is not None
        raise InputError(f"{record.source} holds nothing to analyse: {record.error['message']}",
                         record=record.id)
    if record.kind == "error":
        assert record.error is not None
        import unspin.errors as errors

        cls = getattr(errors, record.error["type"], InputError)
        if not (isinstance(cls, type) and issubclass(cls, InputError)):
            cls = InputError
        raise cls(record.error["message"], record=record.id)
    if record.kind == "jsonl":
        assert record.data is not None
        obj = json.loads(record.data.decode("utf-8"))
        if not isinstance(obj, dict):
            raise RecordError(f"record {record.id} is not a JSON object", record=record.id)
        return to_article(record=obj, hints=Hints(id=record.id), options=options)
    if record.kind == "warc":
        # CC-NEWS fetches within days of publication: the crawl date stands in for a missing one.
        return to_article(data=record.data or b"", options=options, hints=Hints(
            kind="html", id=record.id, name=f"WARC record {record.id}", url=record.url,
            charset=record.charset, source="warc",
            published=record.date[:10] if record.date else None))
    if record.kind == "url":
        assert record.url is not None
        return to_article(url=record.url, hints=Hints(id=record.id), options=options)
    assert record.path is not None
    kind = _file_kind(Path(record.path).name)
    return to_article(path=record.path, options=options, hints=Hints(
        id=record.id, kind=kind if kind in ("text", "html") else "auto"))  # type: ignore[arg-type]
