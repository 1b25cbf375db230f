"""The API against its own OpenAPI document: schemathesis generates requests from the spec
and checks every answer (status documented, body matching the documented schema, no 5xx).

Bounded and reproducible: a fixed seed, a fixed number of examples, no example database.
URLs never leave the process: the resolver answers loopback for every host, so the guarded
fetcher refuses them all before any request (and the transport fails the test if reached).
"""

from __future__ import annotations

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from hypothesis import HealthCheck, seed, settings  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from unspin.analyzer import Analyzer  # noqa: E402
from unspin.options import Options  # noqa: E402
from unspin.web import create_app  # noqa: E402


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the app tried to fetch {request.url}")


app = create_app(Analyzer(Options(stages=())), transport=httpx.MockTransport(_no_network),
                 resolver=lambda host: ["127.0.0.1"])
schema = schemathesis.openapi.from_asgi("/openapi.json", app)

CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance,
          content_type_conformance, response_headers_conformance, response_schema_conformance]


@schema.parametrize()
@seed(20261128)
@settings(max_examples=25, deadline=None, database=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
