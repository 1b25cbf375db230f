"""Quality gate for the quotes stage: PolNeAR dev scores must not fall below the floors.

Runs ``unspin.eval.quotes.score`` on the whole dev split (84 articles: the rules, the
tagger over the shared encoder pass, every fusion choice and textacy) once per encoder —
small (one to two minutes on two cores) and base, the default (a few minutes) — and
compares each figure named in ``floors/quotes.json`` (small) or ``floors/base/quotes.json``
with its floor. A floor is the figure measured when it was set, minus a small margin;
never lower one quietly. Base's gate skips, with the reason, where its wheels are not
installed (``make install`` installs them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FLOORS_DIR = Path(__file__).parent / "floors"
MODELS = ("small", "base")


def _floors(model: str) -> dict[str, float]:
    path = FLOORS_DIR / ("quotes.json" if model == "small" else f"{model}/quotes.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data["floors"].items()}


@pytest.fixture(scope="module", params=MODELS)
def model(request: pytest.FixtureRequest) -> str:
    from unspin.encoder import base_installed

    if request.param == "base" and not base_installed():
        pytest.skip("the base encoder's wheels are not installed (make base-model)")
    return str(request.param)


@pytest.fixture(scope="module")
def figures(model: str, data_dir: Path) -> dict[str, float]:
    from unspin.encoder import using
    from unspin.eval.quotes import score

    polnear = data_dir / "polnear"
    if not polnear.is_dir():
        pytest.skip(f"PolNeAR is absent from {data_dir}")
    with using(model):
        return score(polnear, "dev")[0]


def test_both_encoders_have_a_floor_for_the_same_figures() -> None:
    assert set(_floors("base")) == set(_floors("small"))


@pytest.mark.parametrize("name", sorted(_floors("small")))
def test_figure_stays_above_its_floor(model: str, figures: dict[str, float], name: str) -> None:
    floor = _floors(model)[name]
    assert figures[name] >= floor, (f"{model}: {name} = {figures[name]:.3f} fell below its "
                                    f"floor {floor:.3f}")


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
