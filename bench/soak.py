"""`unspin serve --workers 2` under a long mixed load, on loopback only (issue 24).

    python bench/soak.py                         # 2,000 requests, backbone only
    python bench/soak.py -n 400 --stages all     # fewer requests, every stage

Starts ``python -m unspin.web --workers W --body-timeout T`` on 127.0.0.1 (a free port)
and checks three things, printing a figure for each:

1. **Memory.** ``--warmup`` requests, then ``-n`` requests of mixed sizes, ``-c`` at a
   time, in a cycle of ten: seven short paragraphs (159 characters), two
   ``examples/sample.txt`` (1.4 KB) and one that article five times over (6.9 KB).
   The resident memory of the server and its workers (the sum of VmRSS over the process
   tree) is read after the warm-up and after every tenth of the run; the growth after
   warm-up must stay within 10 %, with no request failed.
2. **A client that sends its body slowly** (the headers, then one byte a second) does not
   hold the others: while it dribbles, ``-c`` ordinary requests are timed against the
   same requests without it (a ratio, within 2 x); and the server must answer it with a
   408 (E107) and close its connection once ``--body-timeout`` has passed.
3. **A worker killed mid-request.** Every worker is stopped (SIGSTOP), ``2 x W`` long
   requests are sent, so that each worker holds one and the rest wait; one worker is then
   killed (SIGKILL) and the others continued. Only the killed worker's request may fail
   (one 503, E500, "send it again"); the others, and requests sent afterwards, succeed;
   how long until the fresh worker process appeared is printed.

Exit code 1 if a check fails. Refuses any host that is not loopback (it only ever starts
its own server on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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


def check_memory(base: str, mix: list[str], args: argparse.Namespace, pid: int) -> bool:
    statuses, _ = post_all(base, [mix[i % len(mix)] for i in range(args.warmup)],
                           args.concurrency)
    rss0 = rss_mb(pid)
    samples = [rss0]
    step = max(1, args.requests // 10)
    errors = sum(s != 200 for s in statuses)
    t0 = time.perf_counter()
    for start in range(0, args.requests, step):
        batch = [mix[i % len(mix)] for i in range(start, min(start + step, args.requests))]
        statuses, _ = post_all(base, batch, args.concurrency)
        errors += sum(s != 200 for s in statuses)
        samples.append(rss_mb(pid))
        print(f"  {start + len(batch)} requests, {time.perf_counter() - t0:.0f} s, "
              f"{errors} errors, RSS {samples[-1]:.0f} MB", flush=True)
    wall = time.perf_counter() - t0
    growth = samples[-1] / rss0 - 1
    peak = max(samples) / rss0 - 1
    print(f"memory: {args.requests} requests in {wall:.0f} s ({args.requests / wall:.1f}/s), "
          f"{errors} errors (warm-up included); RSS after {args.warmup} warm-up requests "
          f"{rss0:.0f} MB, then after each tenth "
          + ", ".join(f"{m:.0f}" for m in samples[1:])
          + f" MB; growth at the end {growth * 100:+.1f} %, at the peak {peak * 100:+.1f} %",
          flush=True)
    return growth <= 0.10 and peak <= 0.10 and errors == 0


def check_slow_body(base: str, port: int, sample: str, args: argparse.Namespace) -> bool:
    ordinary = [sample] * args.concurrency
    _, alone = post_all(base, ordinary, args.concurrency)
    slow = slow_client(port, 10_000)
    slow.settimeout(1.0)
    t_slow = time.monotonic()
    _, beside = post_all(base, ordinary, args.concurrency)
    answer = b""
    closed_after: float | None = None
    patience = args.body_timeout + 30
    while time.monotonic() - t_slow < patience:
        with contextlib.suppress(OSError):  # closed by the server: its answer is to be read
            slow.sendall(b"a")
        try:
            data = slow.recv(65536)
        except TimeoutError:
            continue
        except OSError:  # reset: the server closed it while the next byte was on its way
            closed_after = time.monotonic() - t_slow
            break
        answer += data
        if data == b"":
            closed_after = time.monotonic() - t_slow
            break
    slow.close()
    status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
    coded = b'"code":"E107"' in answer
    ratio = max(beside) / max(alone)
    print(f"slow body: {args.concurrency} requests took {max(alone):.2f} s alone and "
          f"{max(beside):.2f} s beside a client sending 1 byte/s ({ratio:.2f}x); the slow "
          f"client got {status}{' (E107)' if coded else ''} and "
          + (f"its connection was closed after {closed_after:.1f} s (limit "
             f"{args.body_timeout:g} s)" if closed_after is not None else
             f"its connection was still open after {patience:.0f} s"), flush=True)
    return ratio <= 2.0 and status == "408" and coded and closed_after is not None


def check_killed_worker(base: str, pid: int, sample: str, long_text: str,
                        args: argparse.Namespace) -> bool:
    workers = worker_pids(pid)
    if len(workers) != args.workers:
        print(f"killed worker: found {len(workers)} workers, not {args.workers}", flush=True)
        return False
    victim = workers[0]
    n = 2 * args.workers

    back: float | None = None

    async def kill_mid_flight() -> list[int]:
        nonlocal back
        for w in workers:
            os.kill(w, signal.SIGSTOP)
        try:
            task = asyncio.create_task(_post_all(base, [long_text] * n, n))
            await asyncio.sleep(2.0)  # every worker has taken one by now: they are stopped
            os.kill(victim, signal.SIGKILL)
            t_kill = time.monotonic()
        finally:
            for w in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(w, signal.SIGCONT)
        while time.monotonic() - t_kill < 600:  # the fresh worker, while the others serve
            if len([w for w in worker_pids(pid) if w != victim]) == args.workers:
                back = time.monotonic() - t_kill
                break
            await asyncio.sleep(0.1)
        statuses, _ = await task
        return statuses

    statuses = asyncio.run(kill_mid_flight())
    after, _ = post_all(base, [sample] * 4, 2)
    lost = statuses.count(503)
    other = sum(s not in (200, 503) for s in statuses)
    print(f"killed worker {victim}: of {len(statuses)} requests in flight {lost} got 503, "
          f"{statuses.count(200)} got 200, {other} other; "
          + (f"a fresh worker process {back:.1f} s after the kill; " if back is not None
             else "no fresh worker process appeared; ")
          + f"afterwards {after.count(200)}/{len(after)} got 200", flush=True)
    return lost == 1 and other == 0 and back is not None and after.count(200) == len(after)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--requests", type=int, default=2000)
    ap.add_argument("-c", "--concurrency", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--stages", default="none", help="none (default: the backbone), all, or a list")
    ap.add_argument("--body-timeout", type=float, default=10.0,
                    help="the server's --body-timeout, in seconds")
    args = ap.parse_args(argv)
    sample = (ROOT / "examples" / "sample.txt").read_text(encoding="utf-8")
    long_text = "\n\n".join([sample] * 20)
    mix = [SHORT] * 7 + [sample] * 2 + ["\n\n".join([sample] * 5)]
    port = free_port()
    base = loopback_only(f"http://127.0.0.1:{port}")
    proc = start_server(port, None if args.stages == "all" else args.stages, args.workers,
                        ["--body-timeout", str(args.body_timeout)])
    failed: list[str] = []
    try:
        wait_ready(base, proc, timeout=600)
        print(f"server {proc.pid}, {args.workers} workers, stages {args.stages}", flush=True)
        if not check_memory(base, mix, args, proc.pid):
            failed.append("memory")
        if not check_slow_body(base, port, sample, args):
            failed.append("slow body")
        if not check_killed_worker(base, proc.pid, sample, long_text, args):
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
