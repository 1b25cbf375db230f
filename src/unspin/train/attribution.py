"""``unspin train attribution``: the attribution tagger, learned from PolNeAR train.

Recipe (deterministic given ``seed``; CPU, two threads):

1. PolNeAR *train* (840 articles; *dev* is never read here), cut into *fit* and *tune* by
   a hash of each article's name (about one in ten to tune, :func:`unspin.corpora.polnear.fit_tune_names`).
2. Each article is parsed by the backbone and sent through the shared encoder pass, as the
   quotes stage does at run time; the tagger's inputs (:func:`~unspin.pipeline._attribution.tagger.piece_features`)
   and the gold BIO labels of every word piece are cached per article under
   ``$UNSPIN_CACHE/attribution`` (float16 states, keyed by text and encoder), so a second
   run skips this step.
3. The network (:func:`~unspin.pipeline._attribution.tagger.build_net`) is trained with
   cross-entropy over windows of whole sentences (:func:`windows`; batches of
   :attr:`Settings.batch` windows of similar length, Adam), :attr:`Settings.epochs` epochs. After each epoch: a checkpoint
   (weights, optimiser, epoch, figures; safetensors + JSON) so a stopped run resumes with the
   same command, and exact-match F1 of content, source and cue on *tune* after decoding and
   grouping; the epoch with the best mean of the three is kept.
4. Corrected exports (``--corrections FILE``, :mod:`unspin.train.corrections`) join *fit*
   only (tune stays PolNeAR's); their hashes are part of the checkpoint's identity and of
   ``meta.json``.
5. The artifact — ``tagger.safetensors`` (float16 weights) and ``meta.json`` (command, data
   hash, code commit, seed, settings, encoder, per-epoch figures, training time) — goes to
   ``out`` (default ``unspin/models/attribution``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console

from unspin.corpora.polnear import GoldArticle
from unspin.errors import ModelError

__all__ = ["Settings", "run", "training_articles"]


@dataclass(frozen=True)
class Settings:
    """Training settings, recorded in ``meta.json``."""

    #: 8 epochs at a constant rate: 14 with the rate falling linearly to a tenth reached a
    #: lower best tune score (0.6435 against 0.6492, BENCHMARKS.md).
    epochs: int = 8
    lr: float = 2e-3
    #: The learning rate falls linearly to this share of ``lr`` over the run (1: constant).
    lr_end: float = 1.0
    batch: int = 32
    window: int = 256
    dropout: float = 0.3
    weight_decay: float = 1e-5
    proj: int = 256
    hidden: int = 128
    tune_every: int = 10  # one article in this many goes to tune


@dataclass
class _Doc:
    name: str
    text: str
    offsets: npt.NDArray[np.int32]
    states: npt.NDArray[np.float16]
    cats: npt.NDArray[np.int64]
    flags: npt.NDArray[np.float32]
    sent: npt.NDArray[np.int64]
    labels: npt.NDArray[np.int64]
    gold: list[Any]


def data_sha256(data: Path, split: str) -> str:
    """A hash of the split's text and annotation files (names and bytes)."""
    from unspin.corpora.polnear import _split_dir

    root = _split_dir(data, split)
    h = hashlib.sha256()
    for p in sorted([*(root / "text").glob("*.txt"), *(root / "attributions").glob("*.ann")]):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def cache_root() -> Path:
    root = os.environ.get("UNSPIN_CACHE") or os.path.join(tempfile.gettempdir(), "unspin-cache")
    return Path(root) / "attribution"


def _encoder_tag() -> str:
    from unspin.encoder import encoder_id

    return hashlib.sha1(encoder_id().encode("utf-8")).hexdigest()[:12]


def prepare(data: Path, split: str, names: set[str] | None, log: Any) -> list[_Doc]:
    """Features and labels of the split's articles (cached; see the module doc)."""
    from unspin.corpora.polnear import read_split

    articles = [a for a in read_split(data, split) if names is None or a.name in names]
    return prepare_articles(articles, split, log)


def training_articles(data: Path, *, limit: int | None, tune_every: int,
                      corrections: Sequence[Path] = (), log: Any = print
                      ) -> tuple[list[GoldArticle], list[GoldArticle], list[dict[str, Any]]]:
    """``(fit, tune, corrections provenance)``: PolNeAR train (its first ``limit`` articles)
    cut by :func:`unspin.corpora.polnear.fit_tune_names`, with the attributions of the
    corrected exports in ``corrections`` added to *fit*."""
    from unspin.corpora.polnear import article_names, fit_tune_names, read_split
    from unspin.train.corrections import load_corrections, polnear_articles

    names = article_names(data, "train")
    if limit is not None:
        names = names[:limit]
    fit_names, tune_names = fit_tune_names(names, tune_every)
    if not fit_names or not tune_names:
        raise ModelError(f"too few PolNeAR train articles under {data} to fit and tune")
    wanted = set(names)
    by_name = {a.name: a for a in read_split(data, "train") if a.name in wanted}
    fit = [by_name[n] for n in fit_names if n in by_name]
    tune = [by_name[n] for n in tune_names if n in by_name]
    if not corrections:
        return fit, tune, []
    extra, provenance = load_corrections(corrections, "quotes", log)
    return fit + polnear_articles(extra), tune, provenance


def prepare_articles(articles: Sequence[GoldArticle], split: str, log: Any) -> list[_Doc]:
    """Features and labels of ``articles`` (cached by text under the ``split`` folder)."""
    from unspin.backbone import load_backbone
    from unspin.corpora.polnear import gold_attributions
    from unspin.encoder import encode_document
    from unspin.pipeline import register_extensions
    from unspin.pipeline._attribution.tagger import labels_for, piece_features
    from unspin.pipeline.encoding import document_sentences

    register_extensions()
    folder = cache_root() / f"{split}-{_encoder_tag()}"
    folder.mkdir(parents=True, exist_ok=True)
    nlp = None
    out: list[_Doc] = []
    for n, art in enumerate(articles):
        gold = gold_attributions(art)
        key = hashlib.sha1(art.text.encode("utf-8")).hexdigest()
        path = folder / f"{key}.npz"
        if not path.is_file():
            if nlp is None:
                nlp = load_backbone()
            doc = nlp(art.text)
            enc = encode_document(doc.text, document_sentences(doc), precision="fp32")
            f = piece_features(doc, enc)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, offsets=f.offsets, states=f.states.astype(np.float16), cats=f.cats,
                     flags=f.flags, sent=f.sent)
            tmp.replace(path)
        with np.load(path, allow_pickle=False) as z:
            offsets = z["offsets"]
            spans = [(role, getattr(g, role)) for g in gold for role in ("source", "cue", "content")]
            out.append(_Doc(art.name, art.text, offsets, z["states"], z["cats"], z["flags"], z["sent"],
                            labels_for(offsets, spans), gold))
        if (n + 1) % 50 == 0:
            log(f"{split}: {n + 1}/{len(articles)} articles ready")
    return out


#: A training window: (document, first piece, end piece), whole sentences.
_Window = tuple[int, int, int]


def windows(docs: Sequence[_Doc], size: int) -> list[_Window]:
    """Documents cut at sentence boundaries into runs of at most ``size`` pieces (a longer
    sentence is a window of its own): the LSTM trains on these, and reads whole documents at
    run time (measured: whole documents as training sequences were ~5x slower per epoch)."""
    out: list[_Window] = []
    for d, doc in enumerate(docs):
        n = len(doc.offsets)
        if n == 0:
            continue
        bounds: list[int] = [0, *(int(i) + 1 for i in np.nonzero(np.diff(doc.sent))[0]), n]
        a = 0
        for lo, hi in itertools.pairwise(bounds):
            if hi - a > size and lo > a:
                out.append((d, a, lo))
                a = lo
        out.append((d, a, n))
    return out


def _batches(wins: Sequence[_Window], size: int, rng: np.random.Generator | None) -> list[list[int]]:
    order = sorted(range(len(wins)), key=lambda i: (wins[i][2] - wins[i][1], i))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(batches)
    return batches


def _tensors(docs: Sequence[_Doc], wins: Sequence[_Window], idx: Sequence[int]) -> tuple[Any, ...]:
    import torch

    lengths = [max(1, wins[i][2] - wins[i][1]) for i in idx]
    width = max(lengths)
    first = docs[wins[idx[0]][0]]
    states = np.zeros((len(idx), width, first.states.shape[1]), np.float32)
    cats = np.zeros((len(idx), width, 3), np.int64)
    flags = np.zeros((len(idx), width, first.flags.shape[1]), np.float32)
    labels = np.full((len(idx), width), -100, np.int64)
    for r, i in enumerate(idx):
        di, a, b = wins[i]
        d = docs[di]
        n = b - a
        states[r, :n] = d.states[a:b]
        cats[r, :n] = d.cats[a:b]
        flags[r, :n] = d.flags[a:b]
        labels[r, :n] = d.labels[a:b]
    return (torch.from_numpy(states), torch.from_numpy(cats), torch.from_numpy(flags),
            torch.tensor(lengths), torch.from_numpy(labels))


def predict(net: Any, docs: Sequence[_Doc]) -> list[list[Any]]:
    """Tagged attributions of each doc (decoded and grouped as at run time)."""
    import torch

    from unspin.pipeline._attribution.tagger import PieceFeatures, chunks, decode, group

    out: list[list[Any]] = []
    net.eval()
    with torch.inference_mode():
        for d in docs:
            f = PieceFeatures(d.offsets, d.states.astype(np.float32), d.cats, d.flags, d.sent)
            if not len(d.offsets):
                out.append([])
                continue
            logits = net(torch.from_numpy(f.states)[None], torch.from_numpy(f.cats)[None],
                         torch.from_numpy(f.flags)[None], torch.tensor([len(d.offsets)]))
            probs = torch.softmax(logits[0], dim=-1).numpy()
            tags = decode(np.log(probs + 1e-9))
            out.append(group(chunks(d.text, f, tags, probs)))
    return out


def exact_f1(docs: Sequence[_Doc], predicted: Sequence[Sequence[Any]]) -> dict[str, float]:
    """Exact-match F1 per role and for whole attributions (as ``unspin eval quotes``)."""
    from unspin.corpora.polnear import Attribution, Counts, norm

    counts = {r: Counts() for r in ("content", "source", "cue", "attribution")}
    for d, pred in zip(docs, predicted, strict=True):
        ps = [Attribution(norm(d.text, p.content), norm(d.text, p.cue), norm(d.text, p.source))
              for p in pred]
        for role in ("content", "source", "cue"):
            counts[role].add([getattr(p, role) for p in ps], [getattr(g, role) for g in d.gold],
                             d.text, "exact")
        counts["attribution"].add_attr(ps, d.gold, d.text, "exact")
    return {r: round(c.prf()[2], 4) for r, c in counts.items()}


def checkpoint_dir(seed: int) -> Path:
    """Per seed and encoder: a run on another encoder (``$UNSPIN_MODEL``) never resumes
    this one's checkpoint."""
    return cache_root() / "checkpoint" / f"seed-{seed}-{_encoder_tag()}"


def run(data: Path, *, out: Path | None, seed: int, console: Console,
        settings: Settings | None = None, limit: int | None = None,
        corrections: Sequence[Path] = (), model: str | None = None) -> Path:
    """Train the tagger on PolNeAR train at ``data`` (plus the corrected exports in
    ``corrections``), on ``model``'s encoder (small or base); write the artifact to ``out``
    (default: the folder the stage reads for that encoder).

    ``limit`` keeps the first ``limit`` train articles (for tests)."""
    from unspin.encoder import using

    with using(model):
        return _run(data, out=out, seed=seed, console=console, settings=settings, limit=limit,
                    corrections=corrections)


def _run(data: Path, *, out: Path | None, seed: int, console: Console,
         settings: Settings | None, limit: int | None, corrections: Sequence[Path]) -> Path:
    try:
        import torch
    except ImportError as exc:
        raise ModelError("training needs torch; pip install 'unspin[train]'") from exc
    from safetensors.torch import load_file, save_file

    from unspin.encoder import encoder_id, spec
    from unspin.pipeline._attribution.tagger import NetShape, build_net
    from unspin.train.encoder import _optim_state, _optim_tensors
    from unspin.train.techniques import _git_commit, _git_dirty

    settings = settings or Settings()
    key = spec().key
    out = out or spec().artifact("attribution")
    torch.manual_seed(seed)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        console.print(f"[{time.perf_counter() - t0:6.0f} s] {msg}")

    from rich.markup import escape

    fit_articles, tune_articles, corrected = training_articles(
        data, limit=limit, tune_every=settings.tune_every, corrections=corrections,
        log=lambda m: log(escape(m)))
    n_corrected = sum(a.name.startswith("corrections:") for a in fit_articles)
    fit = prepare_articles(fit_articles, "train", log)
    tune = prepare_articles(tune_articles, "train", log)
    n_articles = len(fit_articles) + len(tune_articles) - n_corrected
    t_prep = time.perf_counter() - t0
    log(f"{len(fit)} fit ({n_corrected} from corrections) and {len(tune)} tune articles, "
        f"{sum(len(d.offsets) for d in fit)} fit pieces")

    # The states' width is the encoder's: two token layers and the last (1152 for small).
    width = int(fit[0].states.shape[1]) if fit else NetShape().states
    shape = NetShape(states=width, proj=settings.proj, hidden=settings.hidden)
    net = build_net(shape, settings.dropout)
    opt = torch.optim.Adam(net.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)
    ckpt = checkpoint_dir(seed)
    corrections_id = [c["sha256"] for c in corrected]
    history: list[dict[str, Any]] = []
    best: dict[str, Any] | None = None
    best_state: dict[str, Any] | None = None
    first = 1
    if (ckpt / "state.json").is_file():
        state = json.loads((ckpt / "state.json").read_text(encoding="utf-8"))
        if state.get("settings") != asdict(settings) or state.get("seed") != seed \
                or state.get("articles") != n_articles \
                or state.get("corrections", []) != corrections_id:
            raise ModelError(f"the checkpoint in {ckpt} is for other settings or data; remove it "
                             "to start again", path=str(ckpt))
        try:
            net.load_state_dict(load_file(str(ckpt / "weights.safetensors")))
            best_state = load_file(str(ckpt / "best.safetensors"))
            opt.load_state_dict(_optim_state(opt, load_file(str(ckpt / "optim.safetensors"))))
        except Exception as exc:
            raise ModelError(f"the checkpoint in {ckpt} cannot be read ({exc}); remove it to "
                             "start again", path=str(ckpt)) from exc
        history, best, first = state["history"], state["best"], int(state["epoch"]) + 1
        log(f"resumed after epoch {first - 1}")
    rng = np.random.default_rng(seed)
    wins = windows(fit, settings.window)
    for _ in range(1, first):  # the batch order of the epochs already run
        _batches(wins, settings.batch, rng)
    for epoch in range(first, settings.epochs + 1):
        torch.manual_seed(seed * 1000 + epoch)
        share = 1.0 - (1.0 - settings.lr_end) * (epoch - 1) / max(1, settings.epochs - 1)
        for group_ in opt.param_groups:
            group_["lr"] = settings.lr * share
        net.train()
        total, steps = 0.0, 0
        for idx in _batches(wins, settings.batch, rng):
            states, cats, flags, lengths, labels = _tensors(fit, wins, idx)
            logits = net(states, cats, flags, lengths)
            loss = ce(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            total += float(loss.detach())
            steps += 1
        scores = exact_f1(tune, predict(net, tune))
        mean = round((scores["content"] + scores["source"] + scores["cue"]) / 3, 4)
        row = {"epoch": epoch, "loss": round(total / max(1, steps), 4),
               **{f"tune_exact_f1_{k}": v for k, v in scores.items()}, "tune_mean": mean}
        history.append(row)
        log(f"epoch {epoch}: loss {row['loss']:.4f}, tune exact F1 content {scores['content']:.3f} "
            f"source {scores['source']:.3f} cue {scores['cue']:.3f} attribution {scores['attribution']:.3f}")
        if best is None or mean > best["tune_mean"]:
            best = row
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        ckpt.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(ckpt / "weights.safetensors"))
        assert best_state is not None
        save_file({k: v.contiguous() for k, v in best_state.items()}, str(ckpt / "best.safetensors"))
        save_file(_optim_tensors(opt), str(ckpt / "optim.safetensors"))
        (ckpt / "state.json").write_text(json.dumps({
            "settings": asdict(settings), "seed": seed, "articles": n_articles,
            "corrections": corrections_id, "epoch": epoch,
            "history": history, "best": best}), encoding="utf-8")
    assert best is not None and best_state is not None
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.half().contiguous() for k, v in best_state.items()}, str(out / "tagger.safetensors"))
    meta = {
        "name": "unspin.attribution.tagger.v1",
        "command": f"unspin train attribution --data {data} --seed {seed}"
                   + f" --model {key}"
                   + "".join(f" --corrections {c}" for c in corrections),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "code_commit": _git_commit(),
        "code_dirty": _git_dirty(),
        "data": {"path": str(data), "split": "train", "articles": n_articles,
                 "fit": len(fit), "tune": len(tune), "sha256": data_sha256(data, "train"),
                 "corrected_fit": n_corrected, "corrections": corrected},
        "encoder": encoder_id(),
        "seed": seed,
        "settings": asdict(settings),
        "shape": asdict(shape),
        "labels": ["O", "B-source", "I-source", "B-cue", "I-cue", "B-content", "I-content"],
        "history": history,
        "best_epoch": best["epoch"],
        "tune": {k: v for k, v in best.items() if k.startswith("tune_")},
        "training_seconds": {"features": round(t_prep), "total": round(time.perf_counter() - t0)},
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"best epoch {best['epoch']}: tune mean exact F1 {best['tune_mean']:.4f}; wrote {out}")
    return out
