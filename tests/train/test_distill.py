"""Distillation (``unspin train encoder --teacher``): the teacher's token outputs carried to
the student's word pieces through characters, unlabeled news read from the train splits'
folders only, and a student that learns from both, deterministically and with provenance."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from unspin.corpora.ptc import Article
from unspin.errors import ConfigError, ModelError
from unspin.train.distill import align, unlabeled_texts
from unspin.train.encoder import Settings


def _offs(*pairs: tuple[int, int]) -> np.ndarray:
    return np.asarray(pairs, dtype=np.int32).reshape(-1, 2)


def test_a_student_piece_takes_the_mean_of_the_teacher_pieces_over_its_characters() -> None:
    # "shameful": the teacher cuts "sham" + "eful", the student "shame" + "ful".
    teacher = _offs((0, 4), (4, 8))
    probs = np.asarray([[1.0, 0.0], [0.0, 1.0]], np.float32)
    student = _offs((-1, -1), (0, 5), (5, 8), (-1, -1))
    targets, has = align(student, teacher, probs, 8)
    assert has.tolist() == [False, True, True, False]  # special tokens get no target
    np.testing.assert_allclose(targets[1], [0.8, 0.2])  # 4 characters of one, 1 of the other
    np.testing.assert_allclose(targets[2], [0.0, 1.0])
    np.testing.assert_allclose(targets[0], [0.0, 0.0])


def test_characters_no_teacher_piece_covers_give_no_target_and_do_not_dilute_one() -> None:
    teacher = _offs((0, 3))  # the teacher stopped after "Who" (its window ended)
    probs = np.asarray([[0.6]], np.float32)
    student = _offs((0, 3), (3, 4), (4, 8))
    targets, has = align(student, teacher, probs, 8)
    assert has.tolist() == [True, False, False]
    assert targets[0, 0] == pytest.approx(0.6)
    # a piece half covered is the mean over its covered characters only
    targets, has = align(_offs((1, 5)), teacher, probs, 8)
    assert has.tolist() == [True] and targets[0, 0] == pytest.approx(0.6)


def test_unlabeled_text_is_read_from_the_extraction_benchmark_and_other_folders_are_refused(
        tmp_path: Path) -> None:
    bench = tmp_path / "aeb"
    bench.mkdir()
    (bench / "ground-truth.json").write_text(json.dumps({
        "b": {"articleBody": "Second body.", "url": "https://example.org/b"},
        "a": {"articleBody": "First body.", "url": "https://example.org/a"},
        "c": {"articleBody": "   ", "url": "https://example.org/c"},
    }), encoding="utf-8")
    texts = unlabeled_texts([bench])
    assert [(t.source, t.id, t.text) for t in texts] == [
        ("extraction", "a", "First body."), ("extraction", "b", "Second body.")]
    other = tmp_path / "notes"
    other.mkdir()
    with pytest.raises(ConfigError, match="not a PolNeAR, SemEval-2025 or extraction"):
        unlabeled_texts([other])


TINY = Settings(rank=2, alpha=4.0, epochs=1, batch=4)



NEWS = [
    "The mayor called the new tax a disgraceful attack on families. Shops closed early.",
    "Critics said the plan was outrageous and shameful. The council will vote again in May.",
    "A horrific storm hit the coast on Sunday night. Roads stayed open.",
]


@pytest.mark.slow
def test_a_student_distilled_from_a_teacher_records_it_resumes_and_differs_from_gold_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_ptc: list[Article],
        require_models: Callable[[Exception], None]) -> None:
    from unspin.train.encoder import checkpoint_dir, run

    bench = tmp_path / "aeb"
    bench.mkdir()
    (bench / "ground-truth.json").write_text(json.dumps(
        {f"n{i}": {"articleBody": t} for i, t in enumerate(NEWS)}), encoding="utf-8")
    monkeypatch.setenv("UNSPIN_CACHE", str(tmp_path / "cache"))
    quiet = Console(file=io.StringIO())
    try:
        gold = run(tmp_path, out=tmp_path / "gold", seed=3, console=quiet, settings=TINY,
                   articles=tiny_ptc)
    except ModelError as exc:  # pragma: no cover - the model extra is absent
        require_models(exc)
    # The shipped small encoder teaches a fresh one (the base model may not be installed).
    a = run(tmp_path, out=tmp_path / "a", seed=3, console=quiet, settings=TINY,
            articles=tiny_ptc, teacher="small", unlabeled=[bench])
    b = run(tmp_path, out=tmp_path / "b", seed=3, console=quiet, settings=TINY,
            articles=tiny_ptc, teacher="small", unlabeled=[bench])
    meta = json.loads((a / "meta.json").read_text(encoding="utf-8"))
    d = meta["distillation"]
    assert d["teacher"] == "small" and d["unlabeled_documents"] == 3
    assert d["unlabeled_by_source"] == {"extraction": d["unlabeled_sentences"]}
    # every sentence of the three bodies but the two under 20 characters ("Shops closed
    # early.", "Roads stayed open.": the length of datelines and bylines)
    assert d["unlabeled_sentences"] == 4
    assert d["pieces_with_target"] > 0.95
    assert "--teacher small --unlabeled" in meta["command"]
    assert meta["name"].endswith("+distilled-from-small")
    assert meta["history"][0]["loss_teacher"] > 0
    # Resumed from its own checkpoint (not the gold run's): the same adapters.
    assert checkpoint_dir(3, "small", "small").is_dir()
    assert (a / "adapter.safetensors").read_bytes() == (b / "adapter.safetensors").read_bytes()
    # The teacher's targets changed what was learned.
    assert (a / "adapter.safetensors").read_bytes() != (gold / "adapter.safetensors").read_bytes()


def test_unlabeled_text_without_a_teacher_is_refused(tmp_path: Path) -> None:
    from unspin.train.encoder import run

    with pytest.raises(ConfigError, match="only read with a --teacher"):
        run(tmp_path, out=None, seed=0, console=Console(file=io.StringIO()),
            unlabeled=[tmp_path])
