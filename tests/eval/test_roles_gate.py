"""Quality gate: entity roles (SemEval-2025 Task 10 subtask 1), 5-fold CV by article, English.

Floors are the figures measured with the command in floors/roles.json minus a small margin;
a floor is never lowered quietly. Needs the encoder (embeddings cached under $UNSPIN_CACHE).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

FLOORS = json.loads((Path(__file__).parent / "floors" / "roles.json").read_text())["floors"]

pytestmark = [pytest.mark.data, pytest.mark.slow]


@pytest.fixture(scope="module")
def figures(data_dir: Path) -> dict[str, float]:
    from unspin.eval.roles import run

    root = data_dir / "semeval2025-t10"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    return run(root, split=None, console=Console(file=io.StringIO()))


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_scores_stay_above_their_floors(figures: dict[str, float], name: str) -> None:
    assert figures[name] >= FLOORS[name]


@pytest.mark.parametrize("metric", ["emr", "main_accuracy"])
def test_the_model_beats_both_baselines(figures: dict[str, float], metric: str) -> None:
    model = figures[f"{metric}_model"]
    assert model > figures[f"{metric}_majority"]
    assert model > figures[f"{metric}_random"]
