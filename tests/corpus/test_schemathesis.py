"""The corpus API against its own OpenAPI document: schemathesis generates requests (odd
dates, unknown outlets, long and strange strings in every filter) and checks each answer:
documented status, documented content type, and never a server error.

Bounded and reproducible: a fixed seed, a fixed number of examples, no example database.
The crawl is this package's (``conftest.py``), written once into a temporary folder when
the module is collected (schemathesis parametrizes at collection, before any fixture).
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from hypothesis import HealthCheck, seed, settings  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    status_code_conformance,
)

pytest.importorskip("tantivy", reason="tantivy (the batch extra) is not installed")
from unspin.corpus import Corpus  # noqa: E402
from unspin.corpus.search import build_index  # noqa: E402
from unspin.corpus.server import create_corpus_app  # noqa: E402

_spec = importlib.util.spec_from_file_location("corpus_conftest",
                                               Path(__file__).with_name("conftest.py"))
assert _spec is not None and _spec.loader is not None
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
_folder = tempfile.TemporaryDirectory(prefix="unspin-corpus-st-")
_out = _conftest._write_crawl(Path(_folder.name) / "out")
build_index(_out)
app = create_corpus_app(Corpus(_out, time_limit=20))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance,
          content_type_conformance]


@schema.parametrize()
@seed(20261207)
@settings(max_examples=20, deadline=None, database=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_the_corpus_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
