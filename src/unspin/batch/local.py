"""The local engine: a pool of worker processes on this machine, each loading the models once.

Workers start from a ``forkserver`` (a clean process that has imported unspin, so starting
one is cheap and no driver state, threads or locks leak into it); each builds its
:class:`~unspin.analyzer.Analyzer` once, in the pool's initializer. At most ``4 × workers``
records are in flight, so memory stays flat however long the input is.

A worker that dies (killed, out of memory) breaks the pool: the records it held are sent
again to a fresh pool, up to ``max_restarts`` times, after which the run stops with an error
(rerunning resumes it). Nothing is lost or duplicated either way, because only the driver
writes shards and a record is written once, when its outcome arrives.

Stopping (Ctrl-C, SIGTERM, or the driver closing the generator) kills the workers instead
of waiting for the records they hold: their outcomes would be thrown away anyway, and a
long record must not keep a stopped run alive. The driver also never blocks for longer
than :data:`POLL_S` at a time: the kernel may hand a process-wide signal to one of the
pool's threads, and Python only runs the handler once the main thread is back in Python
code, so a driver asleep until the next result could sit on a Ctrl-C for a whole record.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from unspin.analyzer import Analyzer
from unspin.batch.inputs import Record
from unspin.batch.worker import Outcome, WorkerState, process_record
from unspin.errors import PipelineError
from unspin.options import Options

__all__ = ["POLL_S", "LocalEngine", "SerialEngine"]

#: Longest the driver waits for a result before it looks at signals again (seconds).
POLL_S = 0.25


def _init_worker(options: Options) -> None:
    WorkerState.start(options)


def _run_one(record: Record) -> Outcome:
    analyzer = WorkerState.analyzer
    assert analyzer is not None, "worker initializer did not run"
    return process_record(record, analyzer)


class SerialEngine:
    """Runs every record in the calling process (``-n 0``): for debugging and tiny inputs."""

    name = "serial"

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterator[Record]) -> Iterator[Outcome]:
        analyzer = Analyzer(self.options)
        for record in records:
            yield process_record(record, analyzer)


class LocalEngine:
    """A process pool of ``workers`` processes."""

    name = "local"

    def __init__(self, options: Options, workers: int, *, max_restarts: int = 3,
                 in_flight_per_worker: int = 4) -> None:
        if workers < 1:
            raise ValueError("LocalEngine needs at least one worker")
        self.options = options
        self.workers = workers
        self.max_restarts = max_restarts
        self.in_flight = workers * in_flight_per_worker
        self.restarts = 0

    def _pool(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context("forkserver")
        # spaCy (unspin.pipeline) is imported once in the fork server and shared by every
        # worker it forks; ``import unspin`` itself no longer loads it (fast start).
        ctx.set_forkserver_preload(["unspin.batch.worker", "unspin.pipeline"])
        return ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(self.options,))

    def run(self, records: Iterator[Record]) -> Iterator[Outcome]:
        pool = self._pool()
        pending: dict[Future[Outcome], Record] = {}
        retry: list[Record] = []
        source = iter(records)
        exhausted = False

        def restart() -> ProcessPoolExecutor:
            """Requeue what was in flight and start a fresh pool (a worker died)."""
            retry.extend(pending.values())
            pending.clear()
            pool.shutdown(wait=True, cancel_futures=True)
            self.restarts += 1
            if self.restarts > self.max_restarts:
                raise PipelineError(
                    f"a worker process died {self.restarts} times (killed, or out of "
                    "memory); rerun the same command to resume, with fewer workers "
                    "(-n) if memory is short")
            return self._pool()

        try:
            while True:
                broken = False
                while len(pending) < self.in_flight and (retry or not exhausted):
                    if retry:
                        record = retry.pop()
                    else:
                        try:
                            record = next(source)
                        except StopIteration:
                            exhausted = True
                            break
                    try:
                        pending[pool.submit(_run_one, record)] = record
                    except BrokenProcessPool:
                        # The pool broke after the last wait() and before this submit.
                        retry.append(record)
                        broken = True
                        break
                if broken:
                    pool = restart()
                    continue
                if not pending:
                    return
                done, _ = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for future in done:
                    record = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        retry.append(record)
                        continue
                    yield outcome
                if broken:
                    pool = restart()
        except BaseException:  # KeyboardInterrupt, GeneratorExit (the driver stopped), errors
            _kill_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers now (Python 3.14 has ``kill_workers``; 3.11 keeps them in
    ``_processes``). The pool then breaks and ``shutdown`` returns at once."""
    kill = getattr(pool, "kill_workers", None)
    if kill is not None:
        kill()
        return
    processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.kill()
