"""The one function every engine runs: a Record in, its table rows (or its failure row) out.

Engines only decide *where* :func:`process_record` runs; what it computes is the same in
the local pool, on a Ray actor or in the driver itself. A record never raises out of it:
every exception becomes a failure row naming the stage it came from.
"""

from __future__ import annotations

import json
import os
import resource
import time
from dataclasses import dataclass
from typing import Any

from unspin.analyzer import Analyzer
from unspin.batch.inputs import Record, record_to_article
from unspin.batch.tables import failure_row, report_to_rows
from unspin.errors import PipelineError, UnspinError
from unspin.options import Options
from unspin.process import prepare_worker_process

__all__ = ["Outcome", "WorkerState", "process_record"]


@dataclass(frozen=True)
class Outcome:
    """What one record produced: rows for each table (a failure has only ``failures``).

    ``pid`` and ``rss_kb`` (the worker's peak resident memory so far, in KiB) let the
    driver report memory per worker; ``ms`` is the record's wall time in the worker and
    ``cpu_ms`` the worker's CPU time on it (robust to other load on a shared machine).
    """

    id: str
    source: str
    rows: dict[str, list[dict[str, Any]]]
    failed: bool
    pid: int
    rss_kb: int
    ms: float
    cpu_ms: float = 0.0

    def to_json(self) -> str:
        return json.dumps({"id": self.id, "source": self.source, "rows": self.rows,
                           "failed": self.failed, "pid": self.pid, "rss_kb": self.rss_kb,
                           "ms": self.ms, "cpu_ms": self.cpu_ms}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        d = json.loads(text)
        rows = d["rows"]
        return cls(id=d["id"], source=d["source"], rows=rows, failed=d["failed"],
                   pid=d["pid"], rss_kb=d["rss_kb"], ms=d["ms"],
                   cpu_ms=d.get("cpu_ms", 0.0))


def _failure(record: Record, stage: str, exc: BaseException) -> dict[str, list[dict[str, Any]]]:
    if isinstance(exc, UnspinError):
        code, message = exc.code, exc.message
    else:
        code = PipelineError.code
        message = (f"{type(exc).__name__}: {exc} (this is a bug in unspin; please report it "
                   "with the input)")
    return {"failures": [failure_row(id=record.id, source=record.source, stage=stage, code=code,
                                     type=type(exc).__name__, message=message)]}


def _peak_rss_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def process_record(record: Record, analyzer: Analyzer) -> Outcome:
    """Analyse one record; every error becomes a failure row (stage ``ingest`` or the stage
    that raised it), never an exception."""
    t0, c0 = time.perf_counter(), time.process_time()
    rows: dict[str, list[dict[str, Any]]]
    failed = True
    try:
        t = time.perf_counter()
        article = record_to_article(record, analyzer.options)
        ingest_ms = (time.perf_counter() - t) * 1000
    except Exception as exc:
        rows = _failure(record, "ingest", exc)
    else:
        try:
            report = analyzer.analyze_article(article, ingest_ms=ingest_ms)
            rows = report_to_rows(report, input=record.source)
            failed = False
        except PipelineError as exc:
            rows = _failure(record, str(exc.context.get("stage", "analyze")), exc)
        except Exception as exc:
            rows = _failure(record, "analyze", exc)
    return Outcome(id=record.id, source=record.source, rows=rows, failed=failed,
                   pid=os.getpid(), rss_kb=_peak_rss_kb(),
                   ms=(time.perf_counter() - t0) * 1000,
                   cpu_ms=(time.process_time() - c0) * 1000)


class WorkerState:
    """A worker's Analyzer, built once (models loaded) when the worker starts."""

    analyzer: Analyzer | None = None

    @classmethod
    def start(cls, options: Options) -> Analyzer:
        prepare_worker_process()
        analyzer = Analyzer(options)
        _ = analyzer.pipeline  # load the backbone and every stage's model now, once
        cls.analyzer = analyzer
        return analyzer
