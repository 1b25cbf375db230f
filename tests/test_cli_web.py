"""``unspin serve`` (unspin.cli_web.serve): options to an app, uvicorn started on the host asked."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the web extra is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from unspin.cli_web import is_loopback_host, serve  # noqa: E402
from unspin.errors import ConfigError  # noqa: E402


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("192.168.1.4", False), ("example.org", False),
])
def test_is_loopback_host(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What serve() hands to uvicorn.run, instead of running a server."""
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen["app"] = app
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return seen


def test_serve_runs_the_app_on_the_host_and_port_given(started: dict[str, Any]) -> None:
    serve(host="127.0.0.1", port=8123, stages="none", log_level="warning")
    assert (started["host"], started["port"]) == ("127.0.0.1", 8123)
    with TestClient(started["app"], base_url="http://127.0.0.1:8123") as c:
        assert c.get("/api/health").json()["stages"] == []


def test_serve_on_loopback_answers_only_loopback_names(started: dict[str, Any]) -> None:
    serve(host="127.0.0.1", port=8123, stages="none")
    with TestClient(started["app"]) as c:
        assert c.get("/api/health", headers={"host": "localhost:8123"}).status_code == 200
        assert c.get("/api/health", headers={"host": "rebound.example"}).status_code == 400


def test_serve_on_all_interfaces_warns(started: dict[str, Any],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    serve(host="0.0.0.0", port=8123, stages="none")
    assert "reachable from other machines" in capsys.readouterr().err
    with TestClient(started["app"]) as c:
        assert c.get("/api/health", headers={"host": "192.168.1.4:8123"}).status_code == 200


def test_serve_caps_bodies_at_max_mb(started: dict[str, Any]) -> None:
    serve(host="127.0.0.1", port=8123, stages="none", max_mb=0.001)
    with TestClient(started["app"], base_url="http://127.0.0.1:8123") as c:
        response = c.post("/api/analyze", json={"text": "x" * 2000})
    assert response.status_code == 413


def test_serve_refuses_an_unknown_stage_before_starting(started: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        serve(stages="quotes,astrology")
    assert started == {}


@pytest.mark.parametrize(("given", "limit"), [(None, 20.0), (2.5, 2.5)])
def test_serve_limits_how_long_a_request_s_headers_may_take(
        started: dict[str, Any], given: float | None, limit: float) -> None:
    from unspin.web.serving import HeaderTimeoutProtocol

    serve(host="127.0.0.1", port=8123, stages="none", header_timeout=given)
    assert issubclass(started["http"], HeaderTimeoutProtocol)
    assert started["http"].header_timeout == limit
