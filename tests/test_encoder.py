"""The base encoder: which precision it runs at, and that bfloat16 reads like float32."""

from __future__ import annotations

from collections.abc import Callable

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
        from unspin.encoder import embed, token_states
    except ModelError as exc:  # pragma: no cover - depends on the install
        require_models(exc)
    texts = ["The minister called the plan a disastrous betrayal of our great nation.",
             "Sanctions, he said, will hurt Europe far more than they hurt us.", ""]
    try:
        full = token_states(texts, precision="fp32")
    except ModelError as exc:
        require_models(exc)
    half = token_states(texts, precision="bf16")
    for (o32, s32), (o16, s16) in zip(full, half, strict=True):
        assert np.array_equal(o32, o16)  # same pieces, same offsets
        assert s16.dtype == np.float32 and s16.shape == s32.shape
        if len(s32):
            cos = (s32 * s16).sum(1) / np.linalg.norm(s32, axis=1) / np.linalg.norm(s16, axis=1)
            assert cos.min() > 0.999
    e32, e16 = embed(texts[:2], precision="fp32"), embed(texts[:2], precision="bf16")
    assert e16.dtype == np.float32
    assert float((e32 * e16).sum(1).min()) > 0.999
