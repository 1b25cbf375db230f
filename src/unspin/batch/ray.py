"""The Ray engine: Ray Data ``map_batches`` with a callable class, so each actor loads the
models once; it joins a cluster with ``address`` or starts a local Ray otherwise.

The driver lists records and writes shards exactly as with the local engine (same resume,
same atomic shards); Ray only decides where :func:`~unspin.batch.worker.process_record`
runs. Records travel in windows (at least ``window`` records, and ``per_actor`` records per
actor), each a Dataset whose results stream back before the next window is listed. Each
window starts its actors afresh, so the models load once per actor per window: with the
default sizes that is one load per ~500 records per actor (a few percent of the work).

Ray is an optional dependency: ``pip install 'unspin[ray]'``.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from unspin.batch.inputs import Record
from unspin.batch.worker import Outcome, WorkerState, process_record
from unspin.errors import ConfigError
from unspin.options import Options

__all__ = ["RayEngine", "import_ray"]

INSTALL_HINT = "pip install 'unspin[ray]'"


def import_ray() -> Any:
    """``import ray`` (and Ray Data), or a ConfigError with the install hint."""
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ConfigError(f"--engine ray needs Ray Data, which is not installed ({exc.name}); "
                          f"install it with: {INSTALL_HINT}") from exc
    return ray


def _call(fn: Callable[[Any], None], task: Any) -> None:
    """A Ray task: ``fn(task)`` in a worker process."""
    fn(task)


class _Analyze:
    """The Ray actor: builds its Analyzer (and loads the models) once, in ``__init__``."""

    def __init__(self, options: dict[str, Any]) -> None:
        opts = Options(**{**options, "stages": tuple(options["stages"])})
        self.analyzer = WorkerState.start(opts)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        out = [process_record(Record.from_dict(row), self.analyzer).to_json()
               for row in batch.to_pylist()]
        return pa.table({"outcome": pa.array(out, type=pa.string())})


@contextlib.contextmanager
def _quiet_ray() -> Iterator[None]:
    """Ray's own deprecation notices (about its defaults, not our calls) stay out of the
    user's output and out of test runs that treat warnings as errors."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        yield


@contextlib.contextmanager
def _keeping_signal_handlers() -> Iterator[None]:
    """``ray.init`` installs Ray's own SIGTERM handler in the driver, which prints a stack
    and aborts (exit -6): the run's interrupt handler never ran, no ``ray.shutdown``, and
    Ray's actors were left running (issue 24). The handlers the run installed are put back,
    so SIGTERM stops a Ray batch as it stops a local one (130, shards whole)."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            if handler is not None:
                with contextlib.suppress(ValueError):  # not the main thread: not ours
                    signal.signal(sig, handler)


@contextlib.contextmanager
def _ray_processes_in_their_own_session() -> Iterator[None]:
    """Start the processes of a local Ray (GCS, raylet and what the raylet starts: agents,
    workers, actors) each in a session of its own, not in the driver's process group.

    A terminal's Ctrl-C and a scheduler's group SIGTERM go to the whole foreground process
    group. Ray's processes ignore SIGINT, but SIGTERM killed them too, and when the raylet
    died before the driver's interrupt handler had run, Ray's core worker ended the driver
    itself (exit 1, no summary, "Attempting to recover … lost objects"): 1 run in 9 in
    issue 24. Out of the group, only the driver gets the signal; it stops the run and
    ``ray.shutdown`` stops Ray's processes. They still die with the driver if it is killed
    (Ray starts them with ``PR_SET_PDEATHSIG`` on Linux), so none is left behind.

    Ray offers no option for it: ``ray._private.services.start_ray_process`` creates every
    such process through ``ConsolePopen`` (a ``subprocess.Popen``; on Windows Ray itself
    gives it a new process group, for the same reason), so that name is replaced for the
    length of ``ray.init``. With a Ray that lacks it (a version other than the pinned one)
    the processes stay in the group and the interrupt test says so.
    """
    try:
        services = importlib.import_module("ray._private.services")
    except ImportError:
        yield
        return
    popen = getattr(services, "ConsolePopen", None)
    if not isinstance(popen, type):
        yield
        return

    class _OwnSession(popen):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["start_new_session"] = True
            super().__init__(*args, **kwargs)
            _SESSIONS.append(self.pid)  # the new session's id is the process's pid

    setattr(services, "ConsolePopen", _OwnSession)  # noqa: B010 (a module's attribute)
    try:
        yield
    finally:
        setattr(services, "ConsolePopen", popen)  # noqa: B010


#: The sessions of the local Ray processes started here (their leaders' pids), so that
#: :func:`_end_sessions` can end whatever outlives ``ray.shutdown``.
_SESSIONS: list[int] = []


def _in_sessions(sessions: set[int]) -> list[int]:
    """The pids of the live processes whose session is one of ``sessions`` (from
    ``/proc``; where there is none, the sessions' leaders that are still there)."""
    proc = Path("/proc")
    if not proc.is_dir():
        left = []
        for leader in sessions:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(leader, 0)
                left.append(leader)
        return left
    pids = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone since the listing
        # pid (comm) state ppid pgrp session …: comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 3 and fields[0] != "Z" and int(fields[3]) in sessions:
            pids.append(int(entry.name))
    return pids


def _end_sessions(grace: float = 5.0) -> None:
    """End every process left in the sessions of the local Ray started here, after
    ``ray.shutdown``: SIGTERM, then SIGKILL to those still there after ``grace`` seconds.

    ``ray.shutdown`` stops the GCS and the raylet, but what the raylet started (its
    runtime-env and dashboard agents, workers) can outlive it by minutes when the machine
    is loaded: in issue 24, 2 interrupted runs in 12 left a ``ray::RuntimeEnvAgent``
    behind. Ray's workers move to process groups of their own, but not to other sessions,
    so the session is what finds them all, and nothing else (the driver is in none)."""
    sessions = set(_SESSIONS)
    _SESSIONS.clear()
    if not sessions:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 1.0)):
        left = _in_sessions(sessions)
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = _in_sessions(sessions)
        if not left:
            return


class RayEngine:
    """Ray Data over ``workers`` actors (one CPU each)."""

    name = "ray"

    def __init__(self, options: Options, workers: int, *, address: str | None = None,
                 batch_size: int = 8, window: int = 2000, per_actor: int = 500) -> None:
        self.options = options
        self.workers = max(1, workers)
        self.address = address
        self.batch_size = batch_size
        self.window = max(window, per_actor * self.workers)
        self._started_here = False

    def _init(self) -> Any:
        ray = import_ray()
        with _quiet_ray():
            return self._connect(ray)

    def _connect(self, ray: Any) -> Any:
        if not ray.is_initialized():
            os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            with _keeping_signal_handlers():
                if self.address:
                    ray.init(address=self.address, **kwargs)
                else:
                    with _ray_processes_in_their_own_session():
                        ray.init(num_cpus=self.workers, **kwargs)
            self._started_here = True
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.verbose_progress = False
        return ray

    def run(self, records: Iterator[Record]) -> Iterator[Outcome]:
        with _quiet_ray():
            yield from self._run(records)

    def map_tasks(self, fn: Callable[[Any], None], tasks: Sequence[Any]) -> None:
        """Run ``fn`` on every task as Ray tasks of one CPU each (the derived step's
        per-shard work: :func:`unspin.batch.aggregates.update_aggregates`); returns when
        all are done, raising the first task's error."""
        if not tasks:
            return
        with _quiet_ray():
            ray = self._init()
            try:
                remote = ray.remote(num_cpus=1)(_call)
                ray.get([remote.remote(fn, task) for task in tasks])
            finally:
                if self._started_here:
                    ray.shutdown()
                    _end_sessions()
                    self._started_here = False

    def _run(self, records: Iterator[Record]) -> Iterator[Outcome]:
        ray = self._init()
        options = {**asdict(self.options), "stages": list(self.options.stages)}
        try:
            source = iter(records)
            while True:
                window = list(itertools.islice(source, self.window))
                if not window:
                    return
                ds = ray.data.from_items([r.to_dict() for r in window])
                ds = ds.map_batches(
                    _Analyze, fn_constructor_kwargs={"options": options},
                    batch_size=self.batch_size, num_cpus=1,
                    compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(window))),
                    batch_format="pyarrow",
                )
                for batch in ds.iter_batches(batch_size=self.batch_size, batch_format="pyarrow"):
                    for text in batch.column("outcome").to_pylist():
                        yield Outcome.from_json(text)
        finally:
            if self._started_here:
                ray.shutdown()
                _end_sessions()
                self._started_here = False
