"""Quality gate for the quotes stage: PolNeAR dev scores must not fall below the floors.

Runs ``unspin.eval.quotes.score`` on the whole dev split (84 articles, one to two minutes
on two cores: the rules, the tagger over the shared encoder pass, every fusion choice and
textacy) and compares each figure named in ``floors/quotes.json`` with its floor. A floor
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


def test_every_system_is_scored_in_the_same_run(figures: dict[str, float]) -> None:
    """Rules, tagger, the fused systems and the textacy baseline, on the same 84 documents
    (speed is measured by the same run and recorded in BENCHMARKS.md, never asserted)."""
    from unspin.eval.quotes import SYSTEMS

    assert figures["docs"] == 84
    for system in SYSTEMS:
        assert f"{system}.all.content.exact.f1" in figures, system
    assert figures["textacy.failures"] >= 0


def test_the_shipped_fusion_beats_either_finder_alone_on_whole_speech_attributions(
        figures: dict[str, float]) -> None:
    key = "speech.attribution.overlap.f1"
    assert figures[f"fused.{key}"] > figures[f"rules.{key}"]
    assert figures[f"fused.{key}"] > figures[f"tagger.{key}"]
