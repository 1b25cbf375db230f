"""The page as a user sees it: Debian's Chromium, driven by Playwright, against a live server.

Skips (with the reason) where /usr/bin/chromium is absent; CI installs it with
``apt-get install -y chromium``. Never ``playwright install`` (that downloads browsers).
The launch options are the root conftest's ``browser_type_launch_args``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="playwright is not installed")

from playwright.sync_api import Dialog, FrameLocator, Page, expect


def analyse(page: Page, base: str, text: str) -> FrameLocator:
    page.goto(base + "/")
    page.get_by_label("Paste an article").fill(text)
    page.get_by_role("button", name="Analyse").click()
    return page.frame_locator("iframe[name=report]")


def test_paste_analyse_toggle_and_screenshot(page: Page, live_server: str, article: str,
                                             tmp_path: Path) -> None:
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    report = analyse(page, live_server, article)
    highlights = report.locator("#article span.ent")
    highlights.first.wait_for(timeout=30_000)
    assert highlights.count() >= 3
    expect(report.locator("h1")).to_have_text("Harbour town votes to rebuild its old sea wall")
    first = highlights.first
    shaded = first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert shaded not in ("rgba(0, 0, 0, 0)", "transparent")

    report.get_by_label("entities").uncheck()  # the renderer's own script runs in the frame
    expect(report.locator("body")).to_have_class("hide-ent")
    assert first.evaluate("el => getComputedStyle(el).backgroundColor") == "rgba(0, 0, 0, 0)"
    report.get_by_label("entities").check()
    expect(report.locator("body")).not_to_have_class("hide-ent")

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert console_errors == []  # e.g. no Content-Security-Policy violation


def test_hostile_article_runs_no_script(page: Page, live_server: str) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    hostile = ("Protest at the harbour\n\nA placard read <img src=x onerror=\"alert('img')\"> "
               "and <script>alert('script')</script> while Mayor Ines Calloway spoke in "
               "Marlow Bay on Monday.")
    report = analyse(page, live_server, hostile)
    report.locator("#article span.ent").first.wait_for(timeout=30_000)
    expect(report.locator("#article")).to_contain_text("<img src=x onerror=")
    expect(report.locator("#article")).to_contain_text("<script>alert('script')</script>")
    assert report.locator("#article img, #article script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_blocked_url_shows_the_error_in_the_frame(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_label("…or give its URL").fill("http://127.0.0.1:9/private")
    page.get_by_role("button", name="Analyse").click()
    alert = page.frame_locator("iframe[name=report]").get_by_role("alert")
    expect(alert).to_contain_text("refusing to fetch http://127.0.0.1:9/private")
