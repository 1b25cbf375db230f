"""Faults: bad records become failure rows; a killed worker or an interrupted run loses,
duplicates and half-writes nothing."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from rich.console import Console

from unspin.batch import BatchConfig, read_table, run_batch
from unspin.batch.tables import TABLES
from unspin.options import Options
from unspin.process import child_pids

_SUBJECTS = ("The council", "A spokesperson", "The union", "Residents", "The minister",
             "Local traders", "The committee", "Engineers")
_VERBS = ("discussed", "questioned", "defended", "reviewed", "criticised", "welcomed")
_OBJECTS = ("the new budget", "the water plan", "the school reform", "the rail timetable",
            "the housing survey", "the harbour lease")
_TAILS = ("on Monday evening", "after a long debate", "in a short statement",
          "before the vote", "during a public hearing", "at the town hall")


def _long_article(n: int, sentences: int = 20) -> str:
    """A few hundred words of plain news prose, different for each ``n``."""
    out = [f"Report number {n} from the district"]
    for i in range(sentences):
        k = n * 7 + i
        out.append(f"{_SUBJECTS[k % 8]} {_VERBS[k % 6]} {_OBJECTS[(k // 3) % 6]} "
                   f"{_TAILS[(k // 5) % 6]}, and said that item {k} would be settled soon.")
    return " ".join(out)


N_SLOW = 60
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray Data is not installed (pip install 'unspin[ray]')")
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="finds the pool's workers through /proc (Linux)")


@pytest.fixture
def slow_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "slow"
    folder.mkdir()
    for n in range(N_SLOW):
        (folder / f"r{n:03d}.txt").write_text(_long_article(n), encoding="utf-8")
    return folder


_DRIVER = """
import signal
import sys
from pathlib import Path
from unspin.batch import BatchConfig, run_batch
from unspin.options import Options
if sys.argv[3] == "sigint-ignored":  # what a child inherits from a parent that ignores it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
cfg = BatchConfig(inputs=(sys.argv[1],), out=Path(sys.argv[2]), options=Options(stages=()),
                  workers=2, shard_size=2, progress=False)
sys.exit(run_batch(cfg).exit_code)
"""


def _start(folder: Path, out: Path, how: str = "library") -> subprocess.Popen[bytes]:
    """The batch in a session of its own (so a signal to its group reaches only it): through
    ``run_batch``, through ``run_batch`` with SIGINT ignored beforehand, or through the CLI
    (``cli-ray``: with ``--engine ray``, a local Ray of 2 CPUs)."""
    if how.startswith("cli"):
        command = [sys.executable, "-m", "unspin", "batch", str(folder), "-o", str(out),
                   "-n", "2", "--shard-size", "2", "--stages", ""]
        if how == "cli-ray":
            command += ["--engine", "ray"]
    else:
        command = [sys.executable, "-c", _DRIVER, str(folder), str(out), how]
    return subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _wait_for_shard(proc: subprocess.Popen[bytes], out: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not any((out / "shards").glob("part-*")):
        assert proc.poll() is None, f"the run ended before writing a shard: {proc.stderr}"
        assert time.monotonic() < deadline, "no shard written in time"
        time.sleep(0.05)




def _worker_pids(driver: int) -> list[int]:
    """The pool's workers: children of the driver's forkserver process."""
    for child in child_pids(driver):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"forkserver" in cmdline:
            return child_pids(child)
    return []


def _group_members(pgid: int) -> list[int]:
    """The running processes of process group ``pgid`` (from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            state, _, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(group) == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return sorted(members)


def _ids(out: Path) -> Counter[str]:
    return Counter(read_table(out, "articles").column("id").to_pylist()
                   + read_table(out, "failures").column("id").to_pylist())


def test_a_corrupt_warc_record_and_an_undecodable_page_become_failure_rows(
        tmp_path: Path, warc_writer: Any, html_of: Any, plumbing: Options) -> None:
    warc = tmp_path / "crawl.warc.gz"
    ids = warc_writer(warc, [(f"https://n.example/{k}", html_of(k).encode(), "text/html")
                             for k in ("harbour", "orchard", "bridge")], corrupt=1)
    page = tmp_path / "pages" / "garbled.html"
    page.parent.mkdir()
    page.write_bytes(b"\x00\x9f\x12<html>" * 300)
    (tmp_path / "pages" / "fine.html").write_text(html_of("choir"), encoding="utf-8")
    result = run_batch(BatchConfig(inputs=(str(warc), str(tmp_path / "pages")),
                                   out=tmp_path / "out", options=plumbing, workers=2),
                       Console(file=io.StringIO()))
    failures = {r["id"]: r for r in read_table(tmp_path / "out", "failures").to_pylist()}
    assert {(r["stage"], r["code"], r["type"]) for r in failures.values()} == {
        ("ingest", "E106", "RecordError"), ("ingest", "E102", "BinaryInputError")}
    assert "pages/garbled.html" in failures
    assert sorted(read_table(tmp_path / "out", "articles").column("id").to_pylist()) == sorted(
        [ids[0], ids[2], "pages/fine.html"])
    assert (result.processed, result.failed) == (3, 2)


@linux_only
@pytest.mark.slow
def test_a_worker_killed_mid_run_and_a_restart_lose_and_duplicate_nothing(
        slow_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _start(slow_folder, out)
    _wait_for_shard(proc, out)
    workers = _worker_pids(proc.pid)
    assert workers and proc.poll() is None, "the run must still be going when the worker dies"
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err.decode()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"][-1]["restarts"] == 1
    again = _start(slow_folder, out)
    _, err = again.communicate(timeout=180)
    assert again.returncode == 0, err.decode()
    ids = _ids(out)
    assert len(ids) == N_SLOW and max(ids.values()) == 1


@linux_only
@pytest.mark.slow
@pytest.mark.parametrize(("how", "sig"), [
    ("library", signal.SIGINT),         # Ctrl-C in a terminal: the whole process group
    ("library", signal.SIGTERM),        # a job stopped by its scheduler
    ("sigint-ignored", signal.SIGINT),  # started by a parent that ignores Ctrl-C (the suite
                                        # failed this way: the run went on to the end, exit 0)
    ("cli", signal.SIGINT),             # `unspin batch` itself
])
def test_an_interrupted_run_leaves_only_complete_shards_and_resumes(
        slow_folder: Path, tmp_path: Path, how: str, sig: signal.Signals) -> None:
    out = tmp_path / "out"
    proc = _start(slow_folder, out, how)
    _wait_for_shard(proc, out)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err, err.decode()
    assert not list((out / "shards").glob(".tmp-*"))
    interrupted = _ids(out)
    assert 0 < len(interrupted) < N_SLOW and max(interrupted.values()) == 1
    for shard in (out / "shards").iterdir():
        assert sorted(p.stem for p in shard.iterdir()) == sorted(TABLES)
        for table in TABLES:
            pq.read_table(shard / f"{table}.parquet")  # every file whole and readable
    again = _start(slow_folder, out, how)
    _, err = again.communicate(timeout=180)
    assert again.returncode == 0, err.decode()
    ids = _ids(out)
    assert len(ids) == N_SLOW and max(ids.values()) == 1


@linux_only
@needs_ray
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_ray_run_stops_leaves_only_complete_shards_and_resumes(
        slow_folder: Path, tmp_path: Path, sig: signal.Signals) -> None:
    """The same on Ray: the signal to the run's process group ends the run with 130, the
    shards written are whole, Ray's processes are gone (the leak check), and a rerun
    completes. Ray's own processes are not in that group (a SIGTERM that killed the raylet
    first used to end the driver with exit 1), so the signal reaches the driver alone."""
    out = tmp_path / "out"
    proc = _start(slow_folder, out, "cli-ray")
    _wait_for_shard(proc, out, timeout=300)  # Ray's start is slow on a busy machine
    assert _group_members(proc.pid) == [proc.pid], "Ray's processes are in the run's group"
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err, err.decode()
    assert not list((out / "shards").glob(".tmp-*"))
    interrupted = _ids(out)
    assert 0 < len(interrupted) < N_SLOW and max(interrupted.values()) == 1
    for shard in (out / "shards").iterdir():
        for table in TABLES:
            pq.read_table(shard / f"{table}.parquet")
    again = _start(slow_folder, out, "cli-ray")
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    ids = _ids(out)
    assert len(ids) == N_SLOW and max(ids.values()) == 1


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 400 KB tmpfs (needs root and mount); unmounted afterwards."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    where = tmp_path / "small"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        # lazily: a file of the last run may still be open in this process
        subprocess.run(["umount", "-l", str(where)], check=True)


def test_a_full_disk_is_a_coded_error_earlier_shards_stay_whole_and_a_rerun_completes(
        slow_folder: Path, small_disk: Path, plumbing: Options) -> None:
    from unspin.errors import FileAccessError

    out = small_disk / "out"
    cfg = BatchConfig(inputs=(str(slow_folder),), out=out, options=plumbing, workers=0,
                      shard_size=2, progress=False)
    with pytest.raises(FileAccessError, match="no space left") as caught:
        run_batch(cfg, Console(file=io.StringIO()))
    assert caught.value.exit_code == 2
    assert not list((out / "shards").glob(".tmp-*"))
    written = _ids(out)
    assert 0 < len(written) < N_SLOW and max(written.values()) == 1
    for shard in (out / "shards").iterdir():
        for table in TABLES:
            pq.read_table(shard / f"{table}.parquet")  # every file whole and readable
    json.loads((out / "manifest.json").read_text())  # the manifest too
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    result = run_batch(cfg, Console(file=io.StringIO()))
    assert result.exit_code == 0 and result.skipped == len(written)
    ids = _ids(out)
    assert len(ids) == N_SLOW and max(ids.values()) == 1
