"""read_page / Page: the headline leads the article's text once, never twice."""

from __future__ import annotations

from unspin.article import Source
from unspin.ingest.html import Page, extract_html

PAGE = """<!DOCTYPE html><html><head><title>Ferry returns to the island | Island Post</title>
<meta property="og:title" content="Ferry returns to the island"></head><body>
<article><p>The ferry made its first crossing in three weeks on Friday morning, carrying forty
passengers and a van of supplies for the island shop.</p>
<p>The crew said the crossing was calm and the new engine ran well all the way.</p></article>
</body></html>"""


def test_the_title_is_put_in_front_when_the_main_text_lacks_it() -> None:
    page = Page(main_text="Body text.", source=Source(kind="html", title="A title"))
    assert page.headline == "A title"
    assert page.text == "A title\n\nBody text."


def test_a_main_text_that_starts_with_the_title_keeps_it_once() -> None:
    page = Page(main_text="A title\nBody text.", source=Source(kind="html", title="A title"))
    assert page.headline is None
    assert page.text == "A title\nBody text."


def test_extract_html_leads_with_the_headline_read_page_found() -> None:
    article = extract_html(PAGE, id="p")
    assert article.source.title == "Ferry returns to the island"
    assert article.raw_text.startswith("Ferry returns to the island\n\nThe ferry made its first")
