"""``create_app(workers=N)`` / ``unspin serve --workers N``: analyses in N processes.

Each worker loads its models before the app answers; the reports are the in-process
ones; a worker that dies answers its request with a coded 503 and the next request is
served by a fresh pool. (Backbone only, so each worker starts in a few seconds.)
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unspin.analyzer import Analyzer
from unspin.errors import ConfigError, ModelError
from unspin.options import Options
from unspin.web import create_app
from unspin.web.service import WorkerPool

BACKBONE = Options(stages=())


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


def test_a_killed_worker_is_a_503_and_the_next_request_is_served(article: str) -> None:
    with TestClient(create_app(options=BACKBONE, workers=1)) as c:
        service = c.app.state.service  # type: ignore[attr-defined]
        os.kill(service.pids[0], signal.SIGKILL)
        first = c.post("/api/analyze", json={"text": article})
        assert first.status_code == 503
        body = first.json()
        assert body["code"] == "E500" and body["type"] == "WorkerError"
        assert "send it again" in body["message"]
        again = c.post("/api/analyze", json={"text": article})
        assert again.status_code == 200, again.text


def _broken_initializer(*_args: object) -> None:
    raise RuntimeError("no models here")


class _PoolThatCannotStart(WorkerPool):
    def _new_pool(self) -> Any:
        pool, barrier = super()._new_pool()
        pool.shutdown()
        return ProcessPoolExecutor(1, initializer=_broken_initializer), barrier


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
