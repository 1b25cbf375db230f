"""The explorer as a researcher uses it: Debian's Chromium, driven by Playwright, against a
live server. Filter by an outlet and a speaker with the plain GET form, search a phrase,
see the snippet, click through to the article's report.

Skips (with the reason) where /usr/bin/chromium is absent (CI: ``apt-get install -y
chromium``; never ``playwright install``). Launch options: the root conftest's.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="playwright is not installed")

from playwright.sync_api import Page, expect


def card(page: Page, label: str) -> str:
    return page.locator(".card", has=page.locator(f"span:text-is('{label}')")).locator(
        "b").inner_text()


def test_filter_search_and_click_through_to_the_report(page: Page, corpus_server: str) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(corpus_server + "/corpus")
    assert card(page, "articles") == "6"

    page.locator("#f-outlet").select_option(["Daily Ledger"])
    page.locator("#f-speaker").fill("Mara Okafor")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{corpus_server}/corpus?since=&until=&outlet=Daily+Ledger&"
                             "speaker=Mara+Okafor&compare=&period=month")
    assert card(page, "articles") == "2"
    assert "Articles from Daily Ledger, quoting Mara Okafor" in page.locator(".form").inner_text()

    page.get_by_role("link", name="search").first.click()
    page.locator("#f-q").fill('"night ferry"')
    page.get_by_role("button", name="Apply").click()
    hit = page.locator("li.hit")
    expect(hit).to_have_count(1)
    expect(hit.locator(".snippet b").filter(has_text="night")).to_have_count(1)
    assert "Daily Ledger" in hit.locator(".meta").inner_text()

    hit.get_by_role("link", name="Ferry timetable changes").click()
    expect(page.locator("h1")).to_have_text("Ferry timetable changes")
    assert "/corpus/article?id=ledger%2F2" in page.url
    assert errors == []
