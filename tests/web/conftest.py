"""Fixtures for the web app's tests: one backbone-only analyzer for the whole session.

The web layer's behaviour does not depend on which stages run, so these tests use the
backbone alone (fast, and independent of the model-backed stages' artifacts).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")

from fastapi.testclient import TestClient

from unspin.analyzer import Analyzer
from unspin.options import Options
from unspin.web import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Written for these tests.
ARTICLE = """Harbour town votes to rebuild its old sea wall

The council of Marlow Bay voted on Monday to rebuild the sea wall that protects the harbour, after two winters of flooding.

"We cannot keep patching a wall that was built for a different century," said Mayor Ines Calloway. "The work starts in spring."

Local fishermen welcomed the plan. Tomas Reyes, who has worked the harbour for thirty years, said the repairs were "long overdue."
"""


@pytest.fixture(scope="session")
def article() -> str:
    """A short news article written for these tests."""
    return ARTICLE


@pytest.fixture(scope="session")
def sample_text() -> str:
    """``examples/sample.txt`` (the project's own example article)."""
    return (EXAMPLES / "sample.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The backbone alone, loaded once for every web test."""
    a = Analyzer(Options(stages=()))
    a.pipeline  # noqa: B018
    return a


@pytest.fixture
def client(analyzer: Analyzer) -> Iterator[TestClient]:
    with TestClient(create_app(analyzer)) as c:
        yield c


@pytest.fixture(scope="session")
def live_server(analyzer: Analyzer, serve_in_thread: Any) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1, as ``unspin serve`` runs it, in a thread."""
    with serve_in_thread(create_app(analyzer)) as url:
        yield url
