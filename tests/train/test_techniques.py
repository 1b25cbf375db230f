"""``unspin train techniques`` on a tiny corpus of our own: deterministic, with provenance,
the tagger learns where the marked words are, and corrected exports join the fit part."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from unspin.corpora.ptc import read_articles
from unspin.errors import ModelError
from unspin.train.techniques import Settings, fit_tune_articles, run, training_articles

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


def _train(corpus: Path, out: Path, seed: int, monkeypatch: pytest.MonkeyPatch,
           corrections: tuple[Path, ...] = ()) -> Path:
    monkeypatch.setenv("UNSPIN_CACHE", str(corpus.parent / "cache"))
    return run(corpus, out=out, seed=seed, console=Console(file=io.StringIO()), settings=TINY,
               articles=read_articles(corpus), corrections=corrections)


def test_corrections_join_the_fit_part_and_leave_tune_alone(tmp_path: Path,
                                                           corrected_export: Path) -> None:
    root = _write_corpus(tmp_path / "ptc")
    articles = read_articles(root)
    base_fit, base_tune = fit_tune_articles(root, articles)
    fit, tune, provenance = training_articles(root, articles, [corrected_export], lambda m: None)
    assert fit[: len(base_fit)] == base_fit and tune == base_tune
    (added,) = fit[len(base_fit):]
    assert [added.text[s.start:s.end] for s in added.spans
            if s.technique == "Name_Calling,Labeling"] == ["reckless gamble"]  # the person's label
    assert provenance[0]["sha256"] == hashlib.sha256(corrected_export.read_bytes()).hexdigest()


@pytest.mark.slow
def test_the_artifact_records_the_corrections_it_trained_on(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        corrected_export: Path) -> None:
    out = _train(corpus, tmp_path / "c", 0, monkeypatch, (corrected_export,))
    meta = json.loads((out / "meta.json").read_text())
    (recorded,) = meta["data"]["corrections"]
    assert recorded["sha256"] == hashlib.sha256(corrected_export.read_bytes()).hexdigest()
    assert recorded["used"] == 1 and meta["data"]["corrected_fit_articles"] == 1
    assert f"--corrections {corrected_export}" in meta["command"]


@pytest.mark.slow
def test_training_is_deterministic_given_the_seed(corpus: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    a = _train(corpus, tmp_path / "a", 7, monkeypatch)
    b = _train(corpus, tmp_path / "b", 7, monkeypatch)
    assert (a / "heads.safetensors").read_bytes() == (b / "heads.safetensors").read_bytes()


@pytest.mark.slow
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


@pytest.mark.slow
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
