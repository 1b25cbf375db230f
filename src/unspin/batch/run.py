"""The batch driver: list records, skip finished ones, map them on an engine, write shards.

One driver owns the loop whatever the engine: it alone writes shards, so resume, atomic
output and the failure count behave the same on a laptop pool and on a Ray cluster.
"""

from __future__ import annotations

import contextlib
import errno
import platform
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Literal, Protocol

from rich.console import Console

from unspin.batch.derived import is_fresh, rebuild_derived
from unspin.batch.inputs import Record, describe_inputs, iter_records
from unspin.batch.progress import BatchProgress
from unspin.batch.speakers import read_aliases
from unspin.batch.worker import Outcome
from unspin.batch.writer import ShardStore
from unspin.errors import ConfigError, FileAccessError
from unspin.options import DEFAULT_OPTIONS, Options

__all__ = [
    "DEFAULT_MAX_FAILURE_RATIO",
    "EXIT_FAILURE_RATIO",
    "BatchConfig",
    "BatchResult",
    "run_batch",
]

#: ``unspin batch`` exits with EXIT_FAILURE_RATIO when more than this share of all records
#: in the output folder (analysed + failed) are failures; 0 otherwise.
DEFAULT_MAX_FAILURE_RATIO = 0.05
EXIT_FAILURE_RATIO = 1
EXIT_INTERRUPTED = 130
#: The manifest lists at most this many ignored inputs per run (all are counted).
MAX_LISTED_IGNORED = 1000

EngineName = Literal["local", "ray"]


class Engine(Protocol):
    name: str

    def run(self, records: Iterator[Record]) -> Iterator[Outcome]: ...


@dataclass(frozen=True)
class BatchConfig:
    """One batch run. ``workers=0`` with the local engine runs in the driver process."""

    inputs: tuple[str, ...]
    out: Path
    options: Options = DEFAULT_OPTIONS
    engine: EngineName = "local"
    workers: int = 1
    address: str | None = None
    force: bool = False
    shard_size: int = 500
    flush_seconds: float = 60.0
    max_failure_ratio: float = DEFAULT_MAX_FAILURE_RATIO
    progress: bool = True
    aliases: Path | None = None

    def __post_init__(self) -> None:
        if not self.inputs:
            raise ConfigError("give at least one input (a folder, a file, an @list or a URL)")
        if self.workers < 0:
            raise ConfigError("-n/--workers must be 0 or more")
        if self.shard_size < 1:
            raise ConfigError("--shard-size must be at least 1")
        if not 0.0 <= self.max_failure_ratio <= 1.0:
            raise ConfigError("--max-failure-ratio must be between 0 and 1")
        if self.address and self.engine != "ray":
            raise ConfigError("--address joins a Ray cluster; use it with --engine ray")


@dataclass
class BatchResult:
    """What one run did, and the state of the whole output folder after it."""

    processed: int = 0
    failed: int = 0
    skipped: int = 0
    ignored: list[dict[str, str]] = field(default_factory=list)
    duplicates: int = 0
    shards: int = 0
    seconds: float = 0.0
    articles_total: int = 0
    failures_total: int = 0
    interrupted: bool = False
    restarts: int = 0
    derived: dict[str, int] | None = None
    #: What the aggregate step did (shards built, kept, dropped; seconds), None if skipped.
    aggregates: dict[str, Any] | None = None
    first_result_s: float | None = None
    worker_cpu_s: float = 0.0
    driver_cpu_s: float = 0.0
    peak_rss_kb: dict[int, int] = field(default_factory=dict)
    stage_ms: dict[str, float] = field(default_factory=dict)
    max_failure_ratio: float = DEFAULT_MAX_FAILURE_RATIO

    @property
    def failure_ratio(self) -> float:
        total = self.articles_total + self.failures_total
        return self.failures_total / total if total else 0.0

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILURE_RATIO if self.failure_ratio > self.max_failure_ratio else 0

    @property
    def rate(self) -> float:
        """Records per second in this run (analysed and failed)."""
        return (self.processed + self.failed) / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "processed": self.processed, "failed": self.failed, "skipped": self.skipped,
            "ignored": len(self.ignored), "ignored_inputs": self.ignored[:MAX_LISTED_IGNORED],
            "duplicates": self.duplicates, "shards": self.shards,
            "seconds": round(self.seconds, 3), "rate": round(self.rate, 3),
            "articles_total": self.articles_total, "failures_total": self.failures_total,
            "failure_ratio": round(self.failure_ratio, 6), "interrupted": self.interrupted,
            "restarts": self.restarts, "derived": self.derived, "aggregates": self.aggregates,
            "first_result_s": (round(self.first_result_s, 3)
                               if self.first_result_s is not None else None),
            "worker_cpu_s": round(self.worker_cpu_s, 3),
            "driver_cpu_s": round(self.driver_cpu_s, 3),
            "peak_rss_mb": {str(pid): round(kb / 1024, 1) for pid, kb in self.peak_rss_kb.items()},
        }


def make_engine(cfg: BatchConfig) -> Engine:
    if cfg.engine == "ray":
        from unspin.batch.ray import RayEngine, import_ray

        import_ray()  # fail early, with the install hint
        return RayEngine(cfg.options, cfg.workers or 1, address=cfg.address)
    if cfg.engine != "local":
        raise ConfigError(f"unknown engine {cfg.engine!r}; choose local or ray")
    from unspin.batch.local import LocalEngine, SerialEngine

    if cfg.workers == 0:
        return SerialEngine(cfg.options)
    return LocalEngine(cfg.options, cfg.workers)


class _Interrupts:
    """Ctrl-C and SIGTERM for the length of a run, owned by the driver.

    * Installed whatever the process inherited: a shell that starts a job in the
      background, or a parent that ignores SIGINT (``signal.SIG_IGN`` is inherited across
      ``exec``), would otherwise leave the run deaf to Ctrl-C, so it went on to the end and
      exited 0 (issue 24: the suite's own interrupt test failed that way).
    * SIGTERM is an interrupt too, so a stopped job still writes what it finished.
    * ``deferred()`` holds the interrupt while a shard is written, so an interrupt landing
      after the shard's rename but before the driver forgets those records cannot write
      them twice. Python runs signal handlers in the main thread whichever thread the
      kernel picked, so a flag checked by that handler holds the signal for the whole
      process; a thread signal mask (what this used to be) held it for the main thread
      only, and the pool's threads still took it.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.holding = 0
        self.pending = False
        self._previous: dict[int, Any] = {}

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.holding:
            self.pending = True
            return
        raise KeyboardInterrupt

    def __enter__(self) -> _Interrupts:
        try:
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handler)
        except ValueError:  # not the main thread: the caller owns its signals
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self.holding += 1
        try:
            yield
        finally:
            self.holding -= 1
        if not self.holding and self.pending:
            self.pending = False
            raise KeyboardInterrupt


def run_batch(cfg: BatchConfig, console: Console | None = None) -> BatchResult:
    """Run a batch; returns counts and the exit code. KeyboardInterrupt is absorbed into
    ``result.interrupted`` once every finished record is safely in a shard."""
    console = console or Console(stderr=True)
    if cfg.aliases is not None:
        read_aliases(cfg.aliases)  # a malformed alias file stops the run before any work
    store = ShardStore(cfg.out)
    store.prepare(force=cfg.force)
    engine = make_engine(cfg)
    run_info: dict[str, Any] = {
        "started": _now(), "engine": engine.name, "workers": cfg.workers,
        "address": cfg.address, "inputs": list(cfg.inputs), "host": platform.node(),
        "python": platform.python_version(),
    }
    manifest = store.start_manifest(cfg.options, describe_inputs(list(cfg.inputs)), run_info)
    done = store.done_ids()
    result = BatchResult(max_failure_ratio=cfg.max_failure_ratio)
    seen: set[str] = set()
    buffer: list[Outcome] = []
    last_flush = time.monotonic()
    t0, c0 = time.perf_counter(), time.process_time()

    def todo() -> Iterator[Record]:
        for record in iter_records(list(cfg.inputs), cfg.options):
            if record.kind == "skip":  # holds nothing to analyse: counted and listed, not sent
                assert record.error is not None
                result.ignored.append({"input": record.source, "code": record.error["code"],
                                       "reason": record.error["message"]})
                continue
            if record.id in done:
                result.skipped += 1
                progress.skip()
                continue
            if record.id in seen:
                result.duplicates += 1
                continue
            seen.add(record.id)
            yield record

    interrupts = _Interrupts()

    def flush() -> None:
        nonlocal last_flush
        with interrupts.deferred():  # a shard and the buffer's reset commit together
            if store.write_shard(buffer) is not None:
                result.shards += 1
            buffer.clear()
        last_flush = time.monotonic()

    progress = BatchProgress(console, enabled=cfg.progress)
    status = "complete"
    try:
        with interrupts, progress:
            outcomes = engine.run(todo())
            try:
                for outcome in outcomes:
                    if result.first_result_s is None:
                        result.first_result_s = time.perf_counter() - t0
                    result.worker_cpu_s += outcome.cpu_ms / 1000
                    buffer.append(outcome)
                    if outcome.failed:
                        result.failed += 1
                    else:
                        result.processed += 1
                        _add_timings(result, outcome)
                    result.peak_rss_kb[outcome.pid] = max(result.peak_rss_kb.get(outcome.pid, 0),
                                                          outcome.rss_kb)
                    progress.advance(failed=outcome.failed)
                    if (len(buffer) >= cfg.shard_size
                            or time.monotonic() - last_flush >= cfg.flush_seconds):
                        flush()
            except KeyboardInterrupt:
                result.interrupted = True
                status = "interrupted"
            finally:
                close = getattr(outcomes, "close", None)
                try:
                    if close is not None:
                        close()  # stop the engine's workers before the last shard is written
                except KeyboardInterrupt:  # a second Ctrl-C while they stop
                    result.interrupted = True
                    status = "interrupted"
            try:
                flush()  # what finished before the end (or the interrupt) goes into a last shard
                if not result.interrupted and not is_fresh(cfg.out, cfg.aliases):
                    result.derived = rebuild_derived(cfg.out, cfg.aliases)  # spans every shard
                if not result.interrupted:
                    _update_search(cfg.out)  # only the shards the index lacks
                    result.aggregates = _update_aggregates(cfg.out, engine)
            except KeyboardInterrupt:  # held until that shard was whole, or during the rebuild
                result.interrupted = True
                status = "interrupted"
    except OSError as exc:
        status = "error"
        if _no_space(exc):
            raise FileAccessError(
                f"no space left on the device that holds {cfg.out} ({result.shards} shards "
                "written in this run are whole; the records after them were not written); "
                "free some space and rerun the same command to resume", path=str(cfg.out),
            ) from exc
        raise
    except BaseException:
        status = "error"
        raise
    finally:
        result.seconds = time.perf_counter() - t0
        result.driver_cpu_s = time.process_time() - c0
        result.restarts = int(getattr(engine, "restarts", 0))
        result.articles_total, result.failures_total = store.counts()
        run_info.update(finished=_now(), status=status, **result.to_dict())
        manifest["runs"][-1] = run_info
        try:
            store.write_manifest(manifest)  # atomic: on failure the last one stays whole
        except OSError:
            if status != "error":
                raise
    return result


def _no_space(exc: OSError) -> bool:
    """A full disk (Arrow's write errors carry the message, not always the errno)."""
    return exc.errno == errno.ENOSPC or "No space left" in str(exc)


def _add_timings(result: BatchResult, outcome: Outcome) -> None:
    for row in outcome.rows.get("articles", []):
        timings = row.get("timings") or {}
        items = timings.items() if isinstance(timings, dict) else timings
        for stage, ms in items:
            result.stage_ms[stage] = result.stage_ms.get(stage, 0.0) + float(ms)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _update_aggregates(out: Path, engine: Engine) -> dict[str, Any] | None:
    """Bring the per-shard aggregates up to date (only the shards whose inputs changed),
    on the engine's workers where it can map tasks (Ray), else in this process; skipped
    when the derived tables do not match the shards (they were not rebuilt)."""
    from unspin.batch.aggregates import aggregates_fresh, update_aggregates

    if not (out / "shards").is_dir() or aggregates_fresh(out) or not is_fresh(
            out, any_aliases=True):
        return None
    mapper = getattr(engine, "map_tasks", None)
    if mapper is None:
        return update_aggregates(out)
    return update_aggregates(out, mapper=mapper, threads=1)


def _update_search(out: Path) -> None:
    """Bring the full-text search index up to date (only new shards), where tantivy is
    installed; without it, ``unspin corpus OUT --index`` says what to install."""
    import importlib.util

    if importlib.util.find_spec("tantivy") is None:
        return
    from unspin.corpus.search import build_index

    build_index(out)
