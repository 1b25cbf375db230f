"""Start-up time of the command line against ``python -c "import typer"``, in the same run.

    python bench/startup.py [--reps 7]

Each command runs in a fresh interpreter (``sys.executable -m unspin …``), ``--reps`` times,
alternating with the baseline ``python -c "import typer"`` so both see the same load; the
median wall time of each counts. Ratio = command median / baseline median (target ≤ 4: the
commands that need no model must not load one). Commands: ``--version``, ``--help``,
``schema``, ``render`` of a small saved report, and two input errors (an empty file, a
missing file), which must answer before any model loads.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    py = sys.executable
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
        base: list[float] = []
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.reps):
            for name, cmd in commands.items():
                base.append(_time(baseline_cmd))
                times[name].append(_time(cmd))
    b = statistics.median(base)
    print(f"baseline python -c 'import typer': median {b * 1000:.0f} ms over {len(base)} runs")
    print(f"{'command':32} {'median ms':>10} {'× baseline':>11}")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:32} {m * 1000:10.0f} {m / b:11.2f}")


if __name__ == "__main__":
    main()
