"""``unspin train attribution`` on a tiny PolNeAR-shaped corpus of our own: deterministic
given the seed, resumable from its checkpoint, with provenance, never a pickle; corrected
exports join the fit part."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console

from unspin.errors import ModelError
from unspin.train.attribution import Settings, checkpoint_dir, run, training_articles

TINY = Settings(epochs=2, batch=4, proj=16, hidden=8, tune_every=3)
NAMES = ["Mara Keel", "Tom Oduya", "Lise Varga", "Ravi Sethi"]
CUES = ["said", "argued", "believes", "warned"]


def _corpus(root: Path) -> Path:
    """Twelve two-sentence articles in PolNeAR's layout (BRAT standoff)."""
    text_dir = root / "data" / "train" / "text"
    ann_dir = root / "data" / "train" / "attributions"
    text_dir.mkdir(parents=True)
    ann_dir.mkdir(parents=True)
    for n in range(12):
        who, cue = NAMES[n % 4], CUES[(n // 4) % 4]
        content = f"the bridge number {n} will reopen soon"
        text = f"{who} {cue} that {content}.\nThe council met on Monday.\n"
        s, c, t = (0, len(who)), (len(who) + 1, len(who) + 1 + len(cue)), text.index(content)
        ann = (f"T1\tSource {s[0]} {s[1]}\t{who}\nT2\tCue {c[0]} {c[1]}\t{cue}\n"
               f"T3\tContent {t} {t + len(content)}\t{content}\nT4\tAttribution {c[0]} {c[1]}\t{cue}\n"
               "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n")
        (text_dir / f"town_{n:02d}.txt").write_text(text, encoding="utf-8")
        (ann_dir / f"town_{n:02d}_a1.ann").write_text(ann, encoding="utf-8")
    return root


def test_corrections_join_the_fit_part_and_leave_tune_alone(tmp_path: Path,
                                                           corrected_export: Path) -> None:
    data = _corpus(tmp_path / "polnear")
    base_fit, base_tune, _ = training_articles(data, limit=None, tune_every=3)
    fit, tune, provenance = training_articles(data, limit=None, tune_every=3,
                                              corrections=[corrected_export], log=lambda m: None)
    assert fit[: len(base_fit)] == base_fit and tune == base_tune
    (added,) = fit[len(base_fit):]
    assert added.name == "corrections:harbour-1" and len(added.attributions) == 3
    assert provenance[0]["sha256"] == hashlib.sha256(corrected_export.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory,
            require_models: Callable[[Exception], None]) -> Iterator[tuple[Path, Path, Path]]:
    root = tmp_path_factory.mktemp("attribution")
    data = _corpus(root / "polnear")
    env = pytest.MonkeyPatch()
    env.setenv("UNSPIN_CACHE", str(root / "cache"))
    try:
        try:
            a = run(data, out=root / "a", seed=5, console=Console(file=io.StringIO()), settings=TINY)
        except ModelError as exc:  # pragma: no cover - the model extra is absent
            require_models(exc)
        # the second run starts afresh (no checkpoint) and must give the same bytes
        import shutil

        shutil.rmtree(checkpoint_dir(5))
        b = run(data, out=root / "b", seed=5, console=Console(file=io.StringIO()), settings=TINY)
        # a third run finds the finished checkpoint and resumes from it, training nothing more
        c = run(data, out=root / "c", seed=5, console=Console(file=io.StringIO()), settings=TINY)
        yield a, b, c
    finally:
        env.undo()


@pytest.mark.slow
def test_training_is_deterministic_given_the_seed(trained: tuple[Path, Path, Path]) -> None:
    a, b, _ = trained
    assert (a / "tagger.safetensors").read_bytes() == (b / "tagger.safetensors").read_bytes()


@pytest.mark.slow
def test_a_run_resumes_from_its_checkpoint(trained: tuple[Path, Path, Path]) -> None:
    _, b, c = trained
    assert (b / "tagger.safetensors").read_bytes() == (c / "tagger.safetensors").read_bytes()
    assert json.loads((c / "meta.json").read_text())["history"] == json.loads((b / "meta.json").read_text())["history"]


@pytest.mark.slow
def test_the_artifact_records_how_to_rebuild_it(trained: tuple[Path, Path, Path]) -> None:
    meta = json.loads((trained[0] / "meta.json").read_text())
    assert meta["command"].startswith("unspin train attribution --data ")
    assert meta["seed"] == 5
    assert len(meta["data"]["sha256"]) == 64
    assert meta["data"]["fit"] + meta["data"]["tune"] == 12
    assert [row["epoch"] for row in meta["history"]] == [1, 2]
    assert meta["encoder"]
    assert sorted(p.name for p in trained[0].iterdir()) == ["meta.json", "tagger.safetensors"]


@pytest.mark.slow
def test_other_settings_refuse_the_checkpoint(tmp_path: Path, trained: tuple[Path, Path, Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = trained[0].parent
    monkeypatch.setenv("UNSPIN_CACHE", str(root / "cache"))
    with pytest.raises(ModelError, match="other settings"):
        run(root / "polnear", out=tmp_path, seed=5, console=Console(file=io.StringIO()),
            settings=Settings(epochs=3, batch=4, proj=16, hidden=8, tune_every=3))


@pytest.mark.slow
def test_the_artifact_records_the_corrections_it_trained_on(
        tmp_path: Path, trained: tuple[Path, Path, Path], corrected_export: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = trained[0].parent
    monkeypatch.setenv("UNSPIN_CACHE", str(root / "cache"))
    # seed 5's finished checkpoint is for the data without corrections: refused, not resumed
    with pytest.raises(ModelError, match="other settings or data"):
        run(root / "polnear", out=tmp_path / "x", seed=5, console=Console(file=io.StringIO()),
            settings=TINY, corrections=(corrected_export,))
    out = run(root / "polnear", out=tmp_path / "c", seed=6, console=Console(file=io.StringIO()),
              settings=TINY, corrections=(corrected_export,))
    meta = json.loads((out / "meta.json").read_text())
    (recorded,) = meta["data"]["corrections"]
    assert recorded["sha256"] == hashlib.sha256(corrected_export.read_bytes()).hexdigest()
    assert meta["data"]["corrected_fit"] == 1
    assert meta["data"]["fit"] == json.loads((trained[0] / "meta.json").read_text())["data"]["fit"] + 1
    assert f"--corrections {corrected_export}" in meta["command"]
