"""Quality gate: unspin's ingest + clean on the Zyte article-extraction benchmark (181 pages).

Floors are the figures measured with the command in floors/extraction.json minus a small
margin; a floor is never lowered quietly. Runs in about 20 s on one core.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from unspin.eval.extraction import run

FLOORS = json.loads((Path(__file__).parent / "floors" / "extraction.json").read_text())["floors"]

pytestmark = [pytest.mark.data, pytest.mark.slow]


@pytest.fixture(scope="module")
def figures(data_dir: Path) -> dict[str, float]:
    bench = data_dir / "article-extraction-benchmark"
    if not bench.is_dir():
        pytest.skip(f"{bench} is absent")
    return run(bench, split=None, console=Console(file=io.StringIO()))


@pytest.mark.parametrize("name", ["f1_unspin", "precision_unspin", "recall_unspin"])
def test_scores_stay_above_their_floors(figures: dict[str, float], name: str) -> None:
    assert figures[name] >= FLOORS[name]


def test_unspin_extracts_at_least_as_well_as_trafilatura_alone(figures: dict[str, float]) -> None:
    assert figures["f1_unspin"] >= figures["f1_trafilatura"]


def test_no_more_pages_keep_promo_lines_than_measured(figures: dict[str, float]) -> None:
    assert figures["promo_pages_unspin"] <= FLOORS["promo_pages_unspin"]
    assert figures["promo_pages_unspin"] < figures["promo_pages_trafilatura"]
