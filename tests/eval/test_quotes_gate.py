"""Quality gate for the quotes stage: PolNeAR dev scores must not fall below the floors.

Runs ``unspin.eval.quotes.score`` on the whole dev split (84 articles, about a minute on
two cores) and compares each figure named in ``floors/quotes.json`` with its floor. A floor
is the figure measured when it was set, minus a small margin; never lower one quietly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FLOORS = Path(__file__).parent / "floors" / "quotes.json"


@pytest.fixture(scope="module")
def figures(data_dir: Path) -> dict[str, float]:
    from unspin.eval.quotes import score

    polnear = data_dir / "polnear"
    if not polnear.is_dir():
        pytest.skip(f"PolNeAR is absent from {data_dir}")
    return score(polnear, "dev")[0]


def _floors() -> dict[str, float]:
    data = json.loads(FLOORS.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data["floors"].items()}


@pytest.mark.parametrize("name", sorted(_floors()))
def test_figure_stays_above_its_floor(figures: dict[str, float], name: str) -> None:
    floor = _floors()[name]
    assert figures[name] >= floor, f"{name} = {figures[name]:.3f} fell below its floor {floor:.3f}"


def test_the_stages_stay_cheap_next_to_the_parse(figures: dict[str, float]) -> None:
    """Attribution and actors together add at most 25% to the backbone's parse time."""
    assert figures["speed.ratio"] <= 0.25


def test_the_baseline_is_scored_in_the_same_run(figures: dict[str, float]) -> None:
    assert figures["docs"] == 84
    assert "textacy.all.content.exact.f1" in figures
    assert figures["textacy.failures"] >= 0
