"""``unspin train encoder`` on a tiny corpus of our own: LoRA adapters that merge into the
base weights, deterministic given the seed, resumable from the per-epoch checkpoint, with
provenance, and never a pickle."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from unspin.corpora.ptc import Article
from unspin.errors import ModelError
from unspin.train.encoder import Settings, checkpoint_dir, run

pytestmark = pytest.mark.slow

TINY = Settings(rank=2, alpha=4.0, epochs=1, batch=4)



@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_ptc: list[Article],
            require_models: Callable[[Exception], None]) -> Iterator[tuple[Path, Path, Path]]:
    root = tmp_path_factory.mktemp("encoder")
    env = pytest.MonkeyPatch()
    env.setenv("UNSPIN_CACHE", str(root / "cache"))
    try:
        try:
            a = run(root, out=root / "a", seed=3, console=Console(file=io.StringIO()),
                    settings=TINY, articles=tiny_ptc)
        except ModelError as exc:  # pragma: no cover - the model extra is absent
            require_models(exc)
        # Same seed, same settings: the checkpoint is found and nothing is trained again.
        b = run(root, out=root / "b", seed=3, console=Console(file=io.StringIO()),
                settings=TINY, articles=tiny_ptc)
        # A fresh cache: trained again from scratch, by the same seed.
        env.setenv("UNSPIN_CACHE", str(root / "cache2"))
        c = run(root, out=root / "c", seed=3, console=Console(file=io.StringIO()),
                settings=TINY, articles=tiny_ptc)
        env.setenv("UNSPIN_CACHE", str(root / "cache"))
        yield a, b, c
    finally:
        env.undo()


def test_the_artifact_is_float16_lora_in_safetensors_with_provenance(
        trained: tuple[Path, Path, Path]) -> None:
    from safetensors.numpy import load_file

    a, _, _ = trained
    assert sorted(p.name for p in a.iterdir()) == ["adapter.safetensors", "meta.json",
                                                   "token_head.safetensors"]
    head = load_file(str(a / "token_head.safetensors"))
    assert head["weight"].shape == (15, 2 * 384) and head["bias"].shape == (15,)
    tensors = load_file(str(a / "adapter.safetensors"))
    # 6 layers x 6 linear layers, each with A, B and its scale
    assert len(tensors) == 6 * 6 * 3
    assert all(t.dtype == np.float16 for t in tensors.values())
    meta = json.loads((a / "meta.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 3 and meta["settings"]["rank"] == 2
    assert meta["history"] and meta["best_epoch"] == 1
    assert {"command", "code_commit", "training_seconds", "token_layers"} <= set(meta)


def test_a_rerun_resumes_from_the_checkpoint_and_a_fresh_run_gives_the_same_adapters(
        trained: tuple[Path, Path, Path]) -> None:
    a, b, c = trained
    assert (a / "adapter.safetensors").read_bytes() == (b / "adapter.safetensors").read_bytes()
    assert (a / "adapter.safetensors").read_bytes() == (c / "adapter.safetensors").read_bytes()
    ckpt = checkpoint_dir(3)
    assert {p.suffix for p in ckpt.iterdir()} == {".json", ".safetensors"}  # no pickle


def test_adapters_merged_into_the_weights_compute_what_the_adapted_model_computes(
        require_models: Callable[[Exception], None]) -> None:
    import torch

    from unspin.encoder import add_lora, base_model, lora_state, merge_lora

    try:
        tok, adapted = base_model()
    except ModelError as exc:  # pragma: no cover
        require_models(exc)
    _, merged = base_model()
    params = add_lora(adapted, rank=2, alpha=4.0, seed=0)
    with torch.no_grad():
        for p in params:
            p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(1)) * 0.05)
    assert merge_lora(merged, lora_state(adapted)) == 36
    batch = tok(["The council called the plan shameful."], return_tensors="pt")
    adapted.eval()
    merged.eval()
    with torch.no_grad():
        x = adapted(**batch).last_hidden_state
        y = merged(**batch).last_hidden_state
    assert torch.allclose(x, y, atol=1e-4)
    base = base_model()[1].eval()
    with torch.no_grad():
        z = base(**batch).last_hidden_state
    assert not torch.allclose(x, z, atol=1e-3)  # the adapters did change something


def test_heads_trained_on_another_encoder_are_refused_with_the_command_to_retrain(
        tmp_path: Path) -> None:
    from unspin.encoder import require_encoder

    with pytest.raises(ModelError, match="unspin train roles"):
        require_encoder("some/other-encoder", "roles", tmp_path)
