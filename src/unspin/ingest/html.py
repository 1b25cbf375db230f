"""HTML pages to article text and metadata, with trafilatura."""

from __future__ import annotations

import logging

from unspin.article import Article, Source
from unspin.errors import NoArticleTextError

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def looks_like_html(text: str) -> bool:
    head = text[:4096].lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")):
        return True
    markers = ("<body", "<p>", "<p ", "<div", "<article", "<head", "<title")
    return sum(head.count(m) for m in markers) >= 2


def extract_html(html: str, *, id: str, url: str | None = None, kind: str = "html",
                 path: str | None = None) -> Article:
    """The main text of an HTML page (paragraphs separated by newlines) and its metadata.

    Raises NoArticleTextError when the page has no article text trafilatura can find.
    """
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        favor_precision=False, deduplicate=False, as_dict=False,
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise NoArticleTextError(
            "found no article text in this HTML page (it may be an index page, a login wall or "
            "rendered by JavaScript); save the page's text and pass it as a .txt file",
            url=url or "",
        )
    title = getattr(doc, "title", None)
    text_out = f"{title}\n\n{text}" if title and not text.startswith(title) else text
    source = Source(
        kind=kind,
        url=getattr(doc, "url", None) or url,
        title=title,
        site=getattr(doc, "sitename", None),
        published=getattr(doc, "date", None),
        path=path,
    )
    return Article(id=id, raw_text=text_out, source=source)
