"""The two encoders' networks and tokenizer for inference, in torch and ``tokenizers`` alone.

:func:`unspin.encoder.load_encoder` used to build them with ``transformers``, whose import
alone took 2.8 s of the 6 s an ``unspin analyze`` of one article took from a fresh process
(torch and spaCy, which any analysis needs, 2.5 s). These are the same computations —
BERT (MiniLM-L6, ``small``) and MPNet (all-mpnet-base-v2, ``base``), forward only, eval mode,
hidden states of every layer — over the same safetensors files, with the same parameter
names (so the shipped LoRA adapters merge into the same ``nn.Linear`` layers), and a
tokenizer that makes the batches ``transformers``' fast tokenizer makes for the call
:func:`unspin.encoder.encode_texts` uses (truncation with a stride into overflowing
windows, padding to the longest, offsets, special-token masks). ``tests/test_encoder.py``
holds them equal to ``transformers`` on both models. Training still builds the
``transformers`` models (:func:`unspin.encoder.base_model`): it needs their dropout and
gradients, and its start-up does not matter.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["Output", "Tokenizer", "load"]


@dataclass(frozen=True)
class Output:
    """What the encoder returns: the embeddings' output, then each layer's."""

    hidden_states: tuple[torch.Tensor, ...]


class Tokenizer:
    """A fast tokenizer from the model folder's ``tokenizer.json``: ``__call__`` takes the
    arguments :func:`unspin.encoder.encode_texts` gives ``transformers``' tokenizer and
    answers the same tensors."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer as Rust

        self._tok = Rust.from_file(str(folder / "tokenizer.json"))
        special = json.loads((folder / "special_tokens_map.json").read_text(encoding="utf-8"))
        pad = special["pad_token"]
        pad = pad["content"] if isinstance(pad, dict) else pad
        pad_id = self._tok.token_to_id(pad)
        if pad_id is None:
            raise ValueError(f"the pad token {pad!r} is not in {folder / 'tokenizer.json'}")
        self.pad_token_id = int(pad_id)
        self._tok.no_padding()
        self._truncation: tuple[int, int] | None = None
        # the truncation is the Rust tokenizer's state: set and used under one lock, so two
        # threads asking for other windows never cut each other's texts
        self._lock = threading.Lock()

    def __call__(self, texts: list[str], *, max_length: int, stride: int = 0,
                 **_: Any) -> dict[str, torch.Tensor]:
        """``input_ids``, ``token_type_ids``, ``attention_mask``, ``offset_mapping``,
        ``special_tokens_mask`` and ``overflow_to_sample_mapping`` of ``texts``: each text
        cut into windows of at most ``max_length`` pieces sharing ``stride`` pieces (the
        first window, then its overflow), all padded to the longest window."""
        with self._lock:
            if self._truncation != (max_length, stride):
                self._tok.enable_truncation(max_length, stride=stride,
                                            strategy="longest_first", direction="right")
                self._truncation = (max_length, stride)
            encoded = self._tok.encode_batch(texts, add_special_tokens=True)
        windows: list[Any] = []
        owner: list[int] = []
        for i, enc in enumerate(encoded):
            for w in (enc, *enc.overflowing):
                windows.append(w)
                owner.append(i)
        width = max((len(w.ids) for w in windows), default=0)
        n = len(windows)
        ids = torch.full((n, width), self.pad_token_id, dtype=torch.long)
        types = torch.zeros((n, width), dtype=torch.long)
        mask = torch.zeros((n, width), dtype=torch.long)
        offsets = torch.zeros((n, width, 2), dtype=torch.long)
        special = torch.ones((n, width), dtype=torch.long)
        for r, w in enumerate(windows):
            k = len(w.ids)
            ids[r, :k] = torch.tensor(w.ids, dtype=torch.long)
            types[r, :k] = torch.tensor(w.type_ids, dtype=torch.long)
            mask[r, :k] = torch.tensor(w.attention_mask, dtype=torch.long)
            if k:
                offsets[r, :k] = torch.tensor(w.offsets, dtype=torch.long)
            special[r, :k] = torch.tensor(w.special_tokens_mask, dtype=torch.long)
        return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask,
                "offset_mapping": offsets, "special_tokens_mask": special,
                "overflow_to_sample_mapping": torch.tensor(owner, dtype=torch.long)}


class _Named(nn.Module):
    """A module that only holds named children (the checkpoint's naming)."""

    def __init__(self, children: dict[str, nn.Module]) -> None:
        super().__init__()
        for name, child in children.items():
            self.add_module(name, child)


class _Dense(nn.Module):
    """``dense`` then (with a residual) ``LayerNorm``: BERT's and MPNet's output blocks."""

    def __init__(self, d_in: int, d_out: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        self.LayerNorm = nn.LayerNorm(d_out, eps=eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.LayerNorm(self.dense(x) + residual)
        return out


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    b, t, d = x.shape
    return x.view(b, t, heads, d // heads).transpose(1, 2)


class _BertLayer(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        d, eps = c["hidden_size"], c["layer_norm_eps"]
        self.heads = int(c["num_attention_heads"])
        self.attention = _Named({
            "self": _Named({"query": nn.Linear(d, d), "key": nn.Linear(d, d),
                            "value": nn.Linear(d, d)}),
            "output": _Dense(d, d, eps)})
        self.intermediate = _Named({"dense": nn.Linear(d, c["intermediate_size"])})
        self.output = _Dense(c["intermediate_size"], d, eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        att: Any = self.attention
        q, k, v = (_heads(lin(x), self.heads) for lin in
                   (att.self.query, att.self.key, att.self.value))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                             scale=q.shape[-1] ** -0.5)
        ctx = ctx.transpose(1, 2).reshape(x.shape)
        h = att.output(ctx, x)
        inter: Any = self.intermediate
        out: torch.Tensor = self.output(F.gelu(inter.dense(h)), h)
        return out


class Bert(nn.Module):
    """BERT's encoder (MiniLM-L6 here): absolute positions, token types, SDPA attention."""

    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        d = c["hidden_size"]
        self.embeddings = _Named({
            "word_embeddings": nn.Embedding(c["vocab_size"], d),
            "position_embeddings": nn.Embedding(c["max_position_embeddings"], d),
            "token_type_embeddings": nn.Embedding(c["type_vocab_size"], d),
            "LayerNorm": nn.LayerNorm(d, eps=c["layer_norm_eps"])})
        self.encoder = _Named({"layer": nn.ModuleList(
            _BertLayer(c) for _ in range(c["num_hidden_layers"]))})

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None, **_: Any) -> Output:
        e: Any = self.embeddings
        types = token_type_ids if token_type_ids is not None else torch.zeros_like(input_ids)
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        h = e.LayerNorm(e.word_embeddings(input_ids) + e.token_type_embeddings(types)
                        + e.position_embeddings(positions))
        # as transformers gives SDPA: no mask where nothing is padding, else a boolean one
        mask = (None if bool(attention_mask.all()) else
                attention_mask.bool()[:, None, None, :].expand(
                    -1, 1, input_ids.shape[1], -1))
        states = [h]
        for layer in self.encoder.layer:  # type: ignore[union-attr]
            h = layer(h, mask)
            states.append(h)
        return Output(tuple(states))


def _bucket(relative: torch.Tensor, buckets: int = 32, max_distance: int = 128) -> torch.Tensor:
    """MPNet's (T5's) relative-position bucket of each query-key distance."""
    n = -relative
    buckets //= 2
    ret = (n < 0).to(torch.long) * buckets
    n = torch.abs(n)
    exact = buckets // 2
    large = exact + (torch.log(n.float() / exact) / math.log(max_distance / exact)
                     * (buckets - exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, buckets - 1))
    return ret + torch.where(n < exact, n, large)


class _MPNetLayer(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        d, eps = c["hidden_size"], c["layer_norm_eps"]
        self.heads = int(c["num_attention_heads"])
        self.attention = _Named({
            "attn": _Named({"q": nn.Linear(d, d), "k": nn.Linear(d, d), "v": nn.Linear(d, d),
                            "o": nn.Linear(d, d)}),
            "LayerNorm": nn.LayerNorm(d, eps=eps)})
        self.intermediate = _Named({"dense": nn.Linear(d, c["intermediate_size"])})
        self.output = _Dense(c["intermediate_size"], d, eps)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        att: Any = self.attention
        q, k, v = (_heads(lin(x), self.heads) for lin in (att.attn.q, att.attn.k, att.attn.v))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        scores += bias
        ctx = torch.matmul(F.softmax(scores, dim=-1), v)
        ctx = ctx.permute(0, 2, 1, 3).contiguous().view(x.shape)
        h = att.LayerNorm(att.attn.o(ctx) + x)
        inter: Any = self.intermediate
        out: torch.Tensor = self.output(F.gelu(inter.dense(h)), h)
        return out


class MPNet(nn.Module):
    """MPNet's encoder (all-mpnet-base-v2): positions counted past the padding id, a
    relative-position bias shared by every layer, eager attention."""

    padding_idx = 1

    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        d = c["hidden_size"]
        self.embeddings = _Named({
            "word_embeddings": nn.Embedding(c["vocab_size"], d, padding_idx=self.padding_idx),
            "position_embeddings": nn.Embedding(c["max_position_embeddings"], d,
                                             padding_idx=self.padding_idx),
            "LayerNorm": nn.LayerNorm(d, eps=c["layer_norm_eps"])})
        self.encoder = _Named({
            "layer": nn.ModuleList(_MPNetLayer(c) for _ in range(c["num_hidden_layers"])),
            "relative_attention_bias": nn.Embedding(c["relative_attention_num_buckets"],
                                                 c["num_attention_heads"])})
        self.buckets = int(c["relative_attention_num_buckets"])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                **_: Any) -> Output:
        e: Any = self.embeddings
        real = input_ids.ne(self.padding_idx).int()
        positions = (torch.cumsum(real, dim=1).type_as(real) * real).long() + self.padding_idx
        h = e.LayerNorm(e.word_embeddings(input_ids) + e.position_embeddings(positions))
        b, t = input_ids.shape
        at = torch.arange(t, dtype=torch.long)
        rel: Any = self.encoder.relative_attention_bias
        bias = rel(_bucket(at[None, :] - at[:, None], self.buckets)).permute(2, 0, 1)
        bias = bias.unsqueeze(0).expand(b, -1, t, t).contiguous()
        bias = bias.to(h.dtype)
        if not bool(attention_mask.all()):  # padding: as transformers' eager mask
            low = torch.finfo(h.dtype).min
            bias = bias + (1.0 - attention_mask[:, None, None, :].to(h.dtype)) * low
        states = [h]
        for layer in self.encoder.layer:  # type: ignore[union-attr]
            h = layer(h, bias)
            states.append(h)
        return Output(tuple(states))


def load(folder: Path) -> tuple[Tokenizer, nn.Module]:
    """The tokenizer and the float32 network (eval mode) of the model folder ``folder``
    (``config.json``, ``tokenizer.json``, ``model.safetensors``, read with safetensors)."""
    from safetensors.torch import load_file

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    kinds: dict[str, type[nn.Module]] = {"bert": Bert, "mpnet": MPNet}
    kind = kinds.get(str(config.get("model_type")))
    if kind is None or config.get("hidden_act", "gelu") != "gelu":
        raise ValueError(f"{folder / 'config.json'} is not a BERT or MPNet encoder with GELU")
    net = kind(config)
    weights = load_file(str(folder / "model.safetensors"))
    wanted = net.state_dict()
    missing = sorted(set(wanted) - set(weights))
    if missing:
        raise ValueError(f"{folder / 'model.safetensors'} lacks {', '.join(missing[:5])}")
    net.load_state_dict({k: weights[k] for k in wanted})
    net.eval()
    return Tokenizer(folder), net
