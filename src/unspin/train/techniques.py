"""``unspin train techniques``: fit the two heads of the techniques model on PTC.

Recipe (deterministic given ``seed``; CPU, two threads):

1. The articles of PTC train outside the held-out ``dev`` split (:mod:`unspin.corpora.ptc`)
   are split again by a salted hash of the id: about one in eight is the *tune* part,
   the rest the *fit* part. ``dev`` is never read here except to report the final figures.
2. Every sentence (one a line) goes once through the installed encoder (the base with the
   fine-tuned adapters of ``unspin train encoder``, when shipped); the word-piece states of
   :data:`unspin.encoder.TOKEN_LAYERS` are cached on disk (``$UNSPIN_CACHE``, default the
   temp dir), keyed by the encoder's id.
3. **Tagger**: an MLP (one hidden layer) over each piece's states and the sentence's mean,
   trained with binary cross-entropy to say whether the piece overlaps a gold span. After
   each epoch the SI F1 on *tune* is measured for a grid of thresholds; the best epoch and
   threshold are kept. The fine-tuned encoder's own token head (trained end to end with
   the adapters) is scored the same way, and the better of the two on *tune* is kept.
4. **Classifier**: an MLP over span features (:func:`span_features`, including the mean
   and max of the encoder token head's 14 technique probabilities over the span, when
   shipped) of every gold (span, technique) pair of *fit*, softmax cross-entropy; the
   epoch with the best TC micro-F1 on *tune* is kept.
5. Corrected exports (``--corrections FILE``, :mod:`unspin.train.corrections`) join the
   *fit* part only, so the *tune* figures stay comparable with a run without them; each
   file's hash and counts go to ``meta.json``.
6. The artifact — ``heads.safetensors`` (tagger, classifier and the copied span head,
   float32) and ``meta.json`` (command, data hash, code commit, encoder id, settings, tune
   and dev figures) — goes to ``out``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console

from unspin.corpora.ptc import Article, data_sha256, read_articles, split_of
from unspin.errors import ModelError

__all__ = ["Settings", "fit_classifier", "fit_tagger", "fit_tune_articles", "run",
           "training_articles", "tune_split"]

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Settings:
    """Training settings, recorded in ``meta.json``."""

    tagger_hidden: int = 192
    tagger_epochs: int = 6
    tagger_lr: float = 1e-3
    tagger_batch: int = 1024
    classifier_hidden: int = 256
    classifier_epochs: int = 40
    classifier_lr: float = 5e-4
    classifier_batch: int = 64
    dropout: float = 0.2
    weight_decay: float = 1e-4
    #: A span's second (third, …) technique is kept at this probability or above. Set by
    #: hand, not tuned: the SemEval metrics do not reward extra labels.
    multi_threshold: float = 0.35
    si_thresholds: tuple[float, ...] = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def _tune_hash(article_id: str) -> int:
    return int(hashlib.sha256(f"unspin-ptc-tune:{article_id}".encode()).hexdigest()[:8], 16)


def tune_split(articles: Sequence[Article]) -> tuple[list[Article], list[Article]]:
    """``(fit, tune)``: an article is in *tune* when its salted hash is 0 modulo 8 (about
    one in eight); should none be, the one with the smallest hash is."""
    tune_ids = {a.id for a in articles if _tune_hash(a.id) % 8 == 0}
    if not tune_ids and len(articles) > 1:
        tune_ids = {min(articles, key=lambda a: _tune_hash(a.id)).id}
    return ([a for a in articles if a.id not in tune_ids],
            [a for a in articles if a.id in tune_ids])


def fit_tune_articles(data: Path, articles: list[Article] | None = None
                      ) -> tuple[list[Article], list[Article]]:
    """The *fit* and *tune* parts (:func:`tune_split`) of ``articles`` (default: PTC train
    at ``data`` minus the held-out dev split) — what every PTC trainer reads."""
    pool = articles if articles is not None else [
        a for a in read_articles(data, "all") if split_of(a.id) == "train"]
    fit_arts, tune_arts = tune_split(pool)
    if not tune_arts or not fit_arts:
        raise ModelError("training needs articles in both the fit and the tune part")
    return fit_arts, tune_arts


def training_articles(data: Path, articles: list[Article] | None = None,
                      corrections: Sequence[Path] = (), log: Callable[[str], None] = print
                      ) -> tuple[list[Article], list[Article], list[dict[str, Any]]]:
    """``(fit, tune, corrections provenance)``: :func:`fit_tune_articles`, with the technique
    spans of the corrected exports in ``corrections`` added to *fit*."""
    from unspin.train.corrections import load_corrections, ptc_articles

    fit_arts, tune_arts = fit_tune_articles(data, articles)
    if not corrections:
        return fit_arts, tune_arts, []
    extra, provenance = load_corrections(corrections, "techniques", log)
    return fit_arts + ptc_articles(extra), tune_arts, provenance


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ModelError("training needs torch; pip install 'unspin[train]'") from exc
    return torch


def _mlp_from_torch(net: Any, mean: F32, std: F32) -> Any:
    from unspin.pipeline._techniques.model import Mlp

    lin1, lin2 = net[0], net[3]
    return Mlp(mean, std, lin1.weight.detach().numpy().T.copy(), lin1.bias.detach().numpy().copy(),
               lin2.weight.detach().numpy().T.copy(), lin2.bias.detach().numpy().copy())


def _standardiser(x: npt.NDArray[Any]) -> tuple[F32, F32]:
    mean = x.astype(np.float64).mean(axis=0)
    std = x.astype(np.float64).std(axis=0) + 1e-4
    return mean.astype(np.float32), std.astype(np.float32)


def _train_mlp(x: npt.NDArray[Any], y: npt.NDArray[Any], *, outputs: int, hidden: int,
               epochs: int, lr: float, batch: int, dropout: float, weight_decay: float,
               seed: int, score: Callable[[Any], float], log: Callable[[str], None]
               ) -> tuple[Any, int, float]:
    """Train an MLP; after each epoch ``score(numpy Mlp)``; return the best (Mlp, epoch, score)."""
    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mean, std = _standardiser(x)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(),
                              torch.nn.Dropout(dropout), torch.nn.Linear(hidden, outputs))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    binary = outputs == 1
    loss_fn = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
    # Standardise once, in chunks (the float16 cache stays small; this copy is float32).
    xt = torch.empty((len(x), x.shape[1]), dtype=torch.float32)
    for a in range(0, len(x), 65536):
        xt[a : a + 65536] = torch.from_numpy((np.asarray(x[a : a + 65536], np.float32) - mean) / std)
    yt = torch.from_numpy(np.asarray(y))
    best: tuple[Any, int, float] | None = None
    for epoch in range(1, epochs + 1):
        net.train()
        order = rng.permutation(len(x))
        total = 0.0
        for a in range(0, len(order), batch):
            idx = torch.from_numpy(order[a : a + batch])
            xb, yb = xt[idx], yt[idx]
            out = net(xb)
            loss = loss_fn(out[:, 0], yb.float()) if binary else loss_fn(out, yb.long())
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        net.eval()
        mlp = _mlp_from_torch(net, mean, std)
        value = score(mlp)
        log(f"  epoch {epoch}: loss {total / len(x):.4f}, tune {value:.4f}")
        if best is None or value > best[2]:
            best = (mlp, epoch, value)
    assert best is not None
    return best


@dataclass
class _Part:
    """The sentences of some articles, with their cached encoder output."""

    articles: list[Article]
    texts: list[list[str]]
    starts: list[list[int]]
    encoded: list[list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float16]]]]


def _part(articles: list[Article], cache_rows: Callable[[int], Any], first: int) -> tuple[_Part, int]:
    texts, starts, encoded = [], [], []
    row = first
    for art in articles:
        ss = art.sentences()
        texts.append([s.text for s in ss])
        starts.append([s.start for s in ss])
        encoded.append([cache_rows(row + i) for i in range(len(ss))])
        row += len(ss)
    return _Part(articles, texts, starts, encoded), row


def _tagger_data(part: _Part) -> tuple[npt.NDArray[np.float16], npt.NDArray[np.uint8]]:
    from unspin.pipeline._techniques.model import tagger_features

    xs: list[npt.NDArray[np.float16]] = []
    ys: list[npt.NDArray[np.uint8]] = []
    for art, starts, encoded in zip(part.articles, part.starts, part.encoded, strict=True):
        gold = np.asarray([(g.start, g.end) for g in art.spans], dtype=np.int64).reshape(-1, 2)
        for s0, (offs, states) in zip(starts, encoded, strict=True):
            if len(offs) == 0:
                continue
            a, b = offs[:, 0:1] + s0, offs[:, 1:2] + s0
            inside = ((a < gold[None, :, 1]) & (b > gold[None, :, 0])).any(axis=1)
            xs.append(tagger_features(np.asarray(states, np.float32)).astype(np.float16))
            ys.append(np.asarray(inside, dtype=np.uint8))
    return np.concatenate(xs), np.concatenate(ys)


def _classifier_data(part: _Part, span_head: Any = None
                     ) -> tuple[F32, npt.NDArray[np.int64], list[list[str]]]:
    """Rows for every (span, technique) pair, their labels, and the grouped gold per span."""
    from unspin.corpora.ptc import tc_groups
    from unspin.pipeline._techniques.model import LABELS, document_span_rows

    index = {label: i for i, label in enumerate(LABELS)}
    rows: list[F32] = []
    labels: list[int] = []
    groups: list[list[str]] = []
    for art, texts, starts, encoded in zip(part.articles, part.texts, part.starts,
                                           part.encoded, strict=True):
        enc32 = [(o, np.asarray(s, np.float32)) for o, s in encoded]
        grouped = tc_groups(art)
        x = document_span_rows(texts, starts, enc32, [(s, e) for s, e, _ in grouped], span_head)
        for row, (_, _, techs) in zip(x, grouped, strict=True):
            for t in techs:
                rows.append(row)
                labels.append(index[t])
            groups.append(techs)
    return np.stack(rows), np.asarray(labels, np.int64), groups


def _inside_probs(part: _Part, tagger: Any) -> list[list[F32]]:
    from unspin.pipeline._techniques.model import tagger_input

    out: list[list[F32]] = []
    for encoded in part.encoded:
        probs: list[F32] = []
        for offs, states in encoded:
            if len(offs) == 0:
                probs.append(np.zeros(0, np.float32))
                continue
            logits = tagger.logits(tagger_input(tagger, np.asarray(states, np.float32)))[:, 0]
            probs.append((1.0 / (1.0 + np.exp(-logits))).astype(np.float32))
        out.append(probs)
    return out


def _si_f1(part: _Part, probs: list[list[F32]], threshold: float) -> float:
    from unspin.corpora.ptc import si_scores
    from unspin.pipeline._techniques.model import decode_runs

    pairs = []
    for art, texts, starts, encoded, pr in zip(part.articles, part.texts, part.starts,
                                               part.encoded, probs, strict=True):
        pred: list[tuple[int, int]] = []
        for text, s0, (offs, _), p in zip(texts, starts, encoded, pr, strict=True):
            pred.extend((s0 + s, s0 + e) for s, e, _ in decode_runs(offs, p, threshold, text))
        pairs.append((pred, [(g.start, g.end) for g in art.spans]))
    return si_scores(pairs)[2]


def _tc_micro(groups: Sequence[list[str]], probs: F32) -> float:
    from unspin.corpora.ptc import tc_scores
    from unspin.pipeline._techniques.model import LABELS

    pred = [[LABELS[int(i)] for i in np.argsort(-p)[: len(g)]] for g, p in zip(groups, probs, strict=True)]
    return tc_scores(groups, pred)[0]


def fit_tagger(fit: _Part, tune: _Part, settings: Settings, seed: int,
               log: Callable[[str], None], model: str | None = None
               ) -> tuple[Any, float, dict[str, Any]]:
    """Train the MLP tagger, compare it on tune with the fine-tuned encoder's token head
    (when shipped); return the better, its threshold and the tune figures."""
    x, y = _tagger_data(fit)
    log(f"tagger: {len(x)} pieces, {y.mean():.3f} inside a span")
    chosen: dict[int, float] = {}

    def score(mlp: Any) -> float:
        best_t, best_f = settings.si_thresholds[0], -1.0
        probs = _inside_probs(tune, mlp)
        for t in settings.si_thresholds:
            f = _si_f1(tune, probs, t)
            if f > best_f:
                best_t, best_f = t, f
        chosen[id(mlp)] = best_t
        return best_f

    mlp, epoch, f1 = _train_mlp(
        x, y, outputs=1, hidden=settings.tagger_hidden, epochs=settings.tagger_epochs,
        lr=settings.tagger_lr, batch=settings.tagger_batch, dropout=settings.dropout,
        weight_decay=settings.weight_decay, seed=seed, score=score, log=log)
    threshold = chosen[id(mlp)]
    figs: dict[str, Any] = {"tune_si_f1_mlp": f1, "tagger_epoch": epoch}
    tagger: Any = mlp
    head = encoder_token_head(model)
    if head is not None:
        # The fine-tuned encoder's own token head, trained end to end with the adapters:
        # kept when it beats the MLP on tune (it has, on PTC: see BENCHMARKS.md).
        f_head = score(head)
        figs["tune_si_f1_encoder_head"] = f_head
        log(f"tagger: encoder token head tune SI F1 {f_head:.4f} at {chosen[id(head)]}, "
            f"MLP {f1:.4f}")
        if f_head > f1:
            tagger, threshold, f1 = head, chosen[id(head)], f_head
    figs.update({"tune_si_f1": f1, "si_threshold": threshold,
                 "tagger": "encoder_head" if tagger is head else "mlp"})
    return tagger, threshold, figs


def _encoder_head_rows(rows: slice, model: str | None = None) -> Any:
    """Rows of ``model``'s shipped fine-tuned encoder's token head as a :class:`LinearHead`
    (None when the encoder has no adapters or no head)."""
    from unspin.encoder import adapter_info, spec
    from unspin.pipeline._techniques.model import LinearHead

    sp = spec(model)
    path = sp.adapter_dir / "token_head.safetensors"
    if adapter_info(model=sp.key) is None or not path.is_file():
        return None
    from safetensors.numpy import load_file

    t = load_file(str(path))
    return LinearHead(t["weight"][rows].T.astype(np.float32).copy(),
                      t["bias"][rows].astype(np.float32).copy())


def encoder_token_head(model: str | None = None) -> Any:
    """The fine-tuned encoder's token head, row "inside a span": a candidate tagger."""
    return _encoder_head_rows(slice(0, 1), model)


def encoder_span_head(model: str | None = None) -> Any:
    """The fine-tuned encoder's token head, its 14 technique rows: extra classifier input."""
    return _encoder_head_rows(slice(1, None), model)


def fit_classifier(fit: _Part, tune: _Part, settings: Settings, seed: int,
                   log: Callable[[str], None], model: str | None = None
                   ) -> tuple[Any, dict[str, Any]]:
    """Train the span classifier; return it and the tune figures."""
    from unspin.pipeline._techniques.model import LABELS, softmax

    span_head = encoder_span_head(model)
    x, y, _ = _classifier_data(fit, span_head)
    tx, _, tgroups = _classifier_data(tune, span_head)
    log(f"classifier: {len(x)} (span, technique) pairs, {len(LABELS)} techniques")
    mlp, epoch, f1 = _train_mlp(
        x, y, outputs=len(LABELS), hidden=settings.classifier_hidden,
        epochs=settings.classifier_epochs, lr=settings.classifier_lr,
        batch=settings.classifier_batch, dropout=settings.dropout,
        weight_decay=settings.weight_decay, seed=seed,
        score=lambda m: _tc_micro(tgroups, softmax(m.logits(tx))), log=lambda s: None)
    log(f"classifier: best epoch {epoch}, tune TC micro-F1 {f1:.4f}")
    return mlp, {"tune_tc_micro_f1": f1, "classifier_epoch": epoch,
                 "classifier_reads_encoder_head": span_head is not None}


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _git_commit() -> str | None:
    """``git rev-parse HEAD`` of the code, or None outside a checkout."""
    return _git("rev-parse", "HEAD") or None


def _git_dirty() -> bool | None:
    """Whether the package's own files differ from that commit (None outside a checkout)."""
    out = _git("status", "--porcelain", "--", str(Path(__file__).resolve().parent.parent))
    return None if out is None else bool(out)


def run(data: Path, *, out: Path | None, seed: int, console: Console,
        settings: Settings | None = None, articles: list[Article] | None = None,
        corrections: Sequence[Path] = (), model: str | None = None) -> Path:
    """Train on PTC at ``data`` (plus the corrected exports in ``corrections``), on
    ``model``'s encoder (small or base); write ``heads.safetensors`` + ``meta.json`` to
    ``out`` (default: the folder the stage reads for that encoder).

    ``articles`` (default: PTC train minus dev) exists for tests. ``unspin train
    techniques`` then scores the artifact on dev (:func:`unspin.eval.techniques.record_dev`:
    training never imports an eval command).
    """
    torch = _torch()
    from safetensors.numpy import save_file

    from unspin.encoder import spec
    from unspin.pipeline._techniques.features import encoder_settings, feature_cache
    from unspin.pipeline._techniques.model import LABELS

    key = spec(model).key
    shipped = spec(key).artifact("techniques")
    settings = settings or Settings()
    out = out or shipped
    torch.set_num_threads(min(2, torch.get_num_threads()))
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        console.print(f"[{time.perf_counter() - t0:6.0f} s] {msg}")

    from rich.markup import escape

    fit_arts, tune_arts, corrected = training_articles(data, articles, corrections,
                                                       lambda m: log(escape(m)))
    n_corrected = sum(a.id.startswith("corrections:") for a in fit_arts)
    log(f"{len(fit_arts)} fit ({n_corrected} from corrections) and "
        f"{len(tune_arts)} tune articles; encoding sentences (cached after the first run)")
    ordered = fit_arts + tune_arts
    cache = feature_cache([[s.text for s in a.sentences()] for a in ordered], model=key)
    fit, row = _part(fit_arts, cache.get, 0)
    tune, _ = _part(tune_arts, cache.get, row)
    log("features ready")
    tagger, threshold, tagger_figs = fit_tagger(fit, tune, settings, seed, log, key)
    log(f"tagger: best epoch {tagger_figs['tagger_epoch']}, threshold {threshold}, "
        f"tune SI F1 {tagger_figs['tune_si_f1']:.4f}")
    classifier, clf_figs = fit_classifier(fit, tune, settings, seed, log, key)

    out.mkdir(parents=True, exist_ok=True)
    span_head = encoder_span_head(key)
    save_file({**tagger.tensors("tagger"), **classifier.tensors("classifier"),
               **(span_head.tensors("span_head") if span_head is not None else {})},
              str(out / "heads.safetensors"))
    meta: dict[str, Any] = {
        "name": "unspin.techniques.minilm.v1",
        "command": f"unspin train techniques --data {data} --seed {seed}"
                   + f" --model {key}"
                   + (f" --out {out}" if out != shipped else "")
                   + "".join(f" --corrections {c}" for c in corrections),
        "data": {"corpus": "PTC v2 train (SemEval-2020 Task 11)", "sha256": data_sha256(data),
                 "fit_articles": len(fit_arts), "tune_articles": len(tune_arts),
                 "held_out": "dev split of unspin.corpora.ptc.split_of (never trained on)",
                 "corrected_fit_articles": n_corrected, "corrections": corrected},
        "code_commit": _git_commit(),
        "code_dirty": _git_dirty(),
        "seed": seed,
        "encoder": encoder_settings(key),
        "labels": list(LABELS),
        "settings": {**asdict(settings), "si_threshold": threshold},
        "metrics": {"tune": {**tagger_figs, **clf_figs}},
        "train_seconds": round(time.perf_counter() - t0, 1),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"wrote {out}")
    return out
