"""The base encoder: which precision it runs at, and that bfloat16 reads like float32."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from unspin.encoder import (
    PRECISION_ENV,
    native_bf16,
    resolve_precision,
    single_blas_thread,
)
from unspin.errors import ConfigError

AMX_CPU = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
OLD_CPU = "processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma\n"


def test_native_bfloat16_is_read_from_the_cpu_flags() -> None:
    assert native_bf16(AMX_CPU) is True
    assert native_bf16(OLD_CPU) is False
    assert native_bf16("no flags line at all") is False


def test_auto_picks_bfloat16_only_where_the_cpu_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PRECISION_ENV, raising=False)
    monkeypatch.setattr("unspin.encoder.native_bf16", lambda: True)
    assert resolve_precision() == "bf16"
    assert resolve_precision("auto") == "bf16"
    monkeypatch.setattr("unspin.encoder.native_bf16", lambda: False)
    assert resolve_precision() == "fp32"


def test_an_explicit_precision_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PRECISION_ENV, "bf16")
    assert resolve_precision() == "bf16"
    assert resolve_precision("fp32") == "fp32"
    monkeypatch.setenv(PRECISION_ENV, " FP32 ")
    assert resolve_precision() == "fp32"


def test_an_unknown_precision_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="int4"):
        resolve_precision("int4")
    monkeypatch.setenv(PRECISION_ENV, "half")
    with pytest.raises(ConfigError, match=PRECISION_ENV):
        resolve_precision()


def test_single_blas_thread_limits_numpy_and_restores_it() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info()
              if i["user_api"] == "blas"]
    with single_blas_thread():
        inside = [i["num_threads"] for i in threadpoolctl.threadpool_info()
                  if i["user_api"] == "blas"]
        assert all(n == 1 for n in inside)
        assert float(np.ones((64, 64)) @ np.ones(64) @ np.ones(64)) == 64.0 * 64
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info()
             if i["user_api"] == "blas"]
    assert after == before


@pytest.mark.slow
def test_bfloat16_token_states_and_embeddings_stay_close_to_float32(
        require_models: Callable[[Exception], None]) -> None:
    from unspin.errors import ModelError

    try:
        from unspin.encoder import encode_texts
    except ModelError as exc:  # pragma: no cover - depends on the install
        require_models(exc)
    texts = ["The minister called the plan a disastrous betrayal of our great nation.",
             "Sanctions, he said, will hurt Europe far more than they hurt us.", ""]
    try:
        full = encode_texts(texts, precision="fp32")
    except ModelError as exc:
        require_models(exc)
    half = encode_texts(texts, precision="bf16")
    for a, b in zip(full, half, strict=True):
        assert np.array_equal(a.offsets, b.offsets)  # same pieces, same offsets
        assert b.states.dtype == np.float32 and b.states.shape == a.states.shape
        if len(a.states):
            s32, s16 = a.states, b.states
            cos = (s32 * s16).sum(1) / np.linalg.norm(s32, axis=1) / np.linalg.norm(s16, axis=1)
            assert cos.min() > 0.999
    e32 = np.stack([t.embedding for t in full[:2]])
    e16 = np.stack([t.embedding for t in half[:2]])
    assert float((e32 * e16).sum(1).min()) > 0.999


@pytest.mark.slow
def test_one_pass_gives_every_stage_its_reading_of_a_sentence(
        require_models: Callable[[Exception], None]) -> None:
    """Token states, sentence embedding and mention embedding come from one pass: a long
    text read in windows keeps every piece once, in order, and a mention's embedding is
    the unit mean of its pieces' last-layer states."""
    from unspin.errors import ModelError

    try:
        from unspin.encoder import DIM, MAX_LENGTH, TOKEN_LAYERS, encode_document, encode_texts
    except ModelError as exc:  # pragma: no cover - depends on the install
        require_models(exc)
    long = " ".join(f"Word{i} follows." for i in range(120))  # well over one window
    try:
        (st,) = encode_texts([long], precision="fp32")
    except ModelError as exc:
        require_models(exc)
    assert st.states.shape == (len(st.offsets), DIM * len(TOKEN_LAYERS))
    assert st.last.shape == (len(st.offsets), DIM)
    assert len(st.offsets) > MAX_LENGTH
    assert (np.diff(st.offsets[:, 0]) > 0).all()  # each piece once, in order
    assert abs(float(np.linalg.norm(st.embedding)) - 1.0) < 1e-4
    text = "Anna Berg spoke. The council voted."
    enc = encode_document(text, [(0, 16), (17, len(text))], precision="fp32")
    vec = enc.mention(0, 9)
    assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-4
    first = enc.sentences[0]
    inside = first.offsets[:, 1] <= 9
    expect = first.last[inside].mean(axis=0)
    assert np.allclose(vec, expect / np.linalg.norm(expect), atol=1e-5)
    assert not enc.mention(16, 17).any()  # the gap between sentences holds no piece


def test_a_broken_adapter_file_is_a_model_error_that_says_how_to_rebuild_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        require_models: Callable[[Exception], None]) -> None:
    import unspin.encoder as enc
    from unspin.errors import ModelError

    try:
        enc.base_model()
    except ModelError as exc:  # pragma: no cover - the model extra is absent
        require_models(exc)
    (tmp_path / "meta.json").write_text("{}", encoding="utf-8")
    (tmp_path / "adapter.safetensors").write_bytes(b"not a safetensors file")
    monkeypatch.setattr(enc, "ADAPTER_DIR", tmp_path)
    monkeypatch.setattr(enc, "_cache", {})
    with pytest.raises(ModelError, match="unspin train encoder"):
        enc.load_encoder("fp32")
