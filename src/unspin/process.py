"""Settings for a process that runs analyses for a pool (batch workers, web workers).

The pool is the parallelism, so each worker gets a share of the cores for torch's
intra-op threads (by default one); nothing may reach a model hub; Ctrl-C is left to the
parent, which stops its pool cleanly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

__all__ = ["child_pids", "prepare_worker_process"]


def prepare_worker_process(threads: int = 1) -> None:
    """Set this process up as a pool worker with ``threads`` torch/BLAS threads."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch = sys.modules.get("torch")
    if torch is not None:  # imported before the variables were set (forkserver preload)
        torch.set_num_threads(threads)
    with contextlib.suppress(ValueError):  # not the main thread (Ray actors): nothing to do
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def child_pids(pid: int) -> list[int]:
    """The live children of process ``pid``, read from ``/proc`` (Linux; empty elsewhere).
    For the fault tests and the soak bench, which find a pool's workers this way."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    kids = []
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # the process ended while we looked
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids
