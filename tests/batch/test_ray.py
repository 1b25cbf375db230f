"""The Ray engine (a local Ray of 2 CPUs) writes the same tables as the local engine."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from unspin.batch import BatchConfig, read_table, run_batch
from unspin.batch.tables import TABLES
from unspin.errors import ConfigError
from unspin.options import Options

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray Data is not installed (pip install 'unspin[ray]')")


def test_without_ray_the_ray_engine_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, inputs: dict[str, Any], plumbing: Options,
        tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    with pytest.raises(ConfigError, match=r"pip install 'unspin\[ray\]'"):
        run_batch(BatchConfig(inputs=(str(inputs["jsonl"]),), out=tmp_path / "out",
                              options=plumbing, engine="ray", workers=2))


@needs_ray
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_ray_writes_the_same_tables_as_the_local_engine(
        inputs: dict[str, Any], plumbing: Options, local_out: Path, tmp_path: Path,
        sorted_rows: Any) -> None:
    out = tmp_path / "ray"
    result = run_batch(BatchConfig(
        inputs=(str(inputs["folder"]), str(inputs["jsonl"]), str(inputs["warc"])), out=out,
        options=plumbing, engine="ray", workers=2), Console(file=io.StringIO()))
    assert (result.processed, result.failed, result.exit_code) == (len(inputs["ids"]), 0, 0)
    assert result.restarts == 0
    for table in TABLES:
        assert sorted_rows(read_table(out, table), drop=("timings", "input")) == sorted_rows(
            read_table(local_out, table), drop=("timings", "input")), table


def test_what_outlives_ray_shutdown_in_ray_sessions_is_ended_even_in_a_group_of_its_own(
        ) -> None:
    import subprocess

    from unspin.batch import ray as ray_engine

    # A session leader (as the raylet is) whose child moves to a process group of its own
    # (as Ray's workers do) and ignores SIGTERM: both must be gone afterwards.
    script = ("import os, signal, subprocess, sys, time\n"
              "child = subprocess.Popen([sys.executable, '-c', "
              "'import os, signal, time; os.setpgid(0, 0); "
              "signal.signal(signal.SIGTERM, signal.SIG_IGN); print(os.getpid(), flush=True); "
              "time.sleep(60)'], stdout=subprocess.PIPE, text=True)\n"
              "print(child.stdout.readline().strip(), flush=True)\n"
              "time.sleep(60)\n")
    leader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        assert leader.stdout is not None
        child = int(leader.stdout.readline())
        ray_engine._SESSIONS.append(leader.pid)
        ray_engine._end_sessions(grace=0.5)
        assert leader.wait(timeout=5) != 0
        assert ray_engine._in_sessions({leader.pid}) == []
        assert child not in ray_engine._in_sessions({leader.pid})
        assert ray_engine._SESSIONS == []
    finally:
        leader.kill()
        leader.wait()
        if leader.stdout is not None:
            leader.stdout.close()
