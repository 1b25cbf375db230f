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
  server. Each worker is a process pool of its own (one process), so a worker that dies
  mid-request (killed, out of memory) fails only the request it held, with
  :class:`~unspin.errors.WorkerError` (503); the others finish, and it is replaced in the
  background while they go on serving. (One pool of N processes broke as a whole when one
  died: every request in flight failed. Measured by ``bench/soak.py``, issue 24.)

Articles go to workers and reports come back through the pool's pickling, between this
server's own processes only; errors come back as their ``to_dict`` and are rebuilt here.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import select
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
    failed: dict[str, Any] | None = None


def _start_worker(options: Options, threads: int) -> None:
    """The pool's initializer: load the models once; a failure is kept for ``_ready``."""
    from unspin.process import prepare_worker_process

    prepare_worker_process(threads)
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
    """How this worker started: its pid and stages, or the error its models gave."""
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


# --------------------------------------------------------------------------- server side

def _watch(pid: int) -> int | None:
    """A pidfd for ``pid`` (readable once the process has ended), or None where the
    platform has none (then a dead idle worker is found by the request sent to it)."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


class _Slot:
    """One worker: a pool of one process, so that its death breaks no other worker's
    request. ``busy`` while it holds a request; ``ready`` once its models are loaded."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.pool: ProcessPoolExecutor | None = None
        self.pid = 0
        self.pidfd: int | None = None
        self.busy = False

    def dead(self) -> bool:
        """True when the worker process has ended (known only where there is a pidfd)."""
        if self.pidfd is None:
            return False
        poller = select.poll()
        poller.register(self.pidfd, select.POLLIN)
        return bool(poller.poll(0))

    def forget(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


class WorkerPool(Service):
    """Analyses in ``workers`` processes, each with its own models, each its own pool.

    A request takes an idle worker (waiting for one if all are busy), sends it the
    article and waits for the report. A worker that dies (killed, out of memory) fails the
    one request it held with :class:`~unspin.errors.WorkerError` (503, "send it again");
    it is replaced in the background, and the other workers go on serving meanwhile. A
    worker found dead while idle is replaced before any request is sent to it.
    """

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
        #: How long a request waits for a free worker before it is a 503.
        self.wait_s = START_TIMEOUT_S
        self._slots: list[_Slot] = []
        self._idle: list[_Slot] = []
        self._cond = threading.Condition()
        self._replacing: list[threading.Thread] = []
        self._closed = False

    @property
    def pids(self) -> list[int]:
        """The live workers' process ids (a worker being replaced is not among them)."""
        with self._cond:
            return sorted(s.pid for s in self._slots if s.pid)

    @property
    def busy(self) -> list[int]:
        """The process ids of the workers that hold a request now."""
        with self._cond:
            return sorted(s.pid for s in self._slots if s.busy and s.pid)

    def _new_pool(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("forkserver")
        # spaCy is imported once in the fork server and shared by every worker it forks.
        ctx.set_forkserver_preload(["unspin.web.service", "unspin.pipeline"])
        return ProcessPoolExecutor(1, mp_context=ctx, initializer=_start_worker,
                                   initargs=(self.options, self.threads))

    def start(self) -> None:
        """Start the workers and wait until every one has loaded its models."""
        with self._cond:
            if self._slots:
                return
            pools = [self._new_pool() for _ in range(self.workers)]
            try:
                futures = [pool.submit(_ready) for pool in pools]  # they start in parallel
                answers = [f.result(START_TIMEOUT_S) for f in futures]
            except (BrokenProcessPool, TimeoutError) as exc:
                for pool in pools:
                    pool.shutdown(wait=False, cancel_futures=True)
                raise ModelError(f"the analysis workers did not start ({exc!r}); try "
                                 "--workers 1, or check memory") from exc
            failed = [a["error"] for a in answers if "error" in a]
            if failed:
                for pool in pools:
                    pool.shutdown(wait=True, cancel_futures=True)
                raise _rebuild(failed[0])
            self.stages, self.skipped = answers[0]["stages"], answers[0]["skipped"]
            self._closed = False
            for i, (pool, answer) in enumerate(zip(pools, answers, strict=True)):
                slot = _Slot(i)
                slot.pool, slot.pid, slot.pidfd = pool, int(answer["pid"]), _watch(answer["pid"])
                self._slots.append(slot)
                self._idle.append(slot)

    def analyze(self, article: Article, *, ingest_ms: float) -> Report:
        while True:
            slot = self._take()
            pool = slot.pool
            assert pool is not None
            try:
                future = pool.submit(_analyze, article, ingest_ms)
            except BrokenProcessPool:  # it died idle: the article never left; try another
                self._replace(slot)
                continue
            break
        pid = slot.pid
        try:
            kind, payload = future.result()
        except BrokenProcessPool as exc:
            self._replace(slot)
            raise WorkerError(
                "the analysis worker stopped (killed, or out of memory) while on this "
                "article; a fresh one is starting, so send it again (with fewer --workers "
                "if memory is short)", worker=pid) from exc
        self._give_back(slot)
        if kind == "error":
            raise _rebuild(json.loads(payload))
        return Report.model_validate_json(payload)

    def _take(self) -> _Slot:
        """An idle, live worker, marked busy; waits while all are busy or starting."""
        deadline = time.monotonic() + self.wait_s
        with self._cond:
            while True:
                if self._closed or not self._slots:
                    raise ModelError("the analysis workers are not started (or are stopping)")
                while self._idle:
                    slot = self._idle.pop(0)
                    if slot.dead():  # killed while idle: replace it, send nothing to it
                        self._replace_locked(slot)
                        continue
                    slot.busy = True
                    return slot
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WorkerError(f"no analysis worker became free within "
                                      f"{self.wait_s:.0f} s; send it again later")
                self._cond.wait(left)

    def _give_back(self, slot: _Slot) -> None:
        with self._cond:
            slot.busy = False
            if slot.pool is not None:
                self._idle.append(slot)
                self._cond.notify()

    def _replace(self, slot: _Slot) -> None:
        with self._cond:
            self._replace_locked(slot)

    def _replace_locked(self, slot: _Slot) -> None:
        """Take ``slot`` out of service and start a fresh worker for it in a thread (the
        models load there, off the request path). Called with the condition held."""
        broken, dead = slot.pool, slot.pid
        if broken is None:  # already being replaced
            return
        slot.pool, slot.pid, slot.busy = None, 0, False
        slot.forget()
        _log.warning("analysis worker %d stopped; starting a fresh one", dead)
        thread = threading.Thread(target=self._restart, args=(slot, broken),
                                  name=f"unspin-worker-{slot.index}-restart", daemon=True)
        self._replacing = [t for t in self._replacing if t.is_alive()] + [thread]
        thread.start()

    def _restart(self, slot: _Slot, broken: ProcessPoolExecutor) -> None:
        broken.shutdown(wait=True, cancel_futures=True)  # reaps the dead worker
        delay = 1.0
        while True:
            with self._cond:
                if self._closed:
                    return
            pool = self._new_pool()
            try:
                answer = pool.submit(_ready).result(START_TIMEOUT_S)
            except (BrokenProcessPool, TimeoutError) as exc:  # died while loading: again
                pool.shutdown(wait=False, cancel_futures=True)
                _log.error("a fresh analysis worker did not start (%r); retrying in %.0f s",
                           exc, delay)
                with self._cond:
                    if self._cond.wait_for(lambda: self._closed, delay):
                        return
                delay = min(2 * delay, 30.0)
                continue
            with self._cond:
                if self._closed:
                    pool.shutdown(wait=True, cancel_futures=True)
                    return
                # A worker whose models fail answers each request with that coded error.
                slot.pool, slot.pid, slot.pidfd = pool, int(answer["pid"]), _watch(answer["pid"])
                self._idle.append(slot)
                self._cond.notify()
            _log.warning("analysis worker %d started in place of the stopped one", slot.pid)
            return

    def close(self) -> None:
        with self._cond:
            self._closed = True
            slots, self._slots, self._idle = self._slots, [], []
            replacing, self._replacing = self._replacing, []
            self._cond.notify_all()
        for thread in replacing:
            thread.join()
        for slot in slots:
            if slot.pool is not None:
                slot.pool.shutdown(wait=True, cancel_futures=True)
                slot.pool = None
            slot.forget()
