"""Quality gate: narratives (SemEval-2025 Task 10 subtask 2), 5-fold CV on the English train set.

Floors are the figures measured with the command in floors/narratives.json minus a small
margin; a floor is never lowered quietly. Needs the encoder; the sentence embeddings are
cached under $UNSPIN_CACHE (a cold run embeds ~8,000 sentences: about 5 minutes on two
busy cores; a warm run takes well under a minute).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

FLOORS = json.loads((Path(__file__).parent / "floors" / "narratives.json").read_text())["floors"]

pytestmark = [pytest.mark.data, pytest.mark.slow]


@pytest.fixture(scope="module")
def figures(data_dir: Path) -> dict[str, float]:
    from unspin.eval.narratives import run

    root = data_dir / "semeval2025-t10"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    return run(root, split=None, console=Console(file=io.StringIO()))


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_scores_stay_above_their_floors(figures: dict[str, float], name: str) -> None:
    assert figures[name] >= FLOORS[name]


@pytest.mark.parametrize("level", ["fine", "coarse"])
def test_the_model_beats_both_baselines(figures: dict[str, float], level: str) -> None:
    model = figures[f"f1_{level}_model"]
    assert model > figures[f"f1_{level}_majority"]
    assert model > figures[f"f1_{level}_random"]
