"""bench/load_test.py: its guards, its percentile, and a short run with no errors."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load_test.py"


@pytest.fixture(scope="module")
def load_test() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_test", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("url", ["http://10.0.0.1:8000", "http://192.168.1.5/",
                                 "http://93.184.215.14/"])
def test_refuses_hosts_that_are_not_loopback(load_test: ModuleType, url: str) -> None:
    with pytest.raises(SystemExit, match="loopback only"):
        load_test.loopback_only(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/", "http://localhost:9", "http://[::1]:80"])
def test_accepts_loopback_hosts(load_test: ModuleType, url: str) -> None:
    assert load_test.loopback_only(url) == url.rstrip("/")


def test_caps_the_number_of_requests(load_test: ModuleType) -> None:
    with pytest.raises(SystemExit):
        load_test.main(["--url", "http://127.0.0.1:9", "-n", "100000"])


@pytest.mark.parametrize(("q", "expected"), [(50, 50.0), (95, 95.0), (99, 99.0), (100, 100.0)])
def test_nearest_rank_percentiles(load_test: ModuleType, q: float, expected: float) -> None:
    assert load_test.nearest_rank([float(v) for v in range(1, 101)], q) == expected


def test_short_run_against_a_live_server_has_no_errors(load_test: ModuleType, live_server: str,
                                                       sample_text: str) -> None:
    body = json.dumps({"text": sample_text}).encode()
    # in a thread of its own: Playwright's sync API may hold an event loop on this one
    with ThreadPoolExecutor(1) as pool:
        latencies, errors, wall = pool.submit(
            lambda: asyncio.run(load_test.run_load(live_server, body, 48, 8))).result()
    assert errors == []
    assert len(latencies) == 48
    assert latencies == sorted(latencies)
    assert wall > 0
