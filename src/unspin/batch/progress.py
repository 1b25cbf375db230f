"""Progress for a batch run: a rich bar on a terminal, a plain log line every few seconds
otherwise (so CI logs and ``nohup`` files stay readable)."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["BatchProgress"]


class BatchProgress:
    """Counts records (analysed, failed, skipped) and shows the rate."""

    def __init__(self, console: Console, *, enabled: bool = True, every_s: float = 10.0,
                 label: str = "batch") -> None:
        self.console = console
        self.enabled = enabled
        self.every_s = every_s
        self.label = label
        self.done = 0
        self.failed = 0
        self.skipped = 0
        self._t0 = time.monotonic()
        self._last = self._t0
        self._bar: Progress | None = None
        self._task: int | None = None

    def __enter__(self) -> BatchProgress:
        self._t0 = self._last = time.monotonic()
        if self.enabled and self.console.is_terminal:
            self._bar = Progress(
                SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                MofNCompleteColumn(), TextColumn("{task.fields[rate]:.1f} rec/s"),
                TextColumn("[red]{task.fields[failed]} failed"),
                TextColumn("{task.fields[skipped]} skipped"), TimeElapsedColumn(),
                console=self.console, transient=False,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=None, rate=0.0, failed=0, skipped=0)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._refresh()
            self._bar.__exit__(exc_type, exc, tb)
        elif self.enabled:
            self._log()

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self._t0
        return (self.done + self.failed) / elapsed if elapsed > 0 else 0.0

    def skip(self, n: int = 1) -> None:
        self.skipped += n

    def advance(self, *, failed: bool) -> None:
        if failed:
            self.failed += 1
        else:
            self.done += 1
        now = time.monotonic()
        if self._bar is not None:
            self._refresh()
        elif self.enabled and now - self._last >= self.every_s:
            self._log()
            self._last = now

    def _refresh(self) -> None:
        assert self._bar is not None and self._task is not None
        self._bar.update(self._task, completed=self.done + self.failed,  # type: ignore[arg-type]
                         rate=self.rate, failed=self.failed, skipped=self.skipped)

    def _log(self) -> None:
        self.console.print(
            f"{self.label}: {self.done + self.failed} records ({self.failed} failed, "
            f"{self.skipped} skipped), {self.rate:.1f} rec/s, "
            f"{time.monotonic() - self._t0:.0f} s", highlight=False, markup=False)
