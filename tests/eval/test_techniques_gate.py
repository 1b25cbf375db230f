"""Quality gate: the shipped techniques model on PTC's held-out dev split (first 20 articles).

Floors are the figures measured with the command in floors/techniques.json minus a small
margin; a floor is never lowered quietly. The subset keeps the gate to a few minutes on two
cores (the encoder runs on ~800 sentences; features are cached between runs); the full-dev
figures are in the same file for reference.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from unspin.errors import ModelError

FLOORS = json.loads((Path(__file__).parent / "floors" / "techniques.json").read_text())
GATE_ARTICLES = FLOORS["gate_articles"]

pytestmark = [pytest.mark.data, pytest.mark.slow]


@pytest.fixture(scope="module")
def figures(data_dir: Path, require_models: Callable[[Exception], None]) -> dict[str, float]:
    from unspin.corpora.ptc import read_articles
    from unspin.eval.techniques import evaluate

    ptc = data_dir / "ptc"
    if not ptc.is_dir():
        pytest.skip(f"{ptc} is absent")
    try:
        return evaluate(ptc, read_articles(ptc, "dev")[:GATE_ARTICLES],
                        Console(file=io.StringIO()))
    except ModelError as exc:
        require_models(exc)


@pytest.mark.parametrize("name", ["si_f1", "si_precision", "si_recall", "tc_micro_f1"])
def test_scores_stay_above_their_floors(figures: dict[str, float], name: str) -> None:
    assert figures[name] >= FLOORS["floors"][name]


def test_the_classifier_beats_both_baselines(figures: dict[str, float]) -> None:
    assert figures["tc_micro_f1"] > figures["tc_f1_all_loaded_language"]
    assert figures["tc_micro_f1"] > figures["tc_f1_length_lr"]
