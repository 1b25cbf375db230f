"""The corpus as a linked folder: every count on the page leads to the articles behind
it, and each article to its own report page, rebuilt from the batch tables.

The crawl is written here by hand (invented outlets, people and texts), so every expected
list below is counted from ``_crawl``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from unspin.batch.tables import failure_row, report_to_rows
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore
from unspin.cli import main
from unspin.corpus import Corpus
from unspin.corpus.site import article_file, write_site
from unspin.errors import ConfigError
from unspin.report.models import Actor, Narrative, Quote, Report, SourceInfo, Span, Technique

HOSTILE = "<script>alert('t')</script> Ferry fares"
N1 = "CC: Criticism of institutions"


def _report(id: str, title: str, site: str, published: str, speaker: str | None,
            technique: str | None = None, narrative: str | None = None) -> Report:
    text = (f"{title}\n\nThe harbour board met on Tuesday. \"We will not raise fares this "
            "year,\" said the chair.")
    actors = [Actor(id="p1", name=speaker, type="person")] if speaker else []
    quotes = ([Quote(id="q1", kind="direct", content=Span(start=text.index("We"),
                                                           end=text.index("year,") + 5),
                     speaker="p1", confidence=0.9)] if speaker else [])
    techniques = ([Technique(start=0, end=5, technique=technique, score=0.8)] if technique else [])
    narratives = ([Narrative(label=narrative, narrative=narrative, score=0.7,
                             evidence=[{"start": 0, "end": 5, "voice": {"kind": "outlet"}}])]
                  if narrative else [])
    return Report(unspin_version="0.1.0", id=id, language="en", text=text, raw_text=text,
                  source=SourceInfo(kind="html", title=title, site=site, published=published),
                  actors=actors, quotes=quotes, techniques=techniques, narratives=narratives)


def _crawl() -> list[Report]:
    return [
        _report("ledger/1", "Harbour board keeps fares", "Daily Ledger", "2024-03-04",
                "Mara Okafor", "Loaded_Language", N1),
        _report("ledger/2", "Ferry timetable changes", "Daily Ledger", "2024-03-18",
                "Mara Okafor"),
        _report("gazette/1", HOSTILE, "Coast Gazette", "2024-04-02", "Mara Okafor",
                "Loaded_Language"),
        _report("gazette/2", "Pier repairs begin", "Coast Gazette", "2024-04-09", None),
    ]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crawl")
    store = ShardStore(folder)
    store.prepare(force=False)
    failure = failure_row(id="bad", source="in/bad", stage="ingest", code="E104",
                          type="NoArticleTextError", message="no article text")
    store.write_shard([Outcome(id=r.id, source=f"in/{r.id}", rows=report_to_rows(r, input=f"in/{r.id}"),
                               failed=False, pid=1, rss_kb=0, ms=0.0) for r in _crawl()]
                      + [Outcome(id="bad", source="in/bad", rows={"failures": [failure]},
                                 failed=True, pid=1, rss_kb=0, ms=0.0)])
    return folder


@pytest.fixture(scope="module")
def site(out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    with Corpus(out) as db:
        result = write_site(db, folder, per_count=2)
    assert result.missing == ()
    return folder


def _hrefs(page: Path) -> list[str]:
    return re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8"))


def test_the_articles_behind_a_count_are_the_ones_it_counts(out: Path) -> None:
    with Corpus(out) as db:
        total, rows = db.articles_behind({"speaker": "Mara Okafor"})
        assert total == 3 and [r["id"] for r in rows] == ["gazette/1", "ledger/2", "ledger/1"]
        assert db.articles_behind({"outlet": "Daily Ledger", "technique": "Loaded_Language"}
                                  )[1][0]["title"] == "Harbour board keeps fares"
        assert db.articles_behind({"narrative": N1, "month": "2024-03"})[0] == 1
        assert db.articles_behind({"has": "techniques"})[0] == 2
        assert db.articles_behind({})[0] == 4
        assert db.failures_behind(stage="ingest", code="E104")[1][0]["id"] == "bad"
        with pytest.raises(ConfigError, match="cannot break a count down by colour"):
            db.articles_behind({"colour": "red"})


def test_many_counts_at_once_are_each_count_on_its_own(out: Path) -> None:
    drills = [{"speaker": "Mara Okafor"}, {"outlet": "Coast Gazette"}, {"speaker": "Nobody"},
              {"outlet": "Daily Ledger", "technique": "Loaded_Language"}, {},
              {"outlet": "Daily Ledger"}, {"has": "narratives"}, {"week": "2024-04-08"}]
    with Corpus(out) as db:
        together = db.articles_behind_many(drills, limit=2)
        alone = [db.articles_behind(d, limit=2) for d in drills]
    assert together == alone
    assert [t for t, _ in together] == [3, 2, 0, 1, 4, 2, 1, 1]


def test_every_link_on_every_page_leads_to_a_page_that_exists(site: Path) -> None:
    pages = [site / "index.html", *sorted((site / "counts").glob("*.html"))]
    assert len(pages) > 10
    for page in pages:
        for href in _hrefs(page):
            assert (page.parent / href).resolve().is_file(), f"{page.name} links to {href}"


def test_a_speakers_count_lists_its_articles_and_says_how_many_more(site: Path, out: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    href = re.search(r'<a href="(counts/speaker-mara-okafor[^"]+)">', index)
    assert href is not None
    page = (site / href.group(1)).read_text(encoding="utf-8")
    assert "3 in this view of the corpus" in page and "Showing the first 2 of 3" in page
    assert "unspin corpus" in page and "--behind &#x27;speaker=Mara Okafor&#x27;" in page
    assert f'href="../articles/{article_file("gazette/1")}"' in page


def test_titles_are_escaped_on_count_pages(site: Path) -> None:
    for page in (site / "counts").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text
    assert any("&lt;script&gt;alert" in p.read_text(encoding="utf-8")
               for p in (site / "counts").glob("*.html"))


def test_an_article_page_is_its_report_rebuilt_from_the_tables(site: Path) -> None:
    page = (site / "articles" / article_file("ledger/1")).read_text(encoding="utf-8")
    assert "Harbour board keeps fares" in page and "Mara Okafor" in page


def test_a_repeated_quote_has_a_page_listing_the_articles_that_carry_it(out: Path) -> None:
    with Corpus(out) as db:
        (row,) = db.query("repeated_quotes")
        total, listed = db.articles_behind({"quote": str(row["cluster"])})
    assert row["articles"] == total == 3  # the three articles that quote the chair
    assert {a["id"] for a in listed} == {"ledger/1", "ledger/2", "gazette/1"}


def test_failures_and_the_all_articles_card_have_their_pages(site: Path) -> None:
    texts = [p.read_text(encoding="utf-8") for p in (site / "counts").glob("*.html")]
    assert any("<h1>Failed records</h1>" in t and "no article text" in t for t in texts)
    assert any("<h1>All articles</h1>" in t for t in texts)


def test_the_cli_writes_the_site_and_lists_what_is_behind_a_count(
        out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["corpus", str(out), "--site", str(tmp_path / "s")]) == 0
    assert (tmp_path / "s" / "index.html").is_file()
    capsys.readouterr()
    assert main(["corpus", str(out), "--behind", "speaker=Mara Okafor", "--behind",
                 "outlet=Coast Gazette", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "id,title,outlet,published,input" and len(lines) == 2
    assert lines[1].startswith("gazette/1,")
    assert main(["corpus", str(out), "--behind", "speaker"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def test_a_researcher_clicks_from_a_count_to_an_articles_report(page: Any, site: Path) -> None:
    from playwright.sync_api import expect

    page.goto((site / "index.html").as_uri())
    page.locator("#speakers svg a").first.click()  # the top speaker's bar
    expect(page.locator("h1")).to_have_text("Articles with speaker = Mara Okafor")
    page.get_by_role("link", name="Ferry timetable changes").click()  # the list is newest first
    expect(page.locator("h1")).to_have_text("Ferry timetable changes")
    assert page.url.endswith(article_file("ledger/2"))


def test_a_researcher_clicks_from_a_repeated_quote_to_the_articles_carrying_it(
        page: Any, site: Path) -> None:
    from playwright.sync_api import expect

    page.goto((site / "index.html").as_uri())
    bar = page.locator("#repeated svg a").first  # the most carried quote
    expect(bar).to_contain_text("We will not raise fares")
    bar.click()
    expect(page.locator("h1")).to_have_text("Articles with quote = 1")
    page.get_by_role("link", name="Ferry timetable changes").click()  # newest first
    expect(page.locator("h1")).to_have_text("Ferry timetable changes")


def test_the_command_for_the_rest_of_a_list_keeps_the_views_filters(out: Path,
                                                                     tmp_path: Path) -> None:
    from unspin.corpus import Filters

    with Corpus(out, filters=Filters(outlets=("Daily Ledger",))) as db:
        write_site(db, tmp_path / "s", per_count=1)
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "s" / "counts").glob("*.html")]
    speaker = next(p for p in pages if "<h1>Articles with speaker = Mara Okafor</h1>" in p)
    assert "2 in this view" in speaker  # the Gazette's article is filtered out
    assert "--outlet &#x27;Daily Ledger&#x27;" in speaker and "--behind" in speaker
