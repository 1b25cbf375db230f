"""``create_app(workers=N)`` / ``unspin serve --workers N``: analyses in N processes.

Each worker loads its models before the app answers; the reports are the in-process
ones; a worker that dies fails only the request it held (a coded 503) and is replaced
while the others serve. (Backbone only, so each worker starts in a few seconds.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unspin.analyzer import Analyzer
from unspin.errors import ConfigError, ModelError
from unspin.options import Options
from unspin.web import create_app
from unspin.web.service import WorkerPool

BACKBONE = Options(stages=())
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="stops and kills workers by pid, read through /proc")


@pytest.fixture(scope="module")
def pooled() -> Iterator[TestClient]:
    with TestClient(create_app(options=BACKBONE, workers=2)) as c:
        yield c


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("timings",)}


def test_the_workers_are_ready_before_the_first_request(pooled: TestClient) -> None:
    service = pooled.app.state.service  # type: ignore[attr-defined]
    assert len(service.pids) == 2 and len(set(service.pids)) == 2
    assert os.getpid() not in service.pids
    health = pooled.get("/api/health").json()
    assert health["workers"] == 2 and health["stages"] == []


def test_a_pooled_report_is_the_in_process_report(pooled: TestClient, analyzer: Analyzer,
                                                 article: str) -> None:
    response = pooled.post("/api/analyze", json={"text": article, "id": "harbour"})
    assert response.status_code == 200, response.text
    with TestClient(create_app(analyzer)) as local:
        expected = local.post("/api/analyze", json={"text": article, "id": "harbour"}).json()
    assert _comparable(response.json()) == _comparable(expected)


def test_concurrent_requests_all_succeed(pooled: TestClient, article: str) -> None:
    statuses: list[int] = []

    def post(i: int) -> None:
        r = pooled.post("/api/analyze", json={"text": article, "id": f"a{i}"})
        statuses.append(r.status_code)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses == [200] * 6


def test_input_errors_come_back_from_the_ingest_entry_not_the_workers(pooled: TestClient) -> None:
    response = pooled.post("/api/analyze", json={"html": "<html><title>x</title><nav>Home</nav></html>"})
    assert response.status_code == 422
    assert response.json()["type"] == "NoArticleTextError"


def _ended(pid: int) -> bool:
    """The process has exited (gone, or a zombie not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def _until(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:.0f} s"
        time.sleep(0.02)


@linux_only
def test_a_worker_killed_mid_request_fails_only_that_request(article: str) -> None:
    """Two workers, four requests in flight: both workers hold one each (stopped, so that
    they are certainly mid-request) and two wait for a free worker. One worker is killed:
    its request is a coded 503, the other three are served, the dead worker is replaced,
    and the server goes on answering."""
    with TestClient(create_app(options=BACKBONE, workers=2)) as c:
        service = c.app.state.service  # type: ignore[attr-defined]
        victim, survivor = service.pids
        responses: dict[int, Any] = {}

        def post(i: int) -> None:
            responses[i] = c.post("/api/analyze", json={"text": article, "id": f"a{i}"})

        threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
        for pid in (victim, survivor):
            os.kill(pid, signal.SIGSTOP)
        try:
            for t in threads:
                t.start()
            _until(lambda: service.busy == sorted([victim, survivor]), "both workers busy")
            os.kill(victim, signal.SIGKILL)
        finally:
            for pid in (victim, survivor):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
        for t in threads:
            t.join(300)
        statuses = sorted(r.status_code for r in responses.values())
        assert statuses == [200, 200, 200, 503]
        failed = next(r.json() for r in responses.values() if r.status_code == 503)
        assert (failed["code"], failed["type"]) == ("E500", "WorkerError")
        assert "send it again" in failed["message"]
        assert failed["context"] == {"worker": str(victim)}
        after = [c.post("/api/analyze", json={"text": article}).status_code for _ in range(4)]
        assert after == [200] * 4
        _until(lambda: len(service.pids) == 2, "the replacement worker's start")
        assert survivor in service.pids and victim not in service.pids


@linux_only
def test_a_worker_killed_while_idle_is_replaced_before_a_request_reaches_it(
        article: str) -> None:
    with TestClient(create_app(options=BACKBONE, workers=1)) as c:
        service = c.app.state.service  # type: ignore[attr-defined]
        [dead] = service.pids
        os.kill(dead, signal.SIGKILL)
        _until(lambda: _ended(dead), "the worker's exit")
        response = c.post("/api/analyze", json={"text": article})
        assert response.status_code == 200, response.text
        assert len(service.pids) == 1 and dead not in service.pids


def _broken_initializer(*_args: object) -> None:
    raise RuntimeError("no models here")


class _PoolThatCannotStart(WorkerPool):
    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(1, initializer=_broken_initializer)


def test_workers_that_cannot_start_are_a_model_error_before_serving() -> None:
    with pytest.raises(ModelError, match="did not start"):
        _PoolThatCannotStart(BACKBONE, 1).start()


def test_workers_and_an_analyzer_are_one_or_the_other(analyzer: Analyzer) -> None:
    with pytest.raises(ConfigError):
        create_app(analyzer, workers=2)
    with pytest.raises(ConfigError):
        WorkerPool(BACKBONE, 0)


def test_serve_refuses_a_negative_worker_count() -> None:
    from typer.testing import CliRunner

    from unspin.cli import app

    result = CliRunner().invoke(app, ["serve", "--workers", "-1"])
    assert result.exit_code == 2
    assert "workers" in (result.output + json.dumps(str(result.exception))).lower()
