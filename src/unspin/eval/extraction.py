"""``unspin eval extraction``: article-body extraction on the Zyte/Scrapinghub benchmark.

Scores two systems on the same pages in one run:

- ``trafilatura``: ``trafilatura.extract(html, include_comments=False)``, the call the
  benchmark's own runner makes (``extractors/run_trafilatura.py``), i.e. the published figure;
- ``unspin``: ``unspin.ingest.html.read_page`` → ``extract_html``'s article → ``unspin.clean.clean``.

Metric (as the benchmark's ``evaluate.py`` defines it; re-implemented here, not copied):

- tokens: maximal runs of word characters, ``\\w+`` (Unicode), case kept (no lowercasing);
- shingles: every run of 4 consecutive tokens, counted with multiplicity (a multiset: a
  shingle that occurs twice in the truth and once in the output is one TP and one FN); a
  text of fewer than 4 tokens is one short shingle;
- per page: TP, FP, FN over the shingle multisets, divided by their sum (so long pages do not
  weigh more); page precision TP/(TP+FP) and recall TP/(TP+FN) (both 1 when FP = FN = 0);
- corpus: precision is the mean page precision over pages with TP+FP > 0, recall the mean
  page recall over pages with TP+FN > 0, and F1 the harmonic mean of those two means.

The headline. The benchmark's ``articleBody`` never holds the headline (it is a separate
field of its schema; none of the 181 bodies starts with the page title). ``extract_html``
puts the title in front of trafilatura's main text when that text does not already start
with it; that prepended line is metadata unspin adds, so it is taken off before scoring.
When trafilatura's main text itself starts with the title (35 of the 181 pages), the title
stays and counts against unspin exactly as it counts against trafilatura. The table also
shows unspin with the prepended headline kept, for comparison.

Promo lines. A line counts as a promo line left in an output when the detector
:func:`is_promo_line` flags it and its words do not occur in the page's ``articleBody``
(what the benchmark calls article text is never a leftover). The detector is general and
is the same for both systems: a cross-link label ("Read more:", "RELATED:", "You may also
like", "DON'T MISS", "Most read in …"), a sign-up or app call ("Sign up for …", "Subscribe
to …", "Click here to …", "Follow us on Twitter"), a share prompt ("Click To Tweet",
"Share it with a friend") or a bar of share words. It is deliberately separate from the
rules in :mod:`unspin.clean`, so that clean is not scored by its own rules.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from unspin.article import Article
from unspin.clean import clean
from unspin.errors import ConfigError, NoArticleTextError
from unspin.ingest.html import HEADLINE_SEPARATOR, read_page

__all__ = [
    "BenchPage",
    "Counts",
    "Scores",
    "is_promo_line",
    "load_pages",
    "match",
    "promo_lines",
    "run",
    "score",
    "shingles",
    "tokens",
    "trafilatura_text",
    "unspin_text",
]

NGRAM = 4
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Maximal runs of word characters (Unicode ``\\w+``), case kept."""
    return _TOKEN.findall(text)


def shingles(text: str, n: int = NGRAM) -> Counter[tuple[str, ...]]:
    """The multiset of ``n``-token shingles of ``text`` (one short shingle below ``n`` tokens)."""
    toks = tokens(text)
    if len(toks) < n:
        return Counter([tuple(toks)] if toks else [])
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


@dataclass(frozen=True)
class Counts:
    """One page's TP, FP and FN shingles, normalised to sum to 1 (all 0 when both are empty)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def match(truth: str, output: str) -> Counts:
    """Shingle TP/FP/FN of ``output`` against ``truth``, normalised per page."""
    want, got = shingles(truth), shingles(output)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if not total:
        return Counts(0.0, 0.0, 0.0)
    return Counts(tp / total, fp / total, fn / total)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float


def score(pages: Sequence[Counts]) -> Scores:
    """Mean page precision and recall (pages where each is defined) and their harmonic mean."""
    precisions = [c.precision for c in pages if c.tp + c.fp > 0]
    recalls = [c.recall for c in pages if c.tp + c.fn > 0]
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return Scores(p, r, 2 * p * r / (p + r) if p + r else 0.0)


# --- promo-line detector (for counting; independent of unspin.clean's rules) ---------------

_LABELS = (
    r"read (?:more|also|next|this)|also read|see (?:more|also)|more (?:on|about) this(?: story)?|"
    r"more from [\w .'’&-]{1,40}|more stories|top stories|related(?: articles?| stories| posts?| "
    r"coverage| content| reading| links| news| videos?)?|recommended(?: for you| reading| stories)?|"
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|don[’']?t miss|do not miss|"
    r"must read|most (?:read|popular|viewed|shared)(?: [\w ]{1,30})?|popular (?:on|in) [\w .]{1,30}|"
    r"trending(?: now| stories)?|in other news|now watch|watch(?: now| more| the video| live)?|"
    r"listen(?: now| here)?|also on [\w .-]{1,30}|also|more|up next|editor[’']?s picks?|"
    r"further reading|explore further|sponsored(?: content| links?)?|advertisement|promoted"
)
_CROSS_LINK = re.compile(
    rf"^[\W_]{{0,3}}(?:{_LABELS})\s*(?::|»|>>|\||—|–|\.\.\.|…|\]|$)", re.IGNORECASE)
_CALL = re.compile(
    r"(?:^|[.!?]\s+)(?:sign up|subscribe (?:to|for|now|here|today)|click here|"
    r"get (?:the|our)\b[^.!?]{0,50}\b(?:newsletters?|app)\b|download (?:the|our)\b[^.!?]{0,30}\bapp\b|"
    r"join (?:our|the) (?:newsletter|mailing list)|thanks for (?:signing up|subscribing)|"
    r"follow (?:us|[^.!?]{1,60}?) on (?:twitter|facebook|instagram|youtube|tiktok|linkedin))",
    re.IGNORECASE)
_SHARE = re.compile(r"click to tweet|share (?:it|this)(?: story| article| post)? (?:with|on)\b",
                    re.IGNORECASE)
_SHARE_WORDS = frozenset({
    "share", "shares", "tweet", "email", "facebook", "twitter", "linkedin", "pinterest", "whatsapp",
    "reddit", "print", "copy", "link", "save", "messenger", "flipboard", "this", "article", "on",
})
_MAX_WORDS = 40


def is_promo_line(line: str) -> bool:
    """Whether one line of extracted text is a cross-link, a sign-up or app call, or a share
    prompt (lines of more than 40 words never are)."""
    words = line.split()
    if not words or len(words) > _MAX_WORDS:
        return False
    if _CROSS_LINK.search(line.strip()) or _CALL.search(line.strip()) or _SHARE.search(line):
        return True
    plain = [w.strip(".,:;!?()[]|·•").lower() for w in words]
    plain = [w for w in plain if w]
    return bool(plain) and all(w in _SHARE_WORDS for w in plain) and "share" in plain


def promo_lines(output: str, truth: str) -> list[str]:
    """The lines of ``output`` the detector flags whose words are not in ``truth``."""
    body = " " + " ".join(tokens(truth.lower())) + " "
    found = []
    for line in output.splitlines():
        words = tokens(line.lower())
        if words and is_promo_line(line) and f" {' '.join(words)} " not in body:
            found.append(line.strip())
    return found


# --- the two systems -------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchPage:
    id: str
    url: str | None
    html: str
    truth: str


def load_pages(data: Path, limit: int | None = None) -> list[BenchPage]:
    """The benchmark's pages in id order (the first ``limit`` when given)."""
    truth_path = data / "ground-truth.json"
    if not truth_path.is_file():
        raise ConfigError(
            f"{truth_path} not found; pass --data ../shared/data/article-extraction-benchmark")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit is not None else sorted(truth)
    pages = []
    for pid in ids:
        with gzip.open(data / "html" / f"{pid}.html.gz", "rt", encoding="utf-8") as fh:
            html = fh.read()
        pages.append(BenchPage(pid, truth[pid].get("url"), html, truth[pid].get("articleBody") or ""))
    return pages


def trafilatura_text(html: str) -> str:
    """The baseline: trafilatura's ``extract`` as the benchmark's runner calls it."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def unspin_text(page: BenchPage, *, keep_headline: bool = False) -> str:
    """unspin's ingest + clean on one page; the headline ``extract_html`` prepends is taken off
    unless ``keep_headline``. A page with no article text gives ""."""
    return _unspin_texts(page)[1 if keep_headline else 0]


def _unspin_texts(page: BenchPage) -> tuple[str, str]:
    """(cleaned text without the prepended headline, cleaned text as unspin analyses it)."""
    try:
        read = read_page(page.html, url=page.url)
    except NoArticleTextError:
        return "", ""
    cleaned = clean(Article(id=page.id, raw_text=read.text, source=read.source))
    headline = read.headline
    if headline is None:
        return cleaned.text, cleaned.text
    prefix = headline + HEADLINE_SEPARATOR
    # clean() never removes the first line, so the prefix is still there.
    assert cleaned.text.startswith(prefix), page.id
    return cleaned.text[len(prefix):], cleaned.text


@dataclass
class _System:
    name: str
    counts: list[Counts] = field(default_factory=list)
    promo: list[list[str]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, page: BenchPage, output: str, seconds: float) -> None:
        self.counts.append(match(page.truth, output))
        self.promo.append(promo_lines(output, page.truth))
        self.seconds += seconds


def run(data: Path, *, split: str | None, console: Console,
        limit: int | None = None) -> dict[str, float]:
    """Score trafilatura and unspin's ingest + clean on every page; print a table.

    The benchmark has a single set of 181 pages: ``split`` must be None or "all".
    ``limit`` scores only the first pages in id order (for quick checks).
    """
    if split not in (None, "all"):
        raise ConfigError(f"the extraction benchmark has no split {split!r}; leave --split out")
    pages = load_pages(data, limit)
    traf = _System("trafilatura")
    uns = _System("unspin")
    with_headline = _System("unspin +headline")
    for page in pages:
        t = time.perf_counter()
        baseline = trafilatura_text(page.html)
        t1 = time.perf_counter()
        body, text = _unspin_texts(page)
        t2 = time.perf_counter()
        traf.add(page, baseline, t1 - t)
        uns.add(page, body, t2 - t1)
        with_headline.add(page, text, t2 - t1)
    table = Table(
        title=f"Article extraction: {len(pages)} pages, word 4-gram shingles",
        caption=("trafilatura = extract(html, include_comments=False); unspin = ingest + clean, "
                 "without the headline it prepends; +headline = with it"))
    for col in ("system", "precision", "recall", "F1", "promo pages", "promo lines", "s"):
        table.add_column(col, justify="left" if col == "system" else "right",
                         no_wrap=col in ("system", "precision", "recall", "F1"))
    results: dict[str, Scores] = {}
    for system in (traf, uns, with_headline):
        s = results[system.name] = score(system.counts)
        table.add_row(system.name, f"{s.precision:.4f}", f"{s.recall:.4f}", f"{s.f1:.4f}",
                      str(sum(1 for p in system.promo if p)),
                      str(sum(len(p) for p in system.promo)), f"{system.seconds:.0f}")
    console.print(table)
    console.print("published (Zyte benchmark README): trafilatura F1 0.958")
    return {
        "f1_unspin": results[uns.name].f1,
        "f1_trafilatura": results[traf.name].f1,
        "precision_unspin": results[uns.name].precision,
        "recall_unspin": results[uns.name].recall,
        "precision_trafilatura": results[traf.name].precision,
        "recall_trafilatura": results[traf.name].recall,
        "promo_pages_unspin": float(sum(1 for p in uns.promo if p)),
        "promo_pages_trafilatura": float(sum(1 for p in traf.promo if p)),
    }
