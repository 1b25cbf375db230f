"""Speed of ``unspin`` analysis against spaCy parsing alone, on the same texts in the same run.

    python bench/bench_analyze.py [--data DIR] [--pages 60] [--reps 2] [--write]

What is timed. The first ``--pages`` English pages of the Zyte article-extraction benchmark
(ids in sorted order) are ingested once, untimed (``unspin.ingest.html.extract_html``). Then,
each system in its own child process (so that each peak memory is its own):

- ``parse``: spaCy alone, ``nlp(text)`` with the pinned ``en_core_web_sm`` on each cleaned
  text (the text unspin parses): the reference, and the memory of spaCy alone;
- ``foundation``: ``Analyzer(Options(stages=())).analyze_article(article)``: clean, language
  check, parse and report, i.e. everything after ingest, with no stage;
- ``all``: the same with every stage that exists and loads here (``Options()``); the stages
  that ran and the ones skipped are printed.

Each child warms up on three articles, then times ``--reps`` passes over all pages, each
system pass alternating with a bare-parse pass in the same process, so both see the same
load. Times are the process's CPU seconds (``time.process_time``: with one thread, the work
done, whatever else runs on a shared machine); wall seconds are shown too. The best pass
counts (the least disturbed). Ratio = best system pass / best parse pass, in CPU seconds,
in the same process. Peak memory is the child's maximum
resident set size (``getrusage``), models included. BLAS/OpenMP/torch threads are set to
``--threads`` (default 1) in every child alike.

``--models small,base`` times, instead, the encoder-bound path of each model: systems
``techniques:small`` and ``techniques:base`` (``Options(stages=("techniques",), model=…)``:
the one encoder pass plus the techniques heads), each in its own process beside bare-parse
passes as above, and their *cold start*: wall seconds from building the Analyzer to the
first report (models loaded from disk, base weights already reassembled). The base/small
ratio is that of their two ratios to the bare parse.

``--write`` replaces the "Speed" section of BENCHMARKS.md (or appends it) with the table, the
command, the date and a note on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
SYSTEMS = ("parse", "foundation", "all")
SECTION = "Speed"


def _articles(data: Path, pages: int) -> list[Any]:
    """The first ``pages`` benchmark pages (sorted ids) whose cleaned text is English."""
    from unspin.clean import clean
    from unspin.errors import UnspinError
    from unspin.ingest.html import extract_html
    from unspin.lang import detect_language

    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for pid in sorted(truth):
        with gzip.open(data / "html" / f"{pid}.html.gz", "rt", encoding="utf-8") as fh:
            html = fh.read()
        try:
            article = extract_html(html, id=pid, url=truth[pid].get("url"))
        except UnspinError:
            continue
        if detect_language(clean(article).text).is_english:
            out.append(article)
        if len(out) == pages:
            break
    return out


def _save(articles: list[Any], path: Path) -> None:
    from dataclasses import asdict

    path.write_text("\n".join(json.dumps(asdict(a)) for a in articles), encoding="utf-8")


def _load(path: Path) -> list[Any]:
    from unspin.article import Article, Source

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        out.append(Article(id=rec["id"], raw_text=rec["raw_text"], source=Source(**rec["source"])))
    return out


def _worker(system: str, articles_file: Path, reps: int) -> dict[str, Any]:
    """Time one system in this process, its passes alternating with bare-parse passes."""
    from unspin.backbone import load_backbone
    from unspin.clean import clean

    articles = _load(articles_file)
    texts = [clean(a).text for a in articles]
    info: dict[str, Any] = {"system": system, "pages": len(articles),
                            "chars": sum(len(t) for t in texts)}
    passes: dict[str, Callable[[], None]] = {}
    if system != "parse":
        from unspin.analyzer import Analyzer
        from unspin.options import Options

        t_cold = time.perf_counter()
        if system.startswith("techniques:"):
            options = Options(stages=("techniques",), model=system.partition(":")[2])
        else:
            options = Options(stages=()) if system == "foundation" else Options()
        analyzer = Analyzer(options)
        pipe = analyzer.pipeline
        analyzer.analyze_article(articles[0])
        info["cold_start_s"] = time.perf_counter() - t_cold
        info["stages"] = list(pipe.stages)
        info["skipped"] = dict(pipe.skipped)
        for article in articles[:3]:  # warm-up
            analyzer.analyze_article(article)

        def analyse_all() -> None:
            for article in articles:
                analyzer.analyze_article(article)

        passes[system] = analyse_all
    nlp = load_backbone()
    for text in texts[:3]:  # warm-up
        nlp(text)

    def parse_all() -> None:
        for text in texts:
            nlp(text)

    passes["parse"] = parse_all
    cpu: dict[str, list[float]] = {name: [] for name in passes}
    wall: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(reps):  # alternate, so that both see the same load on a shared machine
        for name in sorted(passes, key=lambda n: n != "parse"):
            c, t = time.process_time(), time.perf_counter()
            passes[name]()
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - t)
    info["cpu"], info["wall"] = cpu[system], wall[system]
    info["parse_cpu"], info["parse_wall"] = cpu["parse"], wall["parse"]
    info["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return info


def _run_child(system: str, args: argparse.Namespace, articles_file: Path) -> dict[str, Any]:
    env = dict(os.environ)
    threads = str(args.threads)
    env.update({"OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
                "MKL_NUM_THREADS": threads, "TORCH_NUM_THREADS": threads,
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"})
    cmd = [sys.executable, __file__, "--worker", system, "--articles", str(articles_file),
           "--reps", str(args.reps), "--threads", threads]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench worker {system!r} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} logical CPUs (shared; 1-min load average {load:.1f} when "
            f"the run ended), Python {platform.python_version()}")


def _table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    rows = ["| system | CPU s (best) | wall s (best / median) | bare parse CPU s, same process "
            "| × bare parse (CPU) | articles/s (CPU) | peak RSS MB | stages |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for system in SYSTEMS:
        r = results[system]
        best, parse_best = min(r["cpu"]), min(r["parse_cpu"])
        stages = ", ".join(r.get("stages", [])) or ("spaCy only" if system == "parse" else "none")
        if r.get("skipped"):
            stages += " (skipped: " + ", ".join(sorted(r["skipped"])) + ")"
        rows.append(f"| {system} | {best:.2f} | {min(r['wall']):.2f} / "
                    f"{statistics.median(r['wall']):.2f} | {parse_best:.2f} | "
                    f"{best / parse_best:.2f} | {r['pages'] / best:.1f} | "
                    f"{r['peak_rss_mb']:.0f} | {stages} |")
    command = (f"python bench/bench_analyze.py --pages {args.pages} --reps {args.reps} "
               f"--threads {args.threads} --write")
    n, chars = results["parse"]["pages"], results["parse"]["chars"]
    return "\n".join([
        f"## {SECTION}",
        "",
        f"Command: `{command}` (from the repository root; {dt.date.today().isoformat()}).",
        f"Machine: {_machine()}.",
        "",
        f"{n} English pages of the article-extraction benchmark ({chars:,} characters after "
        "clean), ingested once, untimed. *parse* = spaCy `nlp(text)` alone on the cleaned texts; "
        "*foundation* = `Analyzer(Options(stages=())).analyze_article` (clean, language check, "
        "parse, report: everything after ingest); *all* = the same with every stage that loads "
        "(`Options()`). Each system runs in its own process, its passes alternating with "
        "bare-parse passes over the same texts in that process; times are CPU seconds of the "
        "process (`time.process_time`, robust to other load on a shared machine; wall "
        "seconds shown too), × bare parse is the ratio of the two best passes' CPU time; "
        f"{args.threads} thread(s), best of {args.reps} passes after a warm-up; peak RSS is "
        "the process's, models included.",
        "",
        *rows,
        "",
        "Target at the foundation stage: foundation ≤ 1.3 × bare parse.",
        "",
    ])


def _model_table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    """The ``--models`` table: each model's encoder path against the bare parse, its cold
    start, and every model's ratio to the first one's."""
    lines = ["| system | × bare parse (CPU) | articles/s (CPU) | × first model | cold start s "
             "| peak RSS MB | stages |", "|---|---:|---:|---:|---:|---:|---|"]
    first: float | None = None
    for system, r in results.items():
        ratio = min(r["cpu"]) / min(r["parse_cpu"])
        first = first or ratio
        stages = ", ".join(r.get("stages", [])) or "none"
        if r.get("skipped"):
            stages += " (skipped: " + ", ".join(sorted(r["skipped"])) + ")"
        lines.append(f"| {system} | {ratio:.2f} | {r['pages'] / min(r['cpu']):.2f} | "
                     f"{ratio / first:.2f} | {r['cold_start_s']:.1f} | {r['peak_rss_mb']:.0f} | "
                     f"{stages} |")
    lines.append(f"\n{args.pages} pages, best of {args.reps} passes, {args.threads} thread(s); "
                 f"{_machine()}; `python bench/bench_analyze.py --models {args.models} "
                 f"--pages {args.pages} --reps {args.reps}`")
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace the ``## Speed`` section of ``path`` (up to the next ``## ``) or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^## {SECTION}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--models", default=None,
                        help="compare the encoder-bound path of these models (small,base)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--articles", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        if args.threads:
            try:
                import torch

                torch.set_num_threads(args.threads)
            except ImportError:
                pass
        print(json.dumps(_worker(args.worker, args.articles, args.reps)))
        return 0
    if not (args.data / "ground-truth.json").is_file():
        parser.error(f"{args.data} is not the article-extraction benchmark folder")
    with tempfile.TemporaryDirectory() as tmp:
        articles_file = Path(tmp) / "articles.jsonl"
        _save(_articles(args.data, args.pages), articles_file)
        if args.models:
            systems = tuple(f"techniques:{m.strip()}" for m in args.models.split(",") if m.strip())
            results = {system: _run_child(system, args, articles_file) for system in systems}
            print(_model_table(results, args))
            return 0
        results = {system: _run_child(system, args, articles_file) for system in SYSTEMS}
    section = _table(results, args)
    print(section)
    if args.write:
        write_section(ROOT / "BENCHMARKS.md", section)
        print(f"updated {ROOT / 'BENCHMARKS.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
