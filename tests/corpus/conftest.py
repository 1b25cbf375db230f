"""A small crawl written for the explorer's tests (invented outlets, people and words),
its search index, and the explorer over it: in process, and live under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from unspin.batch.tables import failure_row, report_to_rows
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore
from unspin.corpus import Corpus
from unspin.report.models import Actor, Narrative, Quote, Report, SourceInfo, Span, Technique

N1, N2 = "CC: Criticism of institutions", "CC: Amplifying fears"
HOSTILE = "<script>alert('t')</script> Ferry fares"

#: (id, title, outlet, date, speaker, quoted words, technique, narrative)
ARTICLES: list[tuple[str, str, str, str | None, str | None, str, str | None, str | None]] = [
    ("ledger/1", "Harbour board keeps fares", "Daily Ledger", "2024-03-04", "Mara Okafor",
     "We will not raise fares this year", "Loaded_Language", N1),
    ("ledger/2", "Ferry timetable changes", "Daily Ledger", "2024-03-18", "Mara Okafor",
     "The night ferry stays on the timetable", None, N2),
    ("ledger/3", "Lighthouse keeper retires", "Daily Ledger", "2024-05-02", "Tomas Reyes",
     "Forty winters on the rock were enough", "Doubt", None),
    ("gazette/1", HOSTILE, "Coast Gazette", "2024-04-02", "Mara Okafor",
     "Fares are a matter for the board", "Loaded_Language", N1),
    ("gazette/2", "Pier repairs begin", "Coast Gazette", "2024-04-09", None, "", None, None),
    ("tide/1", "Sea wall vote delayed", "Tide Weekly", None, "Tomas Reyes",
     "The sea wall cannot wait another winter", "Doubt", N2),
]


def _report(id: str, title: str, site: str, published: str | None, speaker: str | None,
            words: str, technique: str | None, narrative: str | None) -> Report:
    quote = f' "{words}," said {speaker}.' if speaker else ""
    text = f"{title}\n\nThe harbour board met on Tuesday.{quote} The meeting ended at noon."
    actors = [Actor(id="p1", name=speaker, type="person")] if speaker else []
    quotes = ([Quote(id="q1", kind="direct", content=Span(start=text.index(words),
                                                           end=text.index(words) + len(words)),
                     speaker="p1", confidence=0.9)] if speaker else [])
    techniques = [Technique(start=0, end=5, technique=technique, score=0.8)] if technique else []
    narratives = ([Narrative(label=narrative, narrative=narrative, score=0.7,
                             evidence=[{"start": 0, "end": 5, "voice": {"kind": "outlet"}}])]
                  if narrative else [])
    return Report(unspin_version="0.1.0", id=id, language="en", text=text, raw_text=text,
                  source=SourceInfo(kind="html", title=title, site=site, published=published),
                  actors=actors, quotes=quotes, techniques=techniques, narratives=narratives)


def _outcome(r: Report) -> Outcome:
    return Outcome(id=r.id, source=f"in/{r.id}", rows=report_to_rows(r, input=f"in/{r.id}"),
                   failed=False, pid=1, rss_kb=0, ms=0.0)


def _write_crawl(folder: Path, *, shards: int = 2) -> Path:
    """The crawl as a batch output in ``folder`` (the articles over ``shards`` shards, a
    failed record in the last)."""
    store = ShardStore(folder)
    store.prepare(force=False)
    reports = [_report(*a) for a in ARTICLES]
    failure = failure_row(id="bad", source="in/bad", stage="ingest", code="E104",
                          type="NoArticleTextError", message="no article text")
    size = -(-len(reports) // shards)
    for n in range(shards):
        outcomes = [_outcome(r) for r in reports[n * size:(n + 1) * size]]
        if n == shards - 1:
            outcomes.append(Outcome(id="bad", source="in/bad", rows={"failures": [failure]},
                                    failed=True, pid=1, rss_kb=0, ms=0.0))
        store.write_shard(outcomes)
    return folder


@pytest.fixture(scope="package")
def write_crawl() -> Any:
    """Writes the crawl as a batch output: ``write_crawl(folder, shards=2)``."""
    return _write_crawl


@pytest.fixture(scope="package")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crawl, with its search index built."""
    pytest.importorskip("tantivy", reason="tantivy (the batch extra) is not installed")
    from unspin.corpus.search import build_index

    folder = _write_crawl(tmp_path_factory.mktemp("crawl"))
    build_index(folder)
    return folder


@pytest.fixture(scope="package")
def corpus_db(crawl: Path) -> Iterator[Corpus]:
    with Corpus(crawl, time_limit=20) as db:
        yield db


@pytest.fixture(scope="package")
def corpus_app(corpus_db: Corpus) -> Any:
    pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
    from unspin.corpus.server import create_corpus_app

    return create_corpus_app(corpus_db)


@pytest.fixture
def client(corpus_app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(corpus_app) as c:
        yield c


@pytest.fixture(scope="package")
def corpus_server(corpus_app: Any, serve_in_thread: Any) -> Iterator[str]:
    """The explorer under uvicorn on 127.0.0.1, on a port the OS picked, in a thread."""
    with serve_in_thread(corpus_app, lifespan="off") as url:
        yield url
