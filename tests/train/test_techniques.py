"""``unspin train techniques`` on a tiny corpus of our own: deterministic, with provenance,
and the tagger learns where the marked words are."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from unspin.errors import ModelError
from unspin.eval.ptc import read_articles
from unspin.train.techniques import Settings, run

pytestmark = pytest.mark.slow

LOADED = ["outrageous", "shameful", "horrific", "disgraceful"]
NEUTRAL = [
    "The committee published its quarterly report on {day}.",
    "Officials said the bridge will reopen after repairs on {day}.",
    "The museum extended its opening hours until {day}.",
]
TINY = Settings(tagger_hidden=16, tagger_epochs=4, tagger_batch=64, classifier_hidden=8,
                classifier_epochs=3, classifier_batch=8)


def _write_corpus(root: Path) -> Path:
    """Twelve short articles; every loaded word is a Loaded_Language span, every
    'crooks' a Name_Calling,Labeling one."""
    arts, labels = root / "train-articles", root / "train-labels-task-flc-tc"
    arts.mkdir(parents=True)
    labels.mkdir()
    days = ["Monday", "Tuesday", "Friday"]
    for n in range(12):
        word = LOADED[n % len(LOADED)]
        lines = [f"Town news number {n}", "",
                 NEUTRAL[n % 3].format(day=days[n % 3]),
                 f"Residents called the decision {word} and the councillors crooks.",
                 NEUTRAL[(n + 1) % 3].format(day=days[(n + 2) % 3])]
        text = "\n".join(lines) + "\n"
        aid = f"9{n:03d}"
        (arts / f"article{aid}.txt").write_text(text, encoding="utf-8")
        rows = [(aid, "Loaded_Language", text.index(word), text.index(word) + len(word)),
                (aid, "Name_Calling,Labeling", text.index("crooks"), text.index("crooks") + 6)]
        (labels / f"article{aid}.task-flc-tc.labels").write_text(
            "".join(f"{a}\t{t}\t{s}\t{e}\n" for a, t, s, e in rows), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory,
           require_models: Callable[[Exception], None]) -> Path:
    try:
        from unspin.encoder import load_encoder

        load_encoder()
    except ModelError as exc:
        require_models(exc)
    return _write_corpus(tmp_path_factory.mktemp("ptc"))


def _train(corpus: Path, out: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNSPIN_CACHE", str(corpus.parent / "cache"))
    return run(corpus, out=out, seed=seed, console=Console(file=io.StringIO()), settings=TINY,
               articles=read_articles(corpus), evaluate_dev=False)


def test_training_is_deterministic_given_the_seed(corpus: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    a = _train(corpus, tmp_path / "a", 7, monkeypatch)
    b = _train(corpus, tmp_path / "b", 7, monkeypatch)
    assert (a / "heads.safetensors").read_bytes() == (b / "heads.safetensors").read_bytes()


def test_the_artifact_records_how_to_rebuild_it(corpus: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    meta = json.loads((_train(corpus, tmp_path / "m", 0, monkeypatch) / "meta.json").read_text())
    assert meta["command"].startswith("unspin train techniques --data ")
    assert len(meta["data"]["sha256"]) == 64
    assert meta["seed"] == 0
    assert meta["settings"]["tagger_epochs"] == TINY.tagger_epochs
    assert 0.0 <= meta["settings"]["si_threshold"] <= 1.0
    assert set(meta["metrics"]["tune"]) >= {"tune_si_f1", "tune_tc_micro_f1"}
    assert "code_commit" in meta


def test_the_tagger_learns_where_the_marked_words_are(corpus: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.pipeline._techniques.model import MiniLMTechniquePredictor

    model = MiniLMTechniquePredictor.load(_train(corpus, tmp_path / "t", 0, monkeypatch))
    text = "Residents called the decision shameful on Friday."
    (offsets, states), = model.encode([text])
    probs = model.inside_probs(states)
    at = text.index("shameful")
    inside = (offsets[:, 0] >= at) & (offsets[:, 1] <= at + len("shameful"))
    assert probs[inside].min() > probs[~inside].max()
