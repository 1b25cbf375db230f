"""Quality gate: the shipped techniques models on PTC's held-out dev split (first 20 articles),
one run per encoder: small (floors/techniques.json) and base, the default
(floors/base/techniques.json).

Floors are the figures measured with the command in each floors file minus a small margin;
a floor is never lowered quietly. The subset keeps the gate to a few minutes on two cores
(each encoder runs on ~800 sentences; features are cached between runs); the full-dev
figures are in the same files for reference. Base's gate skips, with the reason, where
its wheels are not installed (``make install`` installs them).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from unspin.errors import ModelError

FLOORS_DIR = Path(__file__).parent / "floors"
MODELS = ("small", "base")


def floors_of(model: str) -> dict[str, Any]:
    path = FLOORS_DIR / ("techniques.json" if model == "small" else f"{model}/techniques.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


pytestmark = [pytest.mark.data, pytest.mark.slow]


@pytest.fixture(scope="module", params=MODELS)
def model(request: pytest.FixtureRequest) -> str:
    from unspin.encoder import base_installed

    if request.param == "base" and not base_installed():
        pytest.skip("the base encoder's wheels are not installed (make base-model)")
    return str(request.param)


@pytest.fixture(scope="module")
def figures(model: str, data_dir: Path,
            require_models: Callable[[Exception], None]) -> dict[str, float]:
    from unspin.corpora.ptc import read_articles
    from unspin.encoder import using
    from unspin.eval.techniques import evaluate

    ptc = data_dir / "ptc"
    if not ptc.is_dir():
        pytest.skip(f"{ptc} is absent")
    try:
        with using(model):
            return evaluate(ptc, read_articles(ptc, "dev")[:floors_of(model)["gate_articles"]],
                            Console(file=io.StringIO()))
    except ModelError as exc:
        require_models(exc)  # skips where the models extra is absent
        raise


@pytest.mark.parametrize("name", ["si_f1", "si_precision", "si_recall", "tc_micro_f1"])
def test_scores_stay_above_their_floors(model: str, figures: dict[str, float],
                                        name: str) -> None:
    floor = floors_of(model)["floors"][name]
    assert figures[name] >= floor, f"{model}: {name} = {figures[name]:.4f} < floor {floor}"


def test_the_classifier_beats_both_baselines(figures: dict[str, float]) -> None:
    assert figures["tc_micro_f1"] > figures["tc_f1_all_loaded_language"]
    assert figures["tc_micro_f1"] > figures["tc_f1_length_lr"]
