"""The web app's analyses: one request's :class:`~unspin.web.inputs.Input` in, a Report out.

The article is read by the one ingest entry (:func:`unspin.ingest.to_article`) in the
server process, outside any lock, so a slow URL never holds up the others. Then the
analysis runs either

* **in process** (:class:`InProcess`, what ``create_app(analyzer)`` gives): one analyzer,
  one analysis at a time under a lock (spaCy and the model-backed stages are not
  documented as thread-safe); or
* **in worker processes** (:class:`WorkerPool`, ``unspin serve --workers N``): N processes
  from a fork server, each loading the models once and analysing one article at a time
  with one torch thread. :meth:`WorkerPool.start` returns only when every
  worker has loaded its models and run a warm-up text, so the port opens on a ready
  server. A worker that dies mid-request (killed, out of memory) answers that request
  with :class:`~unspin.errors.WorkerError` (503) and a fresh pool takes the next ones.

Articles go to workers and reports come back through the pool's pickling, between this
server's own processes only; errors come back as their ``to_dict`` and are rebuilt here.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

import unspin.errors as errors
from unspin.analyzer import Analyzer
from unspin.article import Article
from unspin.errors import ModelError, PipelineError, UnspinError, WorkerError
from unspin.ingest import Hints, to_article
from unspin.ingest.url import Resolver, resolve
from unspin.options import Options
from unspin.report import Report
from unspin.web.inputs import Input

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier

    import httpx

__all__ = ["InProcess", "Service", "WorkerPool"]

_log = logging.getLogger("unspin.web")

#: Run once through a fresh analyzer so that the first real request is not the slow one.
WARM_UP_TEXT = "The council said on Monday that the bridge would reopen."
#: How long the workers may take to load their models before start-up gives up.
START_TIMEOUT_S = 600.0


class Service:
    """What every analysis back end shares: reading the Input into an Article."""

    workers = 0

    def __init__(self, options: Options, transport: httpx.BaseTransport | None = None,
                 resolver: Resolver = resolve) -> None:
        self.options = options
        self.transport = transport
        self.resolver = resolver
        self.stages: list[str] = []
        self.skipped: dict[str, str] = {}

    def article(self, inp: Input) -> Article:
        """The Input as an Article, through the one ingest entry."""
        if inp.url is not None:
            return to_article(url=inp.url, hints=Hints(id=inp.id), options=self.options,
                              transport=self.transport, resolver=self.resolver)
        if inp.upload is not None:
            name, data = inp.upload
            rid = inp.id or PurePath(name).stem[:120] or None
            return to_article(data=data, hints=Hints(kind=inp.kind, id=rid, name=name),
                              options=self.options)
        return to_article(text=inp.content or "", hints=Hints(kind=inp.kind, id=inp.id),
                          options=self.options)

    async def report(self, inp: Input) -> Report:
        return await run_in_threadpool(self._report, inp)

    def _report(self, inp: Input) -> Report:
        t0 = time.perf_counter()
        article = self.article(inp)
        return self.analyze(article, ingest_ms=(time.perf_counter() - t0) * 1000)

    def start(self) -> None:
        """Load the models and warm up (idempotent); raises ModelError if they cannot load."""
        raise NotImplementedError

    def analyze(self, article: Article, *, ingest_ms: float) -> Report:
        raise NotImplementedError

    def close(self) -> None:
        """Stop whatever :meth:`start` started."""


class InProcess(Service):
    """Analyses in the server process, one at a time, with ``analyzer``."""

    def __init__(self, analyzer: Analyzer, transport: httpx.BaseTransport | None = None,
                 resolver: Resolver = resolve) -> None:
        super().__init__(analyzer.options, transport, resolver)
        self.analyzer = analyzer
        self.lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        pipe = self.analyzer.pipeline  # loads the models (a missing model fails here)
        self.stages, self.skipped = list(pipe.stages), dict(pipe.skipped)
        with self.lock:
            try:
                self.analyzer.analyze(WARM_UP_TEXT)
            except UnspinError as exc:  # the server still answers; each request reports its own
                _log.warning("warm-up analysis failed: %s", exc)
        self._started = True

    def analyze(self, article: Article, *, ingest_ms: float) -> Report:
        with self.lock:
            return self.analyzer.analyze_article(article, ingest_ms=ingest_ms)


# --------------------------------------------------------------------------- worker side

class _Worker:
    analyzer: Analyzer | None = None
    barrier: Barrier | None = None
    failed: dict[str, Any] | None = None


def _start_worker(options: Options, threads: int, barrier: Barrier) -> None:
    """The pool's initializer: load the models once; a failure is kept for ``_ready``."""
    from unspin.process import prepare_worker_process

    prepare_worker_process(threads)
    _Worker.barrier = barrier
    try:
        analyzer = Analyzer(options)
        analyzer.pipeline  # noqa: B018  (loads every stage's model)
        try:
            analyzer.analyze(WARM_UP_TEXT)
        except UnspinError as exc:
            _log.warning("warm-up analysis failed in worker %d: %s", os.getpid(), exc)
        _Worker.analyzer = analyzer
    except UnspinError as exc:
        _Worker.failed = exc.to_dict()


def _ready() -> dict[str, Any]:
    """Wait until every worker of the pool is here (so each runs one of these), then say
    how this one started."""
    assert _Worker.barrier is not None
    _Worker.barrier.wait(START_TIMEOUT_S)
    if _Worker.failed is not None or _Worker.analyzer is None:
        return {"pid": os.getpid(), "error": _Worker.failed or {}}
    pipe = _Worker.analyzer.pipeline
    return {"pid": os.getpid(), "stages": list(pipe.stages), "skipped": dict(pipe.skipped)}


def _analyze(article: Article, ingest_ms: float) -> tuple[str, str]:
    """``("report", json)`` or ``("error", the error's to_dict as json)``."""
    if _Worker.analyzer is None:
        return "error", json.dumps(_Worker.failed or ModelError("the worker has no analyzer")
                                   .to_dict())
    try:
        report = _Worker.analyzer.analyze_article(article, ingest_ms=ingest_ms)
    except UnspinError as exc:
        return "error", json.dumps(exc.to_dict())
    return "report", report.to_json(indent=None)


def _rebuild(error: dict[str, Any]) -> UnspinError:
    cls = getattr(errors, str(error.get("type", "")), None)
    if not (isinstance(cls, type) and issubclass(cls, UnspinError)):
        cls = PipelineError
    return cls(str(error.get("message", "the analysis failed")), **error.get("context", {}))


class WorkerPool(Service):
    """Analyses in ``workers`` processes, each with its own models."""

    def __init__(self, options: Options, workers: int,
                 transport: httpx.BaseTransport | None = None, resolver: Resolver = resolve
                 ) -> None:
        if workers < 1:
            raise errors.ConfigError(f"--workers must be at least 1, not {workers}")
        super().__init__(options, transport, resolver)
        self.workers = workers
        #: One torch thread per worker: the pool is the parallelism. Measured on 2 cores
        #: with the server and a client beside it, two intra-op threads made one worker's
        #: analysis of examples/sample.txt 4x slower (0.7 s against 0.16 s).
        self.threads = 1
        self.pids: list[int] = []
        self._pool: ProcessPoolExecutor | None = None
        self._swap = threading.Lock()

    def _new_pool(self) -> tuple[ProcessPoolExecutor, Barrier]:
        ctx = multiprocessing.get_context("forkserver")
        # spaCy is imported once in the fork server and shared by every worker it forks.
        ctx.set_forkserver_preload(["unspin.web.service", "unspin.pipeline"])
        barrier = ctx.Barrier(self.workers)
        pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_start_worker,
                                   initargs=(self.options, self.threads, barrier))
        return pool, barrier

    def start(self) -> None:
        """Start the workers and wait until every one has loaded its models."""
        with self._swap:
            if self._pool is not None:
                return
            pool, _ = self._new_pool()
            try:
                # Each _ready blocks until all of them run, so each runs in its own worker.
                answers = [f.result(START_TIMEOUT_S + 30) for f in
                           [pool.submit(_ready) for _ in range(self.workers)]]
            except (BrokenProcessPool, TimeoutError, threading.BrokenBarrierError) as exc:
                pool.shutdown(wait=False, cancel_futures=True)
                raise ModelError(f"the analysis workers did not start ({exc!r}); try "
                                 "--workers 1, or check memory") from exc
            failed = [a["error"] for a in answers if "error" in a]
            if failed:
                pool.shutdown(wait=True, cancel_futures=True)
                raise _rebuild(failed[0])
            self.pids = sorted(int(a["pid"]) for a in answers)
            self.stages, self.skipped = answers[0]["stages"], answers[0]["skipped"]
            self._pool = pool

    def analyze(self, article: Article, *, ingest_ms: float) -> Report:
        pool = self._pool
        if pool is None:
            raise ModelError("the analysis workers are not started")
        try:
            kind, payload = pool.submit(_analyze, article, ingest_ms).result()
        except BrokenProcessPool as exc:
            self._replace(pool)
            raise WorkerError(
                "the analysis worker stopped (killed, or out of memory) while on this "
                "article; a fresh one has started, so send it again (with fewer --workers "
                "if memory is short)") from exc
        if kind == "error":
            raise _rebuild(json.loads(payload))
        return Report.model_validate_json(payload)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A fresh pool for a broken one (once, however many requests saw it break); its
        workers load their models as they start."""
        with self._swap:
            if self._pool is not broken:
                return
            broken.shutdown(wait=False, cancel_futures=True)
            self._pool, _ = self._new_pool()
            self.pids = []
            _log.warning("an analysis worker died; started a fresh pool of %d", self.workers)

    def close(self) -> None:
        with self._swap:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
