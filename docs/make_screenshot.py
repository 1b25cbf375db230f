"""Make docs/screenshot.png: the HTML report of examples/sample.txt, as Chromium shows it;
or, with ``--corpus OUT``, docs/corpus.png: the linked corpus page of a batch output
(``unspin corpus OUT --site``), e.g. the PolNeAR crawl of ``bench/polnear_crawl.py``.

    python docs/make_screenshot.py [--stages a,b] [--out docs/screenshot.png]
    python docs/make_screenshot.py --corpus /tmp/polnear_out --out docs/corpus.png --height 1400
    python docs/make_screenshot.py --corpus /tmp/polnear_out --section gender \
        --out docs/corpus_quotes.png --height 1400

Needs Debian's Chromium (apt-get install -y chromium) and the playwright package; never
downloads a browser. Re-run it when a stage lands, so the picture shows the current report.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
LIMIT = 500 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT / "examples" / "sample.txt")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--stages", help="comma-separated stages (default: all)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=860)
    parser.add_argument("--corpus", type=Path, help="a batch output: shoot its corpus page")
    parser.add_argument("--section", help="with --corpus: start the shot at this section's "
                        "id (gender, repeated, speakers, outlets)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from playwright.sync_api import sync_playwright

    if args.corpus is not None:
        return _corpus_shot(args)

    from unspin.analyzer import Analyzer
    from unspin.options import ALL_STAGES, Options
    from unspin.render import render_html

    stages = ALL_STAGES if args.stages is None else tuple(
        s for s in args.stages.split(",") if s and s != "none")
    analyzer = Analyzer(Options(stages=stages))
    report = analyzer.analyze(args.source.read_text(encoding="utf-8"), id=args.source.stem)
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "report.html"
        page_path.write_text(render_html(report), encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height},
                                    device_scale_factor=1)
            page.goto(page_path.as_uri())
            page.screenshot(path=str(args.out), full_page=False)
            browser.close()
    size = args.out.stat().st_size
    print(f"{args.out} {size / 1024:.0f} KB; report: {len(report.entities)} entities, "
          f"{len(report.quotes)} quotes, {len(report.techniques)} techniques, "
          f"{len(report.narratives)} narratives; stages run: "
          f"{', '.join(analyzer.pipeline.stages) or 'none (backbone only)'}")
    if size > LIMIT:
        print(f"error: {args.out} is over {LIMIT // 1024} KB; lower --height", file=sys.stderr)
        return 1
    return 0


def _corpus_shot(args: argparse.Namespace) -> int:
    from playwright.sync_api import sync_playwright

    from unspin.corpus import Corpus
    from unspin.corpus.site import write_site

    with tempfile.TemporaryDirectory() as tmp, Corpus(args.corpus) as db:
        result = write_site(db, Path(tmp), per_count=20)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height},
                                    device_scale_factor=1)
            page.goto((Path(tmp) / "index.html").as_uri())
            if args.section:
                page.locator(f"#{args.section}").scroll_into_view_if_needed()
                page.evaluate(f"document.getElementById({args.section!r}).scrollIntoView()")
            page.screenshot(path=str(args.out), full_page=False)
            browser.close()
    size = args.out.stat().st_size
    print(f"{args.out} {size / 1024:.0f} KB; {result.counts} count pages, "
          f"{result.articles} article pages")
    if size > LIMIT:
        print(f"error: {args.out} is over {LIMIT // 1024} KB; lower --height", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
