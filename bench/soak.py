"""`unspin serve --workers 2` under a long mixed load, on loopback only (issue 24).

    python bench/soak.py                         # 2,000 requests, backbone only
    python bench/soak.py -n 400 --stages all     # fewer requests, every stage

Starts ``python -m unspin.web --workers W`` on 127.0.0.1 (a free port) and checks three
things, printing a figure for each:

1. **Memory.** ``--warmup`` requests, then ``-n`` requests of mixed sizes (a short
   paragraph, ``examples/sample.txt``, and that article twenty times over, 1 : 2 : 1),
   ``-c`` at a time. The resident memory of the server and its workers (the sum of VmRSS
   over the process tree) is read after the warm-up and after every tenth of the run; the
   growth after warm-up must stay within 10 %.
2. **A client that sends its body slowly** (the headers, then one byte a second) does not
   hold the others: while it dribbles, ``-c`` ordinary requests are timed against the
   same requests without it (a ratio); and how long the server keeps the slow connection
   open is printed.
3. **A worker killed mid-request** (SIGKILL, while ``2 × W`` long requests are in flight)
   fails only the requests that worker held (503, E500, "send it again"); the others and
   every request after it succeed.

Exit code 1 if a check fails. Refuses any host that is not loopback (it only ever starts
its own server on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import free_port, loopback_only, start_server, wait_ready

from unspin.process import child_pids

ROOT = Path(__file__).resolve().parent.parent
SHORT = ("The harbour council voted on Tuesday to add two evening ferries to the island route. "
         "\"People who work late deserve a way home,\" said councillor Mara Lindqvist.")




def tree(pid: int) -> list[int]:
    """``pid`` and every descendant."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(child_pids(p))
    return out


def rss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def worker_pids(server: int) -> list[int]:
    """The analysis workers: the fork server's children (grandchildren of the server)."""
    for child in child_pids(server):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"forkserver" in cmdline:
            return child_pids(child)
    return []


async def _post_all(base: str, bodies: list[str], c: int) -> tuple[list[int], list[float]]:
    gate = asyncio.Semaphore(c)
    statuses: list[int] = [0] * len(bodies)
    latencies: list[float] = [0.0] * len(bodies)
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        async def one(i: int) -> None:
            async with gate:
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/analyze", json={"text": bodies[i]})
                    statuses[i] = r.status_code
                except httpx.HTTPError:
                    statuses[i] = -1
                latencies[i] = time.perf_counter() - t0
        await asyncio.gather(*(one(i) for i in range(len(bodies))))
    return statuses, latencies


def post_all(base: str, bodies: list[str], c: int) -> tuple[list[int], list[float]]:
    return asyncio.run(_post_all(base, bodies, c))


def slow_client(port: int, declared: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\n"
              + f"Content-Length: {declared}\r\n\r\n".encode() + b'{"text": "')
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--requests", type=int, default=2000)
    ap.add_argument("-c", "--concurrency", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--stages", default="none", help="none (default: the backbone), all, or a list")
    ap.add_argument("--slow-seconds", type=int, default=20)
    args = ap.parse_args(argv)
    sample = (ROOT / "examples" / "sample.txt").read_text(encoding="utf-8")
    mix = [SHORT, sample, sample, "\n\n".join([sample] * 20)]
    port = free_port()
    base = loopback_only(f"http://127.0.0.1:{port}")
    proc = start_server(port, None if args.stages == "all" else args.stages, args.workers)
    failed: list[str] = []
    try:
        wait_ready(base, proc, timeout=600)
        print(f"server {proc.pid}, {args.workers} workers, stages {args.stages}", flush=True)
        # 1. memory
        statuses, _ = post_all(base, [mix[i % 4] for i in range(args.warmup)], args.concurrency)
        rss0 = rss_mb(proc.pid)
        samples = [rss0]
        step = max(1, args.requests // 10)
        errors = sum(s != 200 for s in statuses)
        t0 = time.perf_counter()
        for start in range(0, args.requests, step):
            batch = [mix[i % 4] for i in range(start, min(start + step, args.requests))]
            statuses, _ = post_all(base, batch, args.concurrency)
            errors += sum(s != 200 for s in statuses)
            samples.append(rss_mb(proc.pid))
        wall = time.perf_counter() - t0
        growth = samples[-1] / rss0 - 1
        print(f"memory: {args.requests} requests in {wall:.0f} s ({args.requests / wall:.1f}/s), "
              f"{errors} errors; RSS after warm-up {rss0:.0f} MB, then "
              + ", ".join(f"{m:.0f}" for m in samples[1:])
              + f" MB; growth {growth * 100:+.1f} %", flush=True)
        if growth > 0.10 or errors:
            failed.append("memory")
        # 2. a slow body
        ordinary = [sample] * args.concurrency
        _, alone = post_all(base, ordinary, args.concurrency)
        slow = slow_client(port, 10_000)
        slow.settimeout(1.0)
        _, beside = post_all(base, ordinary, args.concurrency)
        held = 0
        closed_after: float | None = None
        t_slow = time.monotonic()
        while time.monotonic() - t_slow < args.slow_seconds:
            try:
                slow.sendall(b"a")
                data = slow.recv(4096)
                if data == b"" or data.startswith(b"HTTP/"):
                    closed_after = time.monotonic() - t_slow
                    break
            except TimeoutError:
                held += 1
            except OSError:
                closed_after = time.monotonic() - t_slow
                break
        slow.close()
        ratio = max(beside) / max(alone)
        print(f"slow body: {args.concurrency} requests took {max(alone):.2f} s alone and "
              f"{max(beside):.2f} s beside a client sending 1 byte/s ({ratio:.2f}x); the "
              + (f"server closed the slow connection after {closed_after:.0f} s"
                 if closed_after is not None else
                 f"slow connection was still open after {args.slow_seconds} s"), flush=True)
        if ratio > 2.0:
            failed.append("slow body")
        # 3. a worker killed mid-request
        workers = worker_pids(proc.pid)
        long_text = mix[3]

        async def kill_mid_flight() -> list[int]:
            task = asyncio.create_task(_post_all(base, [long_text] * (2 * args.workers),
                                                 2 * args.workers))
            await asyncio.sleep(1.0)
            os.kill(workers[0], signal.SIGKILL)
            statuses, _ = await task
            return statuses

        statuses = asyncio.run(kill_mid_flight()) if workers else []
        after, _ = post_all(base, [sample] * 4, 2)
        lost = sum(s == 503 for s in statuses)
        other = sum(s not in (200, 503) for s in statuses)
        print(f"killed worker {workers[:1]}: of {len(statuses)} requests in flight {lost} got 503 "
              f"(the killed worker's), {statuses.count(200)} got 200, {other} other; "
              f"afterwards {after.count(200)}/{len(after)} got 200", flush=True)
        if not workers or lost == 0 or lost > len(statuses) // args.workers + 1 or other \
                or after.count(200) != len(after):
            failed.append("killed worker")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except Exception:
            proc.kill()
            proc.wait()
    print("failed: " + ", ".join(failed) if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
