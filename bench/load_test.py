"""Bounded load test of the web API, on loopback only.

Starts ``python -m unspin.web`` on 127.0.0.1 (a free port) unless ``--url`` names a server
already running on a loopback address, opens ``--concurrency`` connections, then sends
``--requests`` ``POST /api/analyze`` requests (the article in ``--file`` as JSON text), at
most ``--concurrency`` at a time. Prints nearest-rank p50/p95/p99 latency, throughput and
the error count; exits 1 if any request failed. With ``--workers 1,2`` (the default) it
starts one server per worker count in turn, in the same run, and prints each one's
throughput against the first's. Refuses any host that is not loopback and
caps both numbers, so it cannot be pointed at someone else's server or run away.

    python bench/load_test.py                       # 300 requests, 8 at a time, 1 then 2 workers
    python bench/load_test.py --workers 0,1,2 -n 100  # also the in-process server
    python bench/load_test.py --stages none         # the backbone alone
    python bench/load_test.py --url http://127.0.0.1:8000 -n 100 -c 4
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
MAX_REQUESTS = 5000
MAX_CONCURRENCY = 64


def loopback_only(url: str) -> str:
    """``url`` if its host is loopback (by literal or by every address it resolves to)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = [host] if host != "localhost" else ["127.0.0.1"]
        ipaddress.ip_address(host)
    except ValueError:
        try:
            addresses = sorted({str(i[4][0]) for i in socket.getaddrinfo(host, None)})
        except socket.gaierror as exc:
            raise SystemExit(f"cannot resolve {host!r}: {exc}") from exc
    if not addresses or not all(ipaddress.ip_address(str(a)).is_loopback for a in addresses):
        raise SystemExit(f"refusing {url}: the load test runs against loopback only")
    return url.rstrip("/")


def nearest_rank(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile ``q`` (0-100) of already sorted values."""
    k = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[k - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, stages: str | None, workers: int, extra: Sequence[str] = ()
                 ) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "unspin.web", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "warning", "--workers", str(workers), *extra]
    if stages is not None:
        cmd += ["--stages", stages]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(cmd, env=env)


def wait_ready(base: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            response = httpx.get(base + "/api/health", timeout=2)
            if response.status_code == 200:
                return dict(response.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server at {base} was not ready within {timeout:.0f} s")


async def run_load(base: str, body: bytes, n: int, c: int) -> tuple[list[float], list[str], float]:
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
    latencies: list[float] = []
    errors: list[str] = []
    gate = asyncio.Semaphore(c)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        # warm-up: open the C connections (and let the server settle) before timing
        await asyncio.gather(*(client.get("/api/health") for _ in range(c)))

        async def one() -> None:
            async with gate:
                t0 = time.perf_counter()
                try:
                    response = await client.post("/api/analyze", content=body, headers=headers)
                    if response.status_code != 200:
                        errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    else:
                        response.json()
                except (httpx.HTTPError, ValueError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                latencies.append((time.perf_counter() - t0) * 1000)

        t_start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        wall = time.perf_counter() - t_start
    return sorted(latencies), errors, wall


def measure(base: str, proc: subprocess.Popen[bytes] | None, body: bytes, n: int, c: int
            ) -> tuple[dict[str, object], list[str]]:
    try:
        t0 = time.perf_counter()
        health = wait_ready(base, proc, timeout=600)
        startup = time.perf_counter() - t0
        lat, errors, wall = asyncio.run(run_load(base, body, n, c))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=60)
    return {
        "workers": health.get("workers"), "stages": health.get("stages"),
        "skipped": health.get("skipped"),
        "startup_s": round(startup, 2) if proc is not None else None,
        "p50_ms": round(nearest_rank(lat, 50), 1), "p95_ms": round(nearest_rank(lat, 95), 1),
        "p99_ms": round(nearest_rank(lat, 99), 1), "max_ms": round(lat[-1], 1),
        "mean_ms": round(sum(lat) / len(lat), 1), "wall_s": round(wall, 2),
        "throughput_rps": round(n / wall, 3), "errors": len(errors),
    }, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server on loopback (default: start one)")
    parser.add_argument("-n", "--requests", type=int, default=300)
    parser.add_argument("-c", "--concurrency", type=int, default=8)
    parser.add_argument("--file", type=Path, default=ROOT / "examples" / "sample.txt")
    parser.add_argument("--stages", help="stages for the started server (default: all)")
    parser.add_argument("--workers", default="1,2",
                        help="comma-separated worker counts, one server each (default 1,2)")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be 1..{MAX_REQUESTS}")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    try:
        counts = [int(w) for w in args.workers.split(",")]
    except ValueError:
        parser.error("--workers takes comma-separated integers, e.g. 1,2")
    text = args.file.read_text(encoding="utf-8")
    body = json.dumps({"text": text}).encode()

    runs: list[dict[str, object]] = []
    failed = False
    for workers in [None] if args.url else counts:
        proc = None
        if args.url:
            base = loopback_only(args.url)
        else:
            base = f"http://127.0.0.1:{free_port()}"
            proc = start_server(int(base.rsplit(":", 1)[1]), args.stages, int(workers or 0))
        run, errors = measure(base, proc, body, args.requests, args.concurrency)
        runs.append(run)
        failed = failed or bool(errors)
        print(f"--- {run['workers']} worker(s)")
        for key, value in run.items():
            print(f"{key:>15}: {value}")
        for e in errors[:5]:
            print("  error:", e)
    first = float(str(runs[0]["throughput_rps"]))
    for run in runs[1:]:
        run["throughput_vs_first"] = round(float(str(run["throughput_rps"])) / first, 3)
        print(f"throughput, {run['workers']} vs {runs[0]['workers']} worker(s): "
              f"{run['throughput_vs_first']}x")
    figures = {
        "requests": args.requests, "concurrency": args.concurrency,
        "article": str(args.file.relative_to(ROOT) if args.file.is_relative_to(ROOT) else args.file),
        "article_chars": len(text), "runs": runs,
        "cpus": os.cpu_count(), "python": platform.python_version(),
    }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
