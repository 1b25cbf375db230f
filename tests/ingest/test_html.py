"""HTML pages: the article's text and its metadata come out; a page with no article is an error."""

from __future__ import annotations

import pytest

from unspin.errors import NoArticleTextError
from unspin.ingest.html import extract_html, looks_like_html

PAGE = """<!DOCTYPE html><html><head>
<title>Harbour reopens after storm | The Coastal Courier</title>
<meta property="og:title" content="Harbour reopens after storm">
<meta property="og:site_name" content="The Coastal Courier">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<link rel="canonical" href="https://courier.example.com/harbour-reopens">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour reopens after storm</h1>
<p>The harbour reopened to fishing boats on Tuesday, four days after a winter storm tore
through the breakwater and sank two moorings.</p>
<p>"We worked through the night to clear the channel," said harbour master Ruth Okafor,
adding that repairs to the outer wall would take another month.</p>
<p>Fishermen said the closure had cost them most of a week's catch.</p>
</article><footer>© The Coastal Courier</footer></body></html>"""


def test_article_text_title_site_date_and_url_are_kept() -> None:
    article = extract_html(PAGE, id="p1")
    assert "tore\nthrough the breakwater" in article.text or "tore through the breakwater" in article.text
    assert "harbour master Ruth Okafor" in article.text
    assert "Home" not in article.text.split("\n")[2:]
    assert article.source.title == "Harbour reopens after storm"
    assert article.source.site == "The Coastal Courier"
    assert article.source.published == "2024-03-05"
    assert article.source.url == "https://courier.example.com/harbour-reopens"
    assert article.text.startswith("Harbour reopens after storm")


def test_a_page_without_article_text_is_a_clear_error() -> None:
    empty = "<html><head><title>Login</title></head><body><form><input name=u></form></body></html>"
    with pytest.raises(NoArticleTextError, match="no article text"):
        extract_html(empty, id="p2")


@pytest.mark.parametrize("text,expected", [
    ("<!DOCTYPE html><html><body><p>x</p></body></html>", True),
    ("<div><p>One</p><p>Two</p></div>", True),
    ("A plain sentence that mentions <b> once.", False),
    ("Plain text.\n\nAnother paragraph.", False),
])
def test_html_is_sniffed_from_content(text: str, expected: bool) -> None:
    assert looks_like_html(text) is expected


def test_the_byline_the_page_gives_is_the_author() -> None:
    page = PAGE.replace('<link rel="canonical"', '<meta name="author" content="Ruth Okafor">\n'
                                                  '<link rel="canonical"')
    assert extract_html(page, id="p1").source.author == "Ruth Okafor"
    assert extract_html(PAGE, id="p1").source.author is None
