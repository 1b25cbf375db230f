"""HTML pages to article text and metadata, with trafilatura.

``read_page`` is the extraction proper (trafilatura's main text plus the page's metadata);
``extract_html`` turns it into an :class:`~unspin.article.Article` whose text leads with the
headline. Trafilatura keeps the headline in its main text on some pages and leaves it out on
others; when it is left out, the title is put in front (``Page.headline``), so every article
starts with its headline, which :func:`unspin.clean.clean` never removes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from unspin.article import Article, Source
from unspin.errors import NoArticleTextError

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

#: Fewer words of main text than this (words holding a letter, headline not counted) and a
#: page has no article: a title and a navigation bar ("x / Home") is not a story. On the
#: Zyte benchmark's 181 article pages the shortest main text trafilatura finds has 21 words
#: (its annotated body: 18), the next 46; so 10 keeps every real article there.
MIN_WORDS = 10

#: What separates the prepended headline from the main text.
HEADLINE_SEPARATOR = "\n\n"


def looks_like_html(text: str) -> bool:
    head = text[:4096].lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")):
        return True
    markers = ("<body", "<p>", "<p ", "<div", "<article", "<head", "<title")
    return sum(head.count(m) for m in markers) >= 2


@dataclass(frozen=True)
class Page:
    """One page as trafilatura reads it: ``main_text`` (paragraphs separated by newlines)
    and ``source`` (title, site, date, URL)."""

    main_text: str
    source: Source

    @property
    def headline(self) -> str | None:
        """The title put in front of ``main_text`` in the article's text, or None when the
        page has no title or the main text already starts with it."""
        title = self.source.title
        if title and not self.main_text.startswith(title):
            return title
        return None

    @property
    def text(self) -> str:
        """The article's text: the headline (when prepended), a blank line, the main text."""
        headline = self.headline
        return f"{headline}{HEADLINE_SEPARATOR}{self.main_text}" if headline else self.main_text


def read_page(html: str, *, url: str | None = None, kind: str = "html",
              path: str | None = None) -> Page:
    """The main text and metadata of an HTML page.

    Raises NoArticleTextError when the page has no article text trafilatura can find, or
    fewer than :data:`MIN_WORDS` words of it.
    """
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        favor_precision=False, deduplicate=False, as_dict=False,
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    words = sum(1 for w in text.split() if any(ch.isalpha() for ch in w))
    if words < MIN_WORDS:
        found = "no article text" if not text else f"only {words} word(s) of main text ({text[:60]!r})"
        raise NoArticleTextError(
            f"found {found} in this HTML page, fewer than the {MIN_WORDS} an article has (it may "
            "be an index page, a login wall or rendered by JavaScript); save the page's text and "
            "pass it as a .txt file",
            url=url or "", words=str(words),
        )
    source = Source(
        kind=kind,
        url=getattr(doc, "url", None) or url,
        title=getattr(doc, "title", None),
        site=getattr(doc, "sitename", None),
        published=getattr(doc, "date", None),
        path=path,
        author=getattr(doc, "author", None) or None,
    )
    return Page(main_text=text, source=source)


def extract_html(html: str, *, id: str, url: str | None = None, kind: str = "html",
                 path: str | None = None) -> Article:
    """The main text of an HTML page, led by its headline, and its metadata.

    Raises NoArticleTextError when the page has no article text trafilatura can find.
    """
    page = read_page(html, url=url, kind=kind, path=path)
    return Article(id=id, raw_text=page.text, source=page.source)
