"""Fixtures shared by the whole suite."""

from __future__ import annotations

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
