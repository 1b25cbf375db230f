"""How long the drill-down site takes at scale: ``write_site`` on a synthetic batch output.

Generates ``--articles`` articles with ``bench/corpus_scale.py``'s generator (the real
table schemas and ``derived/``), then writes ``unspin corpus OUT --site`` with
``--per-count`` articles per count, and prints wall and CPU time, the pages written, the
peak memory and the site's size. The folders go under ``--dir`` and are deleted unless
``--keep``.

    nice -n 10 python bench/site_scale.py --articles 1000000 --per-count 10
    python bench/site_scale.py --articles 10000 --per-count 100
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_scale", HERE / "corpus_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_scale"] = module
    spec.loader.exec_module(module)
    return module


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--per-count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/unspin-site-scale"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)

    from unspin.corpus import Corpus
    from unspin.corpus.site import write_site

    out, site = args.dir / "out", args.dir / "site"
    shutil.rmtree(args.dir, ignore_errors=True)
    t = time.perf_counter()
    _generator().generate(out, args.articles, seed=args.seed)
    generated = time.perf_counter() - t
    load = os.getloadavg()[0]
    t, c = time.perf_counter(), time.process_time()
    with Corpus(out) as db:
        result = write_site(db, site, per_count=args.per_count)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(f"articles {args.articles:,}, per count {args.per_count}: generated in "
          f"{generated:.1f} s; write_site {wall:.1f} s wall, {cpu:.1f} s CPU; "
          f"{result.counts:,} count pages, {result.articles:,} article pages, "
          f"{len(result.missing)} missing; site {_size(site) / 1e6:.0f} MB; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"load average {load:.2f} at the start")
    if not args.keep:
        shutil.rmtree(args.dir, ignore_errors=True)
    return 1 if result.missing else 0


if __name__ == "__main__":
    sys.exit(main())
