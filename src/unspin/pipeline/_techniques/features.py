"""Token features from the shared encoder pass, for training (cached on disk) and inference."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from unspin.encoder import (
    MAX_LENGTH,
    STRIDE,
    encode_texts,
    encoder_id,
    resolve_precision,
    spec,
)

__all__ = ["FeatureCache", "encode", "encoder_settings", "feature_cache"]

def encoder_settings(model: str | None = None) -> dict[str, object]:
    """How the encoder is read (which encoder — small or base, with or without the shipped
    adapters —, layers, windows); recorded in the artifact, and part of the cache key."""
    sp = spec(model)
    return {"encoder": encoder_id(model=sp.key), "layers": list(sp.token_layers),
            "max_length": MAX_LENGTH, "stride": STRIDE}

Encoded = list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]]


def encode(texts: Sequence[str], batch_size: int = 32, precision: str | None = None,
           model: str | None = None) -> Encoded:
    """``(offsets, states)`` per text (see :func:`unspin.encoder.encode_texts`), ``model``'s
    encoder at ``precision`` (:func:`unspin.encoder.resolve_precision`)."""
    return [(t.offsets, t.states) for t in encode_texts(list(texts), batch_size=batch_size,
                                                          precision=precision, model=model)]


class FeatureCache:
    """Token states of many texts, stored as float16 in one flat array plus an index."""

    def __init__(self, offsets: npt.NDArray[np.int32], states: npt.NDArray[np.float16],
                 bounds: npt.NDArray[np.int64]) -> None:
        self.offsets = offsets
        self.states = states
        self.bounds = bounds  # text i owns rows bounds[i]:bounds[i+1]

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def get(self, i: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float16]]:
        a, b = int(self.bounds[i]), int(self.bounds[i + 1])
        return self.offsets[a:b], self.states[a:b]


def _cache_dir() -> Path:
    root = os.environ.get("UNSPIN_CACHE") or os.path.join(tempfile.gettempdir(), "unspin-cache")
    return Path(root) / "techniques-features"


def feature_cache(groups: Sequence[Sequence[str]], *, precision: str = "fp32",
                  progress: Callable[[int, int], None] | None = None,
                  model: str | None = None) -> FeatureCache:
    """Encode every text of ``groups`` (e.g. one group per article) once, keeping the result
    under ``$UNSPIN_CACHE`` (default: the temp dir), one file per group keyed by a hash of its
    texts, :func:`encoder_settings` and the encoder's precision (float32 for training; the
    eval asks for ``auto``, the precision analysis runs at) — so any subset of groups reuses
    earlier work and an interrupted run resumes. The cache's texts are the groups' texts in
    order."""
    resolved = resolve_precision(precision)
    sp = spec(model)
    settings_now = encoder_settings(sp.key)
    key = settings_now if resolved == "fp32" else {**settings_now, "precision": resolved}
    settings = json.dumps(key, sort_keys=True).encode()
    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    offs: list[npt.NDArray[np.int32]] = []
    states: list[npt.NDArray[np.float16]] = []
    counts: list[int] = []
    for n, texts in enumerate(groups):
        h = hashlib.sha256(settings)
        for t in texts:
            h.update(t.encode())
            h.update(b"\x00")
        path = folder / f"{h.hexdigest()[:32]}.npz"
        if not path.is_file():
            enc = encode(texts, precision=resolved, model=sp.key)
            tmp = path.with_suffix(".tmp.npz")
            width = sp.width
            np.savez(tmp, offsets=np.concatenate([o for o, _ in enc] or [np.zeros((0, 2), np.int32)]
                                                 ).reshape(-1, 2).astype(np.int32),
                     states=np.concatenate([s for _, s in enc] or [np.zeros((0, width), np.float32)]
                                           ).astype(np.float16),
                     counts=np.asarray([len(o) for o, _ in enc], dtype=np.int64))
            tmp.replace(path)
        with np.load(path, allow_pickle=False) as z:
            offs.append(z["offsets"])
            states.append(z["states"])
            counts.extend(int(c) for c in z["counts"])
        if progress is not None:
            progress(n + 1, len(groups))
    bounds = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    width = sp.width
    return FeatureCache(np.concatenate(offs) if offs else np.zeros((0, 2), np.int32),
                        np.concatenate(states) if states else np.zeros((0, width), np.float16),
                        bounds)
