"""Full-text search over a batch output: a tantivy index in ``OUT/derived/search/``.

One document per article, with the fields a query can name::

    title     the article's title              (title:harbour)
    text      the article's text               (the default fields are title, text, quote)
    quote     the words of its quotes          (quote:"sea wall")
    speaker   the names its quotes' speakers are given in it   (speaker:calloway)
    outlet    its outlet (site, else URL host)  (outlet:ledger, outlet:"daily ledger")

The query language is tantivy's (Lucene's): words, "phrases", ``AND``, ``OR``, ``NOT`` (or
``-word``), parentheses, ``field:word``; words are lower-cased, and with no operator the
words are all required. A query that does not parse is a
:class:`~unspin.errors.SearchSyntaxError` (E303). The index stores each article's id, its
number (:func:`unspin.batch.aggregates.article_no`) and its text: a hit's snippet (the best
passage, the matched words in ``<b>``, the rest escaped) is drawn from the stored text, and
the view's filters are applied by number on the partial tables where they are fresh (else
by id on the shards' small columns), so a search never reads the shards' text (at a
million articles, reading the text of 50 hits from as many shards took 7.6 s).

:func:`build_index` adds only the shards the index does not hold yet (a shard rewritten
since is replaced); ``unspin batch`` calls it after each run, ``unspin corpus OUT --index``
on demand. The search runs under a view's filters: the best-scored hits (up to
:data:`CAP`) are kept if the view keeps their article.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspin.corpus.db import Corpus
from unspin.corpus.filters import Filters
from unspin.errors import ConfigError, FilterError, SearchSyntaxError

__all__ = ["CAP", "INDEX_FORMAT", "Found", "build_index", "has_index", "index_dir", "search"]

#: Bumped when the index's fields change, so an older index is rebuilt, not misread.
#: 2: the article's number and its text stored.
INDEX_FORMAT = "unspin-search/2"
#: At most this many hits (best score first) are matched against a view's filters.
CAP = 10_000
_META = "indexed.json"
_DEFAULT_FIELDS = ["title", "text", "quote"]
_open: dict[str, Any] = {}
_open_lock = threading.Lock()


def _tantivy() -> Any:
    try:
        import tantivy
    except ModuleNotFoundError as exc:
        raise ConfigError("full-text search needs the tantivy package: "
                          "pip install 'unspin[batch]'") from exc
    return tantivy


def index_dir(out: Path) -> Path:
    """Where the search index of batch output ``out`` lives."""
    from unspin.batch.derived import DERIVED

    return out / DERIVED / "search"


def _schema() -> Any:
    tantivy = _tantivy()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("shard", stored=False, tokenizer_name="raw")
    sb.add_integer_field("no", stored=True, indexed=False)
    sb.add_text_field("text", stored=True)
    for name in ("title", "quote", "speaker", "outlet"):
        sb.add_text_field(name, stored=False)
    return sb.build()


def _meta(out: Path) -> dict[str, Any]:
    path = index_dir(out) / _META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) and meta.get("format") == INDEX_FORMAT else {}


def has_index(out: Path) -> bool:
    """Whether ``out`` has a search index (perhaps missing its newest shards)."""
    return bool(_meta(out))


def _shards(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_size
            for p in sorted((out / "shards").glob("part-*/articles.parquet"))}


def _documents(shard: Path) -> list[dict[str, Any]]:
    """The index documents of one shard's articles."""
    import pyarrow.parquet as pq

    from unspin.batch.derived import _outlet

    articles = pq.read_table(shard / "articles.parquet",
                             columns=["id", "source_title", "text", "source_site",
                                      "source_url"]).to_pylist()
    quotes: dict[str, list[dict[str, Any]]] = {}
    names: dict[tuple[str, str], str] = {}
    if (shard / "quotes.parquet").exists():
        for q in pq.read_table(shard / "quotes.parquet", columns=[
                "article_id", "content_start", "content_end", "speaker"]).to_pylist():
            quotes.setdefault(q["article_id"], []).append(q)
    if (shard / "actors.parquet").exists():
        for a in pq.read_table(shard / "actors.parquet",
                               columns=["article_id", "id", "name"]).to_pylist():
            names[(a["article_id"], a["id"])] = a["name"] or ""
    from unspin.batch.aggregates import shard_number

    high = shard_number(shard.name) * 2**32
    docs = []
    for row, art in enumerate(articles):  # its row in the file, as file_row_number counts
        text = art["text"] or ""
        qs = quotes.get(art["id"], [])
        docs.append({
            "id": art["id"], "shard": shard.name, "no": high + row,
            "title": art["source_title"] or "",
            "text": text, "outlet": _outlet(art["source_site"], art["source_url"]),
            "quote": [text[q["content_start"]:q["content_end"]] for q in qs],
            "speaker": sorted({names.get((art["id"], q["speaker"]), "") for q in qs
                               if q["speaker"]} - {""}),
        })
    return docs


def build_index(out: Path, *, rebuild: bool = False) -> dict[str, int]:
    """Add the shards of ``out`` that the index lacks (all of them with ``rebuild``, or
    when the index is of another format); returns ``shards`` added, ``documents`` added
    and ``total`` documents."""
    tantivy = _tantivy()
    folder = index_dir(out)
    meta = {} if rebuild else _meta(out)
    if not meta and folder.exists():
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    done: dict[str, int] = dict(meta.get("shards", {}))
    current = _shards(out)
    todo = [name for name, size in current.items() if done.get(name) != size]
    gone = [name for name in done if name not in current]
    index = tantivy.Index(_schema(), path=str(folder), reuse=bool(meta))
    added = 0
    if todo or gone:
        writer = index.writer(100_000_000, 1)
        for name in [*gone, *todo]:
            if name in done:  # rewritten (or removed) since it was indexed
                writer.delete_documents_by_term("shard", name)
        for name in todo:
            for doc in _documents(out / "shards" / name):
                writer.add_document(tantivy.Document(**doc))
                added += 1
        writer.commit()
        writer.wait_merging_threads()
    index.reload()
    total = int(index.searcher().num_docs)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-meta-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": INDEX_FORMAT, "shards": current,
                             "documents": total}, indent=2) + "\n")
    os.replace(tmp, folder / _META)
    with _open_lock:
        _open.pop(str(folder), None)
    return {"shards": len(todo), "documents": added, "total": total}


def _index(out: Path) -> Any:
    folder = index_dir(out)
    if not has_index(out):
        if (folder / _META).is_file():  # an index of another format (an older unspin's)
            raise FilterError(f"the search index of {out} was built by another version of "
                              f"unspin ({INDEX_FORMAT} reads it no more); rebuild it with "
                              f"`unspin corpus {out} --index`", path=str(out))
        raise FilterError(f"{out} has no search index yet; build it with `unspin corpus {out} "
                          "--index` (unspin batch builds it after each run)", path=str(out))
    with _open_lock:
        index = _open.get(str(folder))
        if index is None:
            index = _tantivy().Index(_schema(), path=str(folder), reuse=True)
            _open[str(folder)] = index
    return index


def parse(out: Path, q: str) -> Any:
    """``q`` as a tantivy query over the index of ``out`` (words all required unless OR)."""
    if not q.strip():
        raise SearchSyntaxError("the search query is empty; give words, a \"phrase\", or "
                                "field:word (title, text, quote, speaker, outlet)", q=q)
    if len(q) > 1000:
        raise SearchSyntaxError("the search query is longer than 1000 characters", q=q[:80])
    index = _index(out)
    try:
        return index, index.parse_query(q, _DEFAULT_FIELDS, conjunction_by_default=True)
    except ValueError as exc:
        raise SearchSyntaxError(
            f"cannot parse the search query {q!r} ({exc}); use words, \"a phrase\", AND, OR, "
            "NOT, parentheses and title:, text:, quote:, speaker:, outlet:", q=q) from None


@dataclass(frozen=True)
class Found:
    """A search's answer: ``matches`` (articles matching and kept by the view; a lower
    bound unless ``exact``), and its first rows (id, title, outlet, published, input,
    score, snippet)."""

    matches: int
    exact: bool
    rows: list[dict[str, Any]]


def search(db: Corpus, q: str, f: Filters | None = None, *, limit: int = 50) -> Found:
    """Search the articles of ``db``'s outputs for ``q`` under the view ``f``."""
    tantivy = _tantivy()
    f = db.resolve(f) if f is not None else db.filters
    scored: list[tuple[float, str, int, Any, Any]] = []
    counts = 0
    for out in db.outs:
        index, query = parse(out, q)
        searcher = index.searcher()
        result = searcher.search(query, CAP)
        counts += int(result.count or 0)
        gens = {field: tantivy.SnippetGenerator.create(searcher, query, index.schema, field)
                for field in ("text", "title")}
        for gen in gens.values():
            gen.set_max_num_chars(240)
        for score, addr in result.hits:
            doc = searcher.doc(addr)
            scored.append((float(score), str(doc["id"][0]), int(doc["no"][0]), doc, gens))
    scored.sort(key=lambda s: (-s[0], s[1]))
    kept = db.articles_by_id([s[1] for s in scored], numbers=[s[2] for s in scored],
                             filters=f)
    order = [s for s in scored if s[1] in kept]
    exact = counts <= CAP * len(db.outs) and len(scored) == counts
    rows = []
    for score, rid, _, doc, gens in order[:limit]:
        article = dict(kept[rid])
        text = str((doc.get_all("text") or [""])[0])
        article["score"] = round(score, 4)
        article["snippet"] = _snippet(gens, text, str(article.get("title") or ""), tantivy)
        rows.append(article)
    return Found(matches=len(order), exact=exact, rows=rows)


def _snippet(gens: dict[str, Any], text: str, title: str, tantivy: Any) -> str:
    """The best passage of ``text`` as HTML (matched words in ``<b>``, everything else
    escaped); the title, or the text's opening, when the text has no match."""
    import html

    for field, value in (("text", text), ("title", title)):
        snip = gens[field].snippet_from_doc(tantivy.Document(**{field: value}))
        if snip.highlighted():
            return str(snip.to_html())
    return html.escape(" ".join(text.split())[:240])
